"""The layout probes `newsletter qa` runs inside each edition, as one JavaScript function.

Kept in a Python string rather than a .js file so it ships in the wheel without package data.
`PROBES([mode, opts])` returns plain data (selectors, sizes, boxes in page coordinates, as on
a full-page screenshot) that pipeline/inspect/browser.py turns into findings.
"""

PROBES = r"""
// Layout probes `newsletter qa` runs inside each edition (pipeline/inspect/browser.py).
// One function per mode; each returns plain data (selectors, sizes, boxes) for Python to
// turn into findings. Boxes are in page coordinates (as on a full-page screenshot).
([mode, opts]) => {
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  const sx = window.scrollX, sy = window.scrollY;
  const hiddenCache = new Map();
  const styleOf = (el) => getComputedStyle(el);

  // Hidden: display:none, visibility, opacity 0, or inside a box collapsed to nothing with its
  // overflow hidden (the preview line MJML hides with max-height:0;overflow:hidden).
  function hidden(el) {
    if (!el || el.nodeType !== 1 || el === doc || el === document.body) return false;
    if (hiddenCache.has(el)) return hiddenCache.get(el);
    let h = !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
    if (!h) {
      const cs = styleOf(el);
      if (cs.overflow !== "visible" && (parseFloat(cs.maxHeight) === 0 || parseFloat(cs.maxWidth) === 0
          || el.clientHeight === 0 || el.clientWidth === 0)) h = true;
    }
    h = h || hidden(el.parentElement);
    hiddenCache.set(el, h);
    return h;
  }

  function part(el) {
    let p = el.tagName.toLowerCase();
    const cls = [...el.classList];
    const own = cls.find((c) => c.startsWith("nl-")) || cls.find((c) => !c.startsWith("mj-outlook")) || "";
    if (own) p += "." + CSS.escape(own);
    const parent = el.parentElement;
    if (parent) {
      const same = [...parent.children].filter((c) => c.tagName === el.tagName);
      if (same.length > 1) p += `:nth-of-type(${same.indexOf(el) + 1})`;
    }
    return p;
  }

  function selector(el) {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== doc; e = e.parentElement) {
      if (e.id) { parts.unshift("#" + CSS.escape(e.id)); break; }
      parts.unshift(part(e));
      if (e === document.body) break;
    }
    return parts.join(" > ");
  }

  const squash = (s, n = 60) => {
    s = (s || "").replace(/\s+/g, " ").trim();
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  };

  function label(el) {
    const tag = el.tagName.toLowerCase();
    if (tag === "img") return `<img alt="${squash(el.getAttribute("alt") || "", 40)}">`;
    const text = squash(el.innerText || el.textContent || "", 40);
    return text ? `<${tag}> «${text}»` : `<${tag}>`;
  }

  const box = (r) => [Math.round(r.left + sx), Math.round(r.top + sy), Math.round(r.width), Math.round(r.height)];
  const isInline = (el) => ["inline", "contents"].includes(styleOf(el).display);

  function blockOf(el) {
    let c = el;
    while (c && c !== document.body && isInline(c)) c = c.parentElement;
    return c;
  }

  function containerOf(el) {
    return el.parentElement ? blockOf(el.parentElement) : null;
  }

  function* textNodes() {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.nodeValue.trim()) continue;
      const parent = n.parentElement;
      if (!parent || ["SCRIPT", "STYLE", "TITLE", "NOSCRIPT"].includes(parent.tagName) || hidden(parent)) continue;
      yield n;
    }
  }

  function textRect(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) return null;
    const left = Math.min(...rects.map((r) => r.left)), right = Math.max(...rects.map((r) => r.right));
    const top = Math.min(...rects.map((r) => r.top)), bottom = Math.max(...rects.map((r) => r.bottom));
    return {left, right, top, bottom, width: right - left, height: bottom - top};
  }

  // What makes a box too wide: the widest image, or the longest word (which cannot wrap), that
  // is wider than the room it would have: the container's width less the space on its left
  // (padding and margins, taken as the same on the right), where the widened boxes start.
  function culpritIn(root, left, room) {
    let best = null;
    const fits = (r, el) => r.width <= room - 2 * Math.max(0, blockOf(el).getBoundingClientRect().left - left) + 1;
    for (const img of root.tagName === "IMG" ? [root] : root.querySelectorAll("img")) {
      if (hidden(img)) continue;
      const r = img.getBoundingClientRect();
      if (!fits(r, img.parentElement || img) && (!best || r.width > best.width))
        best = {width: r.width, r, selector: selector(img), what: `${label(img)} ${Math.round(r.width)} px wide`};
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement || hidden(n.parentElement)) continue;
      for (const m of n.nodeValue.matchAll(/\S{12,}/g)) {
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const r = range.getBoundingClientRect();
        if (!fits(r, n.parentElement) && (!best || r.width > best.width))
          best = {width: r.width, r, selector: selector(n.parentElement),
                  what: `the word «${squash(m[0], 40)}» (${[...m[0]].length} characters, ` +
                        `${Math.round(r.width)} px, cannot wrap)`};
      }
    }
    return best;
  }

  const clips = (el) => el && styleOf(el).overflowX !== "visible";

  // Elements and text past the right (or left) edge of their block container or of the
  // viewport; only the outermost of a nest is reported (its insides move with it).
  function sticking() {
    const hits = [];
    const consider = (el, r, node) => {
      if (!r || (r.width === 0 && r.height === 0)) return;
      const c = node ? blockOf(el) : containerOf(el);
      const cr = c && c !== document.body ? c.getBoundingClientRect() : {left: 0, right: vw};
      const pastContainer = r.right - cr.right > 1 || cr.left - r.left > 1;
      const pastViewport = r.right - vw > 1 || r.left < -1;
      if (pastContainer || pastViewport) hits.push({el, r, c, cr, node, pastContainer, pastViewport});
    };
    for (const el of document.body.querySelectorAll("*")) {
      if (hidden(el) || el.tagName === "BR") continue;
      consider(el, el.getBoundingClientRect(), null);
    }
    for (const n of textNodes()) consider(n.parentElement, textRect(n), n);
    const flagged = new Set(hits.filter((h) => !h.node).map((h) => h.el));
    const outermost = hits.filter((h) => {
      for (let a = h.node ? h.el : h.el.parentElement; a; a = a.parentElement) if (flagged.has(a)) return false;
      return true;
    });
    return outermost.map((h) => {
      const clippedBy = h.pastContainer && h.c && clips(h.c);
      const past = h.pastViewport ? Math.round(Math.max(h.r.right - vw, -h.r.left))
                                  : Math.round(Math.max(h.r.right - h.cr.right, h.cr.left - h.r.left));
      const [left, room] = h.pastViewport ? [0, vw] : [h.cr.left, h.cr.right - h.cr.left];
      const c = culpritIn(h.node ? h.node.parentElement : h.el, left, room);
      return {
        selector: c ? c.selector : selector(h.el),
        what: c ? c.what : h.node ? `text «${squash(h.node.nodeValue, 50)}»` : label(h.el),
        outer: c && !h.node ? label(h.el) : "",
        width: Math.round(h.r.width),
        containerWidth: Math.round(h.cr.right - h.cr.left),
        past, viewport: h.pastViewport, clipped: !!clippedBy,
        box: box(c ? c.r : h.r),
      };
    });
  }

  function overflow() {
    return {scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth), viewport: vw};
  }

  function visibleChars() {
    let n = 0;
    for (const t of textNodes()) if (textRect(t)) n += t.nodeValue.replace(/\s+/g, "").length;
    return n;
  }

  // Text whose computed size is under the phone minimum, one entry per block of text.
  function smallText() {
    const byBlock = new Map();
    for (const n of textNodes()) {
      const parent = n.parentElement;
      const size = parseFloat(styleOf(parent).fontSize);
      if (size >= opts.minFont) continue;
      const r = textRect(n);
      if (!r) continue;
      const block = blockOf(parent);
      const entry = byBlock.get(block) || {el: block, size, text: "", r, fine: !!parent.closest(opts.finePrint)};
      entry.size = Math.min(entry.size, size);
      entry.text += " " + n.nodeValue;
      entry.fine = entry.fine && !!parent.closest(opts.finePrint);
      byBlock.set(block, entry);
    }
    return [...byBlock.values()].map((e) => ({
      selector: selector(e.el), size: e.size, text: squash(e.text, 60), fine: e.fine,
      box: box(e.el.getBoundingClientRect()),
    }));
  }

  // Links and buttons a finger must hit; links inside running text (p, li) are exempt.
  function tapTargets() {
    const out = [];
    for (const a of document.querySelectorAll("a[href], button, [role=button], input[type=submit]")) {
      if (hidden(a) || a.closest("p, li")) continue;
      const rects = [...a.getClientRects(), ...[...a.querySelectorAll("img")].map((i) => i.getBoundingClientRect())]
        .filter((r) => r.width > 0 && r.height > 0);
      if (!rects.length) continue;
      const left = Math.min(...rects.map((r) => r.left)), right = Math.max(...rects.map((r) => r.right));
      const top = Math.min(...rects.map((r) => r.top)), bottom = Math.max(...rects.map((r) => r.bottom));
      const w = right - left, h = bottom - top;
      if (w + 0.5 >= opts.minTarget && h + 0.5 >= opts.minTarget) continue;
      out.push({selector: selector(a), what: label(a), href: a.getAttribute("href") || "",
                width: Math.round(w), height: Math.round(h),
                box: [Math.round(left + sx), Math.round(top + sy), Math.round(w), Math.round(h)]});
    }
    return out;
  }

  function brokenImages() {
    return [...document.images].filter((i) => i.complete && i.naturalWidth === 0).map((i) => ({
      selector: selector(i), src: i.getAttribute("src") || "", alt: i.getAttribute("alt"), hidden: hidden(i),
      box: box(i.getBoundingClientRect()),
    }));
  }

  // --- images off: is each alt text shown whole, and is every text readable on the
  // background colours alone (background images do not load either)?
  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function parseColour(s) {
    const m = s.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
    return {rgb: v.slice(0, 3), a: v.length > 3 ? v[3] : 1};
  }
  function background(el) {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parseColour(styleOf(e).backgroundColor);
      if (c && c.a > 0.5) return c.rgb;
    }
    return [255, 255, 255];
  }
  function contrast(el) {
    const fg = parseColour(styleOf(el).color);
    if (!fg) return 21;
    const a = luminance(fg.rgb), b = luminance(background(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  function large(el) {
    const cs = styleOf(el), size = parseFloat(cs.fontSize);
    return size >= 24 || (size >= 18.66 && parseInt(cs.fontWeight, 10) >= 700);
  }

  function imagesOff() {
    const alts = [], unreadable = [];
    const probe = document.createElement("div");
    // Chromium wraps alt text anywhere, mid-word too, and grows a box without a fixed height to
    // fit it: alt text is cut only by a box whose height is set.
    probe.style.cssText = "position:absolute;left:-10000px;top:0;visibility:hidden;overflow-wrap:anywhere;" +
                          "white-space:normal;line-height:normal;";
    document.body.appendChild(probe);
    for (const img of document.images) {
      const alt = img.getAttribute("alt");
      if (hidden(img) || alt === null || !alt.trim()) continue;
      const r = img.getBoundingClientRect();
      const cs = styleOf(img);
      probe.style.width = Math.max(1, Math.floor(r.width)) + "px";
      probe.style.font = cs.font;
      probe.textContent = alt;
      const needW = probe.scrollWidth, needH = probe.scrollHeight;
      const shown = r.width >= 1 && r.height >= 1 && parseFloat(cs.fontSize) > 0;
      const whole = shown && needH <= r.height + 4;
      if (!whole) alts.push({selector: selector(img), alt: squash(alt, 60), shown, width: Math.round(r.width),
                             height: Math.round(r.height), needW, needH, size: parseFloat(cs.fontSize),
                             box: box(r)});
      const ratio = contrast(img);
      if (shown && ratio < 4.5) unreadable.push({selector: selector(img), what: label(img), ratio, box: box(r)});
    }
    probe.remove();
    const seen = new Set();
    for (const n of textNodes()) {
      const el = n.parentElement;
      if (seen.has(el) || !textRect(n)) continue;
      seen.add(el);
      const ratio = contrast(el);
      if (ratio < (large(el) ? 3 : 4.5)) unreadable.push({selector: selector(el), what: label(el), ratio,
                                                          box: box(el.getBoundingClientRect())});
    }
    return {alts, unreadable};
  }

  if (mode === "layout") {
    const result = {overflow: overflow(), sticking: sticking(), chars: visibleChars()};
    if (opts.phone) { result.smallText = smallText(); result.tapTargets = tapTargets(); }
    return result;
  }
  if (mode === "images") return brokenImages();
  if (mode === "strip-styles") {
    const removed = document.querySelectorAll("style, link[rel=stylesheet]");
    removed.forEach((s) => s.remove());
    return removed.length;
  }
  if (mode === "images-off") return {...imagesOff(), overflow: overflow(), sticking: sticking(), chars: visibleChars()};
  throw new Error("unknown probe " + mode);
}
"""
