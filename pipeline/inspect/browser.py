"""Each edition in headless Chromium (Debian's, driven by Playwright), at phone and desktop widths.

One browser for the whole run; a few workers (one per core) each reuse two pages, one that
loads everything and one whose image requests are aborted. Per edition:

1. loaded over file:// from the build folder (relative assets load): [image-broken] error
   for an image that fails to load (naturalWidth 0; warning when it is hidden anyway);
2. at every width (600, 375, 320):
   - [overflow] error: the page is wider than the viewport (sideways scrolling);
   - [sticks-out] error: an element or a run of text past the viewport's edge; warning when
     it is only past its own block container; [clipped] error when that container cuts it off
     (overflow other than visible). Of a nest of boxes that stick out, the outermost is
     reported, named by what widens it: the widest image, or the longest word that cannot
     wrap. The preview line (display:none, max-height:0, overflow:hidden) and anything else
     hidden is ignored.
   - at phone widths (under the template's 480 px breakpoint):
     [small-text] error for visible text whose computed size is under 14 px; in the fine
     print (inside `.nl-fineprint`: the footer's disclaimer and the list's footer) it is a
     warning down to 12 px, an error below. [tap-target] warning for a link or button less
     than 44 × 44 px (Apple's and WCAG 2.5.5's size; a logo link counts its image); links in
     running text (inside a <p> or <li>) are exempt, as WCAG's inline exception says.
3. at 375 px, axe-core in the same page: [axe-<rule>] error for a serious or critical
   violation, warning for a moderate or minor one, each naming the rule and the element.
   Rules that do not apply to an e-mail (AXE_NOT_FOR_EMAIL) are not run; the report says so.
   In the pseudo edition, axe's "invalid lang" for qps-ploc is a warning (AXE_PSEUDO_LANG_RULES).
4. images off (requests aborted), at 375 px: [images-off-alt] error when an image's alt text
   is not shown at all (box of 0 px or font-size 0), warning when it is cut off;
   [images-off-contrast] error for text (or alt text) unreadable on the background colours
   alone (WCAG ratio under 4.5, 3 for large text; background images do not load either);
   [images-off-text] error when text disappears; [images-off-overflow] error.
5. without <style> (deleted, as some Gmail apps do), at 375 px: [no-style-overflow] error
   for a page wider than the viewport or anything past its edge.

Screenshots (full page PNG) at the gallery's widths are taken on the way.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PipelineError
from ..files import write_atomic
from ..issue import PSEUDO_LOCALE
from .findings import ERROR, WARNING, Finding
from .probes import PROBES

WIDTHS = (600, 375, 320)          # desktop first: the page is loaded at the width MJML designs for
SHOT_WIDTHS = (375, 600)
PHONE_BELOW = 480                 # the template's mj-breakpoint: narrower is a phone layout
AXE_WIDTH = 375
STRIPPED_WIDTH = 375
IMAGES_OFF_WIDTH = 375
MIN_FONT_PX = 14
FINE_PRINT_MIN_PX = 12
FINE_PRINT = ".nl-fineprint"
MIN_TARGET_PX = 44
VIEW_HEIGHT = 800
MAX_PER_CHECK = 12                # findings per edition, width and code before "… and N more"
# Best-practice landmark rules written for web pages. An e-mail is shown inside the mail
# client's own page, which has the landmarks (its <main> holds the message); MJML marks the
# message itself role="article" aria-roledescription="email", as accessible e-mail guidance
# recommends, and a second main landmark inside the client's would be wrong. Not run, and
# listed in every report's notes, so it is not a silent pass.
AXE_NOT_FOR_EMAIL = {
    "landmark-one-main": "an e-mail sits inside the mail client's main landmark (MJML marks it role=article)",
    "region": "the same: the client's page holds the landmarks, the message is one article",
}
_AXE_ERRORS = ("serious", "critical")
# axe knows ISO 639 languages; qps-ploc is BCP 47's private-use range (qaa-qtz), the tag
# Windows uses for pseudo-localization. The pseudo edition is a layout check that is never
# sent, so its "invalid lang" is a warning that says why, not an error.
AXE_PSEUDO_LANG_RULES = {"html-lang-valid": "qps-ploc is a private-use language tag (qaa-qtz) axe does not list; "
                                            "the pseudo edition is never sent",
                         "valid-lang": "the same private-use tag, on MJML's article wrapper"}


@dataclass
class Target:
    """One edition to look at: an HTML file in the build folder."""

    lang: str
    path: Path
    name: str = ""

    def __post_init__(self):
        self.name = self.name or self.path.name


@dataclass
class PageResult:
    findings: list[Finding] = field(default_factory=list)
    screenshots: dict[int, Path] = field(default_factory=dict)


def find_chromium() -> str | None:
    """Debian's chromium (or $NEWSLETTER_CHROMIUM): Playwright's own browser download is not used."""
    candidates = [os.environ.get("NEWSLETTER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser"), shutil.which("google-chrome")]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def _imports():
    try:
        from axe_playwright_python.base import AXE_SCRIPT, AxeResults
        from playwright.async_api import Error, async_playwright
    except ImportError as exc:
        raise PipelineError(f"newsletter qa needs Playwright and axe-core ({exc.name} is missing): "
                            "install the test lock, which has them at the tested versions "
                            "(.venv/bin/pip install -r requirements/test.lock), or the qa extra "
                            "(pip install 'newsletter-pipeline[qa]'); the browser is Debian's chromium "
                            "(apt-get install chromium)") from None
    return async_playwright, Error, AXE_SCRIPT, AxeResults


def inspect(targets: list[Target], shots_dir: Path | None = None, widths=WIDTHS, shot_widths=SHOT_WIDTHS,
            jobs: int | None = None) -> dict[str, PageResult]:
    """Findings and screenshots per target name, every target in one browser."""
    return asyncio.run(_inspect(targets, shots_dir, tuple(widths), tuple(shot_widths), jobs))


async def _inspect(targets, shots_dir, widths, shot_widths, jobs) -> dict[str, PageResult]:
    async_playwright, browser_error, axe_script, axe_results = _imports()
    executable = find_chromium()
    if executable is None:
        raise PipelineError("newsletter qa drives Debian's chromium and found none: apt install chromium, or set "
                            "NEWSLETTER_CHROMIUM to a Chromium or Chrome executable")
    widths = tuple(sorted(set(widths) | {AXE_WIDTH}, reverse=True))
    jobs = max(1, min(jobs or os.cpu_count() or 2, len(targets) or 1, 4))
    queue: asyncio.Queue = asyncio.Queue()
    for target in targets:
        queue.put_nowait(target)
    results: dict[str, PageResult] = {}
    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Exception as exc:   # Playwright raises its own Error with the browser's output
            raise PipelineError(f"could not start {executable}: {str(exc).splitlines()[0]}") from None
        try:
            await asyncio.gather(*(_worker(browser, queue, results, axe_script, shots_dir, widths, shot_widths,
                                           browser_error) for _ in range(jobs)))
        finally:
            await browser.close()
    return results


async def _abort_images(route):
    if route.request.resource_type == "image":
        await route.abort()
    else:
        await route.continue_()


async def _worker(browser, queue, results, axe_script, shots_dir, widths, shot_widths, browser_error):
    # A context each: two pages of one context are two tabs, and the one in the background is
    # throttled (a screenshot of it waits a second for a frame).
    contexts = [await browser.new_context(viewport={"width": widths[0], "height": VIEW_HEIGHT}, device_scale_factor=1)
                for _ in range(2)]
    # axe-core (the script axe-playwright-python ships) is handed to the browser once, to run in
    # every document this context loads, instead of 570 KB sent through the driver per edition.
    await contexts[0].add_init_script(script=axe_script)
    try:
        page = await contexts[0].new_page()
        bare = await contexts[1].new_page()
        await bare.route("**/*", _abort_images)
        while not queue.empty():
            target = queue.get_nowait()
            try:
                results[target.name] = await _inspect_one(page, bare, target, shots_dir, widths, shot_widths)
            except browser_error as exc:   # a crash or a timeout: say which edition, without a traceback
                raise PipelineError(f"qa of {target.name}: the browser failed: {str(exc).splitlines()[0]}") from None
    finally:
        for context in contexts:
            await context.close()


class _Collect:
    """Findings of one target, at most MAX_PER_CHECK per width and code."""

    def __init__(self, target: Target):
        self.target = target
        self.findings: list[Finding] = []
        self._counts: dict[tuple, int] = {}

    def add(self, width, code, severity, message, where="", box=None):
        key = (width, code, severity)
        n = self._counts[key] = self._counts.get(key, 0) + 1
        if n <= MAX_PER_CHECK:
            self.findings.append(Finding(self.target.lang, width, code, severity, message, where,
                                         self.target.name, tuple(box) if box else None))

    def close(self):
        for (width, code, severity), n in self._counts.items():
            if n > MAX_PER_CHECK:
                self.findings.append(Finding(self.target.lang, width, code, severity,
                                             f"… and {n - MAX_PER_CHECK} more like the above", "", self.target.name))
        return self.findings


async def _inspect_one(page, bare, target: Target, shots_dir, widths, shot_widths) -> PageResult:
    out = _Collect(target)
    result = PageResult()
    url = target.path.resolve().as_uri()
    await page.set_viewport_size({"width": widths[0], "height": VIEW_HEIGHT})
    await page.goto(url, wait_until="load")
    for image in await page.evaluate(PROBES, ["images", {}]):
        severity = WARNING if image["hidden"] else ERROR
        out.add(None, "image-broken", severity, f"image {image['src']!r} does not load"
                + (" (hidden anyway)" if image["hidden"] else ""), image["selector"], image["box"])
    chars_at = {}
    for width in widths:
        await page.set_viewport_size({"width": width, "height": VIEW_HEIGHT})
        phone = width < PHONE_BELOW
        layout = await page.evaluate(PROBES, ["layout", {"phone": phone, "minFont": MIN_FONT_PX,
                                                          "finePrint": FINE_PRINT, "minTarget": MIN_TARGET_PX}])
        chars_at[width] = layout["chars"]
        _layout_findings(out, width, layout)
        if phone:
            _phone_findings(out, width, layout)
        if shots_dir is not None and width in shot_widths:
            png = await _full_page_png(page)
            path = shots_dir / f"{target.lang}-{width}.png"
            write_atomic(path, png)
            result.screenshots[width] = path
        if width == AXE_WIDTH:
            await _axe(page, out, width)
    # Without <style>: destructive, so last on this page (the next target reloads it).
    await page.set_viewport_size({"width": STRIPPED_WIDTH, "height": VIEW_HEIGHT})
    await page.evaluate(PROBES, ["strip-styles", {}])
    stripped = await page.evaluate(PROBES, ["layout", {"phone": False}])
    _overflow_only(out, STRIPPED_WIDTH, stripped, "no-style-overflow", "without <style> (as some Gmail apps show it)")
    await _images_off(bare, url, out, chars_at.get(IMAGES_OFF_WIDTH))
    result.findings = out.close()
    return result


async def _full_page_png(page) -> bytes:
    """The whole page as PNG: Chromium's own capture with optimizeForSpeed (a faster zlib level),
    about a third cheaper than Playwright's full_page screenshot, twenty times a run."""
    cdp = await page.context.new_cdp_session(page)
    try:
        size = (await cdp.send("Page.getLayoutMetrics"))["cssContentSize"]
        shot = await cdp.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "optimizeForSpeed": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    finally:
        await cdp.detach()
    return base64.b64decode(shot["data"])


def _layout_findings(out: _Collect, width: int, layout: dict) -> None:
    overflow = layout["overflow"]
    if overflow["scrollWidth"] > overflow["viewport"] + 1:
        out.add(width, "overflow", ERROR, f"the page is {overflow['scrollWidth']} px wide in a "
                                          f"{overflow['viewport']} px viewport: readers scroll sideways", "html")
    for hit in layout["sticking"]:
        what = hit["what"]
        size = f"makes {hit['outer']} {hit['width']} px wide" if hit["outer"] else f"is {hit['width']} px wide"
        if hit["clipped"]:
            out.add(width, "clipped", ERROR, f"{what} is cut off: it {size}, in a {hit['containerWidth']} px "
                                             "container that hides its overflow", hit["selector"], hit["box"])
        elif hit["viewport"]:
            out.add(width, "sticks-out", ERROR, f"{what} {size}: {hit['past']} px past the edge of the screen",
                    hit["selector"], hit["box"])
        else:
            out.add(width, "sticks-out", WARNING, f"{what} {size}: {hit['past']} px out of its "
                                                  f"{hit['containerWidth']} px container", hit["selector"], hit["box"])


def _phone_findings(out: _Collect, width: int, layout: dict) -> None:
    for text in layout["smallText"]:
        fine = text["fine"] and text["size"] >= FINE_PRINT_MIN_PX
        what = "fine print" if fine else "text"
        out.add(width, "small-text", WARNING if fine else ERROR,
                f"{what} at {text['size']:g} px on a phone (minimum {MIN_FONT_PX} px"
                + (f"; {FINE_PRINT_MIN_PX} px tolerated for the footer's fine print" if text["fine"] else "")
                + f"): «{text['text']}»", text["selector"], text["box"])
    for target in layout["tapTargets"]:
        out.add(width, "tap-target", WARNING,
                f"{target['what']} is {target['width']} × {target['height']} px: a finger needs "
                f"{MIN_TARGET_PX} × {MIN_TARGET_PX} px ({target['href']})", target["selector"], target["box"])


def _overflow_only(out: _Collect, width: int, layout: dict, code: str, how: str) -> None:
    overflow = layout["overflow"]
    if overflow["scrollWidth"] > overflow["viewport"] + 1:
        out.add(width, code, ERROR, f"{how}: the page is {overflow['scrollWidth']} px wide in a "
                                    f"{overflow['viewport']} px viewport", "html")
    for hit in layout["sticking"]:
        if hit["viewport"] or hit["clipped"]:
            out.add(width, code, ERROR, f"{how}: {hit['what']} runs {hit['past']} px past the edge of the screen",
                    hit["selector"])


async def _axe(page, out: _Collect, width: int) -> None:
    _, _, _, AxeResults = _imports()
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in AXE_NOT_FOR_EMAIL}}
    # What Axe.run(page) does, less its injection of the script (the context's init script did it).
    results = AxeResults(await page.evaluate("(options) => axe.run(document, options)", options))
    for violation in results.response["violations"]:
        impact = violation.get("impact") or "minor"
        severity = ERROR if impact in _AXE_ERRORS else WARNING
        why = ""
        if out.target.lang == PSEUDO_LOCALE and violation["id"] in AXE_PSEUDO_LANG_RULES:
            severity, why = WARNING, f" [warning only: {AXE_PSEUDO_LANG_RULES[violation['id']]}]"
        for node in violation["nodes"]:
            target = " ".join(t if isinstance(t, str) else " ".join(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            snippet = " ".join((node.get("html") or "").split())
            snippet = snippet if len(snippet) <= 90 else snippet[:89] + "…"
            box = await page.evaluate("(s) => { const e = document.querySelector(s); if (!e) return null;"
                                      " const r = e.getBoundingClientRect();"
                                      " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }", target)
            out.add(width, f"axe-{violation['id']}", severity,
                    f"{violation['help']} ({impact}, axe {violation['id']}): {snippet}"
                    + (f" — {summary}" if summary else "") + why, target, box)


async def _images_off(bare, url: str, out: _Collect, chars_with_images: int | None) -> None:
    width = IMAGES_OFF_WIDTH
    await bare.set_viewport_size({"width": width, "height": VIEW_HEIGHT})
    await bare.goto(url, wait_until="load")
    off = await bare.evaluate(PROBES, ["images-off", {}])
    for alt in off["alts"]:
        if not alt["shown"]:
            out.add(width, "images-off-alt", ERROR, f"with images off, the alt text «{alt['alt']}» is not shown "
                                                    f"(its box is {alt['width']} × {alt['height']} px at "
                                                    f"{alt['size']:g} px type)", alt["selector"])
        else:
            out.add(width, "images-off-alt", WARNING, f"with images off, the alt text «{alt['alt']}» is cut off: it "
                                                      f"needs {alt['needW']} × {alt['needH']} px, its box is "
                                                      f"{alt['width']} × {alt['height']} px", alt["selector"])
    for text in off["unreadable"]:
        out.add(width, "images-off-contrast", ERROR, f"with images off, {text['what']} is unreadable on its background "
                                                     f"colour (contrast {text['ratio']:.1f}:1)", text["selector"])
    if chars_with_images and off["chars"] < 0.95 * chars_with_images:
        out.add(width, "images-off-text", ERROR, f"with images off, {off['chars']} characters of text show instead of "
                                                 f"{chars_with_images}: text depends on images", "body")
    _overflow_only(out, width, off, "images-off-overflow", "with images off")


__all__ = ["inspect", "Target", "PageResult", "find_chromium", "WIDTHS", "SHOT_WIDTHS", "AXE_NOT_FOR_EMAIL"]
