"""Checks on every translation, human or machine, before it reaches a subscriber.

In the spirit of Babel's `checkers` and translate-toolkit's `pofilter`: the translation must
carry the English's markup and links unchanged, since a translator's slip (or a malicious
catalog) otherwise becomes literal asterisks, a lost link or a phishing link sent under a
partner's name. Each check compares what the Markdown renderer will make of both texts, so
it agrees with what the edition shows.

Errors fail `build --strict` and `check`; warnings (a length far from the English's) are
listed for a reviewer to look at.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass

from .markup import _parser
from .project import NAMED_PLACEHOLDER
from .schema import INVISIBLE

_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+|mailto:[^\s)\]>\"']+", re.IGNORECASE)
_RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_PLACEHOLDER = re.compile(r"\{\s*\d+\s*\}")
_BROKEN_LINK = re.compile(r"\[[^\]\n]+\]\s+\((?:https?://|mailto:|www\.)|\[[^\]\n]+\]\s*\[\s*(?:https?://)")
_EMPHASIS_LEFT = re.compile(r"(?<![\\\w])(\*\*|\*|__)(?=\S)|(?<=\S)(\*\*|\*|__)(?![\w*])")


@dataclass(frozen=True)
class Finding:
    """One problem in one translated segment, located in its PO file when known."""

    code: str
    severity: str  # "error" or "warning"
    lang: str
    concept: str
    message: str
    issue: str = ""
    segment: str = ""
    file: str = ""
    line: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.file:
            where = f"{self.file}:{self.line}" if self.line else self.file
            return f"{where}: {self.segment}: {self.severity} {self.code}: {self.message}"
        where = ":".join(p for p in (self.issue, self.segment) if p)
        return f"{where} [{self.lang}] {self.severity} {self.code}: {self.message}"


@dataclass(frozen=True)
class _Rendered:
    links: tuple[str, ...]   # link targets, in order
    text: str                # what a reader sees, markup gone
    strong: int
    em: int


def _render(markdown: str) -> _Rendered:
    links, words, strong, em = [], [], 0, 0
    for token in _parser().parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                links.append(child.attrs.get("href", ""))
            elif child.type == "strong_open":
                strong += 1
            elif child.type == "em_open":
                em += 1
            elif child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append("\n")
    return _Rendered(tuple(links), "".join(words), strong, em)


def _targets(markdown: str, rendered: _Rendered) -> Counter:
    """Every address the text sends a reader to: link targets and bare URLs in the text."""
    found = Counter(_normal(u) for u in rendered.links)
    found.update(_normal(u) for u in _URL.findall(rendered.text))
    return found


def _normal(url: str) -> str:
    return url.rstrip(".,;:!?")


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def check_translation(source: str, text: str, kind: str = "markdown") -> list[tuple[str, str, str]]:
    """(code, severity, message) for what is wrong with `text` as a translation of `source`.

    `kind` is the segment's: "markdown" for body paragraphs, "text" for one-line fields
    (subject, titles, labels, names), where a line break is an error too.
    """
    problems: list[tuple[str, str, str]] = []
    invisible = sorted(set(INVISIBLE.findall(text)) - set(INVISIBLE.findall(source)))
    for char in invisible:
        problems.append(("control-character", "error", f"{_char_name(char)}: an invisible character that "
                                                       "has no place in a newsletter; remove it"))
    if kind == "text" and "\n" in text.strip() and "\n" not in source:
        problems.append(("line-break", "error", "a line break in a one-line text (subject, title, label, "
                                                "name): keep it on one line"))
    for placeholder in sorted(set(_PLACEHOLDER.findall(text)) - set(_PLACEHOLDER.findall(source))):
        problems.append(("placeholder", "error", f"leftover placeholder {placeholder} from machine translation: "
                                                 "write the text it stood for"))
    problems += _named_placeholder_problems(source, text)
    for tag in sorted(set(_RAW_HTML.findall(text)) - set(_RAW_HTML.findall(source))):
        problems.append(("raw-html", "error", f"raw HTML {tag} would show as text: use **bold**, *italics* "
                                              "or [text](URL) instead"))
    if kind == "markdown":
        problems += _markdown_problems(source, text)
    if len(source) >= 20 and text:
        ratio = len(text) / len(source)
        if ratio > 2.5 or ratio < 0.4:
            problems.append(("length", "warning", f"{len(text)} characters against the English's "
                                                  f"{len(source)} ({ratio:.1f}x): is something missing or added?"))
    return problems


def _named_placeholder_problems(source: str, text: str) -> list[tuple[str, str, str]]:
    """A pattern label's {names}/{number} must come through as written: it is where the value goes."""
    wanted, found = Counter(NAMED_PLACEHOLDER.findall(source)), Counter(NAMED_PLACEHOLDER.findall(text))
    problems = []
    for name in sorted(wanted):
        if found[name] != wanted[name]:
            problems.append(("placeholder", "error", f"{{{name}}} must appear {wanted[name]} time(s), as written "
                                                     f"(found {found[name]}): it is replaced by the value; move it, "
                                                     "do not translate it"))
    for name in sorted(set(found) - set(wanted)):
        problems.append(("placeholder", "error", f"{{{name}}} is not in the English: no value would replace it"))
    return problems


def _markdown_problems(source: str, text: str) -> list[tuple[str, str, str]]:
    problems = []
    english, translated = _render(source), _render(text)
    if _BROKEN_LINK.search(text) and not _BROKEN_LINK.search(source):
        problems.append(("link-syntax", "error", "a broken link: write [link text](URL), with nothing between "
                                                 "] and ("))
    wanted, found = _targets(source, english), _targets(text, translated)
    for url in sorted((wanted - found).elements()):
        problems.append(("link-lost", "error", f"the link to {url} is missing: keep every link of the English "
                                               "(translate the link text, not the URL)"))
    for url in sorted((found - wanted).elements()):
        problems.append(("link-changed", "error", f"a link to {url}, which the English does not have: links "
                                                  "must point where the English's point"))
    left = _EMPHASIS_LEFT.findall(translated.text)
    if left and not _EMPHASIS_LEFT.findall(english.text):
        marker = next(m for pair in left for m in pair if m)
        problems.append(("emphasis", "error", f"unbalanced {marker}: readers would see the asterisks; open and "
                                              f"close it around the words ({marker}like this{marker})"))
    elif (translated.strong, translated.em) != (english.strong, english.em) and not left:
        problems.append(("emphasis", "warning", f"{translated.strong} bold and {translated.em} italic parts "
                                                f"against the English's {english.strong} and {english.em}"))
    return problems


__all__ = ["Finding", "check_translation"]
