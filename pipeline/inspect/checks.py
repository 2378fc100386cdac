"""Checks on an edition's HTML itself, no browser needed: links, alt text, lang/dir,
subject and preview line, and the size of the HTML part as it travels.

Rules and severities (codes in brackets):
- [link-relative] error: a link that is not absolute; a message has no page for it to be
  relative to. [link-insecure] error: http:, a reader's client warns or blocks it.
  [link-local] error: file:, localhost or a loopback/private address: works only here.
  [link-scheme] error: anything but https:, mailto: (with an address) and tel:.
- [img-alt] error: an image without an alt attribute (screen readers read the file name,
  clients with images off show nothing), or a linked image with an empty one (the link has
  no name). alt="" on an unlinked image is fine: it marks it decorative.
- [html-lang] / [html-dir] error: <html> without lang (or with another language's) or dir.
- [subject-missing] error, [subject-long] warning past SUBJECT_SHOWN (60) characters:
  phones cut the subject there.
- [preheader-missing] / [preheader-length] warning: the preview line inboxes show after
  the subject; shorter than 40 characters leaves room the inbox fills with whatever comes
  next, past about 110 a phone cuts it (desktop clients show up to about 140).
- [size-budget] error: the HTML part as sent above BUDGET (90 KiB), where Gmail is near
  clipping the message once a mailing tool has added its link tracking.

The link, alt, lang and subject checks also run on each list's .eml (its HTML part, which
has the list's footer: unsubscribe, privacy notice, view online), reported under its name.
"""

from __future__ import annotations

import ipaddress
import re
from email.message import EmailMessage
from email.policy import SMTP
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..build import SUBJECT_SHOWN
from ..delivery.message import BUDGET, encoded_size, fold_html
from .findings import ERROR, WARNING, Finding

PREHEADER_MIN, PREHEADER_PHONE, PREHEADER_DESKTOP = 40, 110, 140
_FILLER = re.compile(r"[\u200c\u00a0\s]+$")


class _Collector(HTMLParser):
    """The few things the static checks need, with a CSS-ish locator for each."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict | None = None
        self.title: str | None = None
        self.links: list[tuple[str, str, str]] = []      # href, where, text
        self.images: list[tuple[dict, str, bool]] = []   # attrs, where, inside a link
        self.preheader: str | None = None
        self._in_title = False
        self._link: list | None = None
        self._counts: dict[str, int] = {}
        self._preheader_depth: int | None = None
        self._depth = 0
        self._preheader_text: list[str] = []

    def _where(self, tag: str, attrs: dict) -> str:
        self._counts[tag] = self._counts.get(tag, 0) + 1
        hint = attrs.get("href") or attrs.get("src") or ""
        return f'{tag}[{"href" if tag == "a" else "src"}="{hint}"]' if hint else f"{tag} #{self._counts[tag]}"

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if tag == "html" and self.html_attrs is None:
            self.html_attrs = attrs
        elif tag == "title":
            self._in_title = True
            self.title = self.title or ""
        elif tag in ("a", "area") and "href" in attrs:
            self._link = [attrs["href"], self._where(tag, attrs), []]
            self.links.append(self._link)
        elif tag == "img":
            self.images.append((attrs, self._where("img", attrs), self._link is not None))
        if tag in ("img", "br", "meta", "hr", "input", "link", "area", "col", "source", "wbr"):
            return
        self._depth += 1
        if (tag == "div" and self.preheader is None and self._preheader_depth is None
                and "display:none" in attrs.get("style", "").replace(" ", "")):
            self._preheader_depth = self._depth

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in ("a", "area") and self._link is not None:
            self._link[2] = "".join(self._link[2]).strip()
            self._link = None
        if tag in ("img", "br", "meta", "hr", "input", "link", "area", "col", "source", "wbr"):
            return
        if self._preheader_depth is not None and self._depth == self._preheader_depth:
            self.preheader = _FILLER.sub("", "".join(self._preheader_text)).strip()
            self._preheader_depth = None
        self._depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._link is not None and isinstance(self._link[2], list):
            self._link[2].append(data)
        if self._preheader_depth is not None:
            self._preheader_text.append(data)


def _local_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def link_problem(href: str) -> tuple[str, str] | None:
    """(code, reason) for a link a reader's inbox cannot follow, or None."""
    value = href.strip()
    if not value:
        return "link-relative", "an empty link"
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if not scheme:
        what = "a fragment" if value.startswith("#") else "protocol-relative" if value.startswith("//") else "relative"
        return "link-relative", f"{what}: a message has no page for it to be relative to; write https://…"
    if scheme == "file":
        return "link-local", "a file on this computer: no reader has it"
    if scheme in ("http", "https"):
        if _local_host(parts.hostname or ""):
            return "link-local", f"{parts.hostname or 'no host'}: works only on this computer or network"
        if scheme == "http":
            return "link-insecure", "http: clients warn about or block it; use https://"
        return None
    if scheme == "mailto":
        return None if "@" in parts.path else ("link-scheme", "mailto: without an address")
    if scheme == "tel":
        return None
    return "link-scheme", f"{scheme}: is not a link an inbox follows (https:, mailto: or tel:)"


def static_findings(html: str, lang: str, edition: str) -> list[Finding]:
    """Every problem in one edition's HTML that needs no browser to see."""
    page = _Collector()
    page.feed(html)
    page.close()
    found: list[Finding] = []

    def add(code, severity, message, where=""):
        found.append(Finding(lang, None, code, severity, message, where, edition))

    for href, where, text in page.links:
        problem = link_problem(href)
        if problem:
            code, reason = problem
            label = f" «{text[:40]}»" if text else ""
            add(code, ERROR, f"link{label} to {href!r}: {reason}", where)
    for attrs, where, linked in page.images:
        if "alt" not in attrs:
            add("img-alt", ERROR, f"image {attrs.get('src', '')!r} has no alt attribute: screen readers read its "
                                  "file name, and with images off nothing shows", where)
        elif linked and not attrs["alt"].strip():
            add("img-alt", ERROR, f"linked image {attrs.get('src', '')!r} has an empty alt: the link has no name",
                where)
    html_attrs = page.html_attrs or {}
    if not html_attrs.get("lang"):
        add("html-lang", ERROR, "<html> has no lang: screen readers read it in the reader's default language", "html")
    elif html_attrs["lang"].lower() != lang.lower():
        add("html-lang", ERROR, f"<html lang={html_attrs['lang']!r}> in the {lang} edition", "html")
    if html_attrs.get("dir", "").lower() not in ("ltr", "rtl", "auto"):
        add("html-dir", ERROR, "<html> has no dir (ltr/rtl): text direction is left to the client", "html")
    subject = " ".join((page.title or "").split())
    if not subject:
        add("subject-missing", ERROR, "no <title>: the web copy and some clients show no subject", "title")
    elif len(subject) > SUBJECT_SHOWN:
        add("subject-long", WARNING, f"subject is {len(subject)} characters; phones show about {SUBJECT_SHOWN}: "
                                     f"«{subject[:SUBJECT_SHOWN]}…»", "title")
    if page.preheader is None or not page.preheader:
        add("preheader-missing", WARNING, "no preview line: inboxes show the first text of the body instead")
    else:
        n = len(page.preheader)
        if n < PREHEADER_MIN:
            add("preheader-length", WARNING, f"preview line is {n} characters (under {PREHEADER_MIN}): "
                                             f"«{page.preheader}»")
        elif n > PREHEADER_PHONE:
            cut = "even desktop inboxes (about 140) cut it" if n > PREHEADER_DESKTOP else "phones cut it at about 110"
            add("preheader-length", WARNING, f"preview line is {n} characters, {cut}: "
                                             f"«{page.preheader[:PREHEADER_PHONE]}…»")
    return found


def sent_findings(folder, sendable: list, already: list[Finding]) -> list[Finding]:
    """The HTML checks on each list's edition as it is sent (the .eml's HTML part): it has what
    the web edition has not, the list's footer (unsubscribe, privacy notice, contact) and the
    view-online link. What the web edition already reported is not repeated."""
    import email
    from email import policy

    seen = {(f.lang, f.code, f.message) for f in already}
    found = []
    for edition in sendable:
        msg = email.message_from_bytes((folder / edition.name).read_bytes(), policy=policy.default)
        body = msg.get_body(preferencelist=("html",))
        if body is None:
            continue
        for finding in static_findings(body.get_content(), edition.lang, edition.name):
            if (finding.lang, finding.code, finding.message) not in seen:
                found.append(finding)
    return found


def html_part_size(html: str) -> tuple[int, str]:
    """Bytes of the HTML as a message's part, as pipeline.delivery.message sends it: folded,
    in whichever of quoted-printable and base64 is smaller."""
    best = None
    for cte in ("quoted-printable", "base64"):
        part = EmailMessage(policy=SMTP)
        part.set_content(fold_html(html), subtype="html", charset="utf-8", cte=cte)
        size = encoded_size(part)
        if best is None or size < best[0]:
            best = (size, cte)
    return best


def size_findings(lang: str, edition: str, html: str, sendable: list) -> list[Finding]:
    """The budget per list's edition when lists send this language, else the web edition's HTML."""
    found = []
    measured = [(s.html_bytes, s.encoding, s.name) for s in sendable] or [(*html_part_size(html), edition)]
    for size, encoding, name in measured:
        if size > BUDGET:
            found.append(Finding(lang, None, "size-budget", ERROR,
                                 f"{name}: the HTML part is {size / 1024:.1f} KiB as sent ({encoding}), over the "
                                 f"{BUDGET // 1024} KiB budget: Gmail clips long messages once a mailing tool has "
                                 "added its link tracking", name, edition))
    return found


__all__ = ["static_findings", "size_findings", "sent_findings", "html_part_size", "link_problem", "BUDGET"]
