"""Problems marked in place, in the preview only.

The edition is rendered through the ordinary path (`make_edition` + `Renderer.html`, so the
warm skeletons are reused) with a translate callback that wraps the text of every segment
that has a problem in two invisible tokens carrying a number:

    OPEN(n) = U+E000, n as private-use digits, U+2E3A      CLOSE(n) = U+2E3A, U+E001, n, U+E002

Private-use characters pass through HTML escaping and the Markdown renderer unchanged and never
occur in real text. The U+2E3A (a dash, Unicode punctuation) next to the text keeps Markdown's
emphasis rules as they are at the start and end of a paragraph, so `**bold**` at either end of a
segment still renders bold. After rendering, tokens in running text become
`<span class="nlp-mark" data-seg=... title=...>` and `</span>`; tokens inside a tag (an image's
alt, a title or href attribute) and anywhere before <body> (the subject in <title>) are removed,
and the tag itself gets `data-nlp-*` attributes (an outlined image). Nothing here is imported by
`build`: an edition rendered without the callback has no tokens, so dist/ never has marks.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

OPEN_CHAR, CLOSE_CHAR, END_CHAR = "\ue000", "\ue001", "\ue002"
EDGE = "\u2e3a"          # TWO-EM DASH, category Pd: punctuation beside the text for Markdown
_DIGIT0 = 0xE010
_DIGITS = "[\ue010-\ue019]+"
TOKEN = re.compile(f"{OPEN_CHAR}({_DIGITS}){EDGE}|{EDGE}{CLOSE_CHAR}({_DIGITS}){END_CHAR}")
_TAG_WITH_TOKEN = re.compile(f"<[^<>]*[{OPEN_CHAR}{CLOSE_CHAR}][^<>]*>")
_BODY = re.compile(r"<body\b", re.IGNORECASE)

# Kinds, strongest first: a segment's first kind gives its colour; the tooltip lists them all.
KINDS = {
    "missing": ("untranslated: English shown", "#d7263d"),
    "outdated": ("outdated: English shown (the English changed since)", "#f46036"),
    "error": ("translation check error", "#b0009a"),
    "fuzzy": ("fuzzy: not reviewed yet", "#1b6ef3"),
    "glossary": ("glossary finding", "#178a3a"),
    "warning": ("translation check warning", "#c99700"),
}
_ORDER = {kind: i for i, kind in enumerate(KINDS)}


def _digits(n: int) -> str:
    return "".join(chr(_DIGIT0 + int(d)) for d in str(n))


def _number(digits: str) -> int:
    return int("".join(str(ord(c) - _DIGIT0) for c in digits))


def open_token(n: int) -> str:
    return f"{OPEN_CHAR}{_digits(n)}{EDGE}"


def close_token(n: int) -> str:
    return f"{EDGE}{CLOSE_CHAR}{_digits(n)}{END_CHAR}"


def has_tokens(text: str) -> bool:
    return OPEN_CHAR in text or CLOSE_CHAR in text


def strip_tokens(text: str) -> str:
    return TOKEN.sub("", text)


@dataclass
class Mark:
    """One segment's problems, as the tooltip and the page's list show them."""

    segment: str
    kinds: list[str]
    english: str
    note: str = ""
    messages: list[str] = field(default_factory=list)
    where: str = ""          # "text", "attribute", "head" once the edition is marked; "" = not rendered

    @property
    def kind(self) -> str:
        return min(self.kinds, key=_ORDER.__getitem__)

    def tooltip(self) -> str:
        lines = [f"{self.segment} \u2014 " + "; ".join(KINDS[k][0] for k in sorted(self.kinds, key=_ORDER.get)),
                 f"English: {self.english}"]
        if self.note:
            lines.append(f"Note: {self.note}")
        lines.extend(self.messages)
        return "\n".join(lines)


def _attr(value: str) -> str:
    return html_lib.escape(value, quote=True).replace("\n", "&#10;")


def span_open(mark: Mark) -> str:
    return (f'<span class="nlp-mark nlp-{mark.kind}" data-seg="{_attr(mark.segment)}" '
            f'data-kinds="{" ".join(mark.kinds)}" title="{_attr(mark.tooltip())}">')


def apply_marks(html: str, marks: list[Mark]) -> str:
    """Tokens -> spans in running text; removed (the tag annotated) inside tags and in <head>.

    Sets each mark's `where`. Unbalanced tokens (which the renderer never produces) are dropped,
    so the page's markup stays well formed whatever happens.
    """
    if not marks or not has_tokens(html):
        return strip_tokens(html) if has_tokens(html) else html
    found = _BODY.search(html)
    cut = found.start() if found else 0
    head, body = html[:cut], html[cut:]
    for match in TOKEN.finditer(head):
        if match.group(1):
            _place(marks, _number(match.group(1)), "head")
    head = strip_tokens(head)

    def in_tag(match: re.Match) -> str:
        tag = match.group(0)
        numbers = list(dict.fromkeys(_number(m.group(1)) for m in TOKEN.finditer(tag) if m.group(1)))
        tag = strip_tokens(tag)
        numbers = [n for n in numbers if n < len(marks)]
        if not numbers or tag.startswith("</"):
            return tag
        for n in numbers:
            _place(marks, n, "attribute")
        chosen = sorted((marks[n] for n in numbers), key=lambda m: _ORDER[m.kind])
        extra = (f' data-nlp-seg="{_attr(" ".join(m.segment for m in chosen))}" data-nlp-kind="{chosen[0].kind}"')
        if not re.search(r"\stitle=", tag):
            extra += f' title="{_attr(chr(10).join(m.tooltip() for m in chosen))}"'
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        return tag[:end] + extra + tag[end:]

    body = _TAG_WITH_TOKEN.sub(in_tag, body)
    depth: list[int] = []

    def in_text(match: re.Match) -> str:
        if match.group(1):
            n = _number(match.group(1))
            if n >= len(marks):
                return ""
            depth.append(n)
            _place(marks, n, "text")
            return span_open(marks[n])
        n = _number(match.group(2))
        if depth and depth[-1] == n:
            depth.pop()
            return "</span>"
        return ""

    body = TOKEN.sub(in_text, body)
    if depth:   # cannot happen with the renderer's output; never leave a span open
        body += "</span>" * len(depth)
    return head + body


def _place(marks: list[Mark], n: int, where: str) -> None:
    if n < len(marks):
        rank = {"text": 0, "attribute": 1, "head": 2, "": 3}
        if rank[where] < rank[marks[n].where]:
            marks[n].where = where


__all__ = ["Mark", "KINDS", "apply_marks", "open_token", "close_token", "strip_tokens", "has_tokens"]
