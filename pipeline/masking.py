"""Protect what a translation engine must not touch, and check it all came back.

Before translation, inline Markdown markers, link targets, URLs, e-mail addresses,
numbers and do-not-translate names become numbered placeholders `{1}`, `{2}`, ...
(the ICU style engines usually leave alone). After translation every placeholder
must come back exactly once; otherwise the caller retries smaller or hands the
segment to a translator instead of storing broken markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PATTERNS = [
    r"\]\([^)\s]*\)",                                   # the "](url)" that closes a Markdown link
    r"\[",                                              # the "[" that opens it
    r"https?://[^\s)\]]+|www\.[^\s)\]]+",               # bare URLs
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",                    # e-mail addresses
    r"\*\*|\*|__",                                      # bold / italics markers
    r"\d+(?:[.,:/\u00a0\u202f -]\d+)*%?",              # numbers, dates, ranges, percentages
    r"\{[A-Za-z_]\w*\}",                                # a label's named placeholder: {names}
    r"[{}]",                                            # literal braces (placeholders use them)
]
_PLACEHOLDER = re.compile(r"\{\s*(\d+)\s*\}")


class MarkupLost(Exception):
    """Placeholders missing, repeated or invented by the engine."""


@dataclass
class Masked:
    text: str
    originals: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.originals)


def mask(text: str, protected: list[str] = (), extra: dict[str, str] | None = None, first: int = 1) -> Masked:
    """Replace markup and `protected` names (exact, whole words) by placeholders.

    `extra` maps more source phrases to placeholders (used to pin a glossary term).
    """
    names = sorted({p for p in protected if p}, key=len, reverse=True)
    alternatives = [r"(?<![\w])" + re.escape(n) + r"(?![\w])" for n in names]
    alternatives += [r"(?<![\w])" + re.escape(p) + r"(?![\w])" for p in sorted(extra or {}, key=len, reverse=True)]
    pattern = re.compile("|".join(alternatives + _PATTERNS))
    originals: dict[int, str] = {}

    def replace(match: re.Match) -> str:
        n = len(originals) + first
        originals[n] = match.group(0)
        return "{%d}" % n

    return Masked(pattern.sub(replace, text), originals)


def split_at(translated: str, separators: list[int]) -> list[str] | None:
    """Cut a packed translation at its separator placeholders, if each came back once, in order."""
    parts, rest = [], translated
    for number in separators:
        pieces = re.split(r"\{\s*%d\s*\}" % number, rest)
        if len(pieces) != 2:
            return None
        parts.append(pieces[0].strip())
        rest = pieces[1]
    parts.append(rest.strip())
    return parts


def unmask(translated: str, masked: Masked, substitutions: dict[int, str] | None = None) -> str:
    """Put the originals back; raises MarkupLost unless each placeholder occurs exactly once."""
    found = [int(n) for n in _PLACEHOLDER.findall(translated)]
    expected = set(masked.originals)
    missing = sorted(expected - set(found))
    repeated = sorted({n for n in found if found.count(n) > 1})
    invented = sorted(set(found) - expected)
    if missing or repeated or invented:
        parts = [f"missing {missing}" if missing else "", f"repeated {repeated}" if repeated else "",
                 f"unknown {invented}" if invented else ""]
        raise MarkupLost("placeholders " + ", ".join(p for p in parts if p))
    values = {**masked.originals, **(substitutions or {})}
    return _PLACEHOLDER.sub(lambda m: values[int(m.group(1))], translated)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[^\s])")


def sentences(text: str) -> list[str]:
    """Split at sentence ends (after . ! ? …) followed by space."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return parts or [text]


def chunks(text: str, limit: int, measure) -> list[str]:
    """Group whole sentences into pieces whose `measure` (URL-encoded size) fits `limit`.

    A single sentence over the limit is cut at spaces as a last resort.
    """
    pieces, current = [], ""
    for sentence in sentences(text):
        candidate = f"{current} {sentence}" if current else sentence
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if measure(sentence) <= limit:
            current = sentence
            continue
        current = ""
        for word in sentence.split(" "):
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= limit or not current:
                current = candidate
            else:
                pieces.append(current)
                current = word
    if current:
        pieces.append(current)
    return pieces
