"""The PO text format: reading that loses no character, writing that gettext tools leave alone.

polib parses, but it splits a file with `str.splitlines()`, which also breaks at U+2028,
U+2029, U+0085, VT, FF and U+001C-U+001E: characters a msgstr may hold, so a read lost the
character and the one before it. It also does not know gettext's `\\a` and octal escapes.
Reading here hands polib lines split at LF only, with those escapes decoded first.

Writing follows GNU gettext's own `write-po.c`, so `msgcat`, `msgmerge` and Poedit (which
all wrap the same way) re-save a catalog without a diff: the same escapes, lines of at most
79 columns broken where the Unicode line-breaking rules allow (UAX #14, as gettext's
libunistring does; here from `uniseg`), a space staying at the end of its line, a long
string starting with an empty `""` line, and a new line after every `\\n`.
"""

from __future__ import annotations

import re
import unicodedata

import polib
from uniseg.linebreak import line_break_units

PAGE_WIDTH = 79  # gettext's default --width, and Poedit's

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t", "\v": "\\v"}
_POLIB_KNOWS = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                "\v": "\\v"}
_GETTEXT_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)")


class _LinesAtLF(str):
    """A file's text whose `splitlines()` ends lines at LF (or CRLF) only, as PO files do."""

    def splitlines(self, keepends: bool = False) -> list[str]:  # noqa: D102 - polib calls this
        lines = str.split(self, "\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line[:-1] if line.endswith("\r") else line for line in lines]


def _decode_gettext_escapes(text: str) -> str:
    """`\\a`, `\\NNN`, `\\xHH` (valid gettext, unknown to polib) as the characters they mean.

    Escapes are scanned left to right, so `\\\\a` stays an escaped backslash and an `a`.
    """
    def one(match: re.Match) -> str:
        code = match.group(1)
        if code == "a":
            char = "\a"
        elif code[0] == "x":
            char = chr(int(code[1:], 16))
        elif code[0] in "01234567":
            char = chr(int(code, 8))
        else:
            return match.group(0)
        return _POLIB_KNOWS.get(char, char)
    if "\\" not in text:
        return text
    return "\n".join(_GETTEXT_ESCAPE.sub(one, line) if '"' in line else line for line in text.split("\n"))


def parse(text: str) -> polib.POFile:
    """A PO file's text as polib entries; ValueError/OSError (with a line number) if malformed."""
    return polib.pofile(_LinesAtLF(_decode_gettext_escapes(text)), wrapwidth=PAGE_WIDTH)


# --- writing ---------------------------------------------------------------------------------

def escape(text: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in text)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def _portions(value: str) -> list[str]:
    """The string cut after each newline: gettext starts a new line there."""
    parts = value.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


_INFIX_BEFORE_LETTER = re.compile(r"(?<=[,.:;])(?=[^\W\d_])")


_QUOTES = "'\"«»‘’‚‛“”„‟‹›"
_OPENING = "([{"


def _break_units(text: str) -> list[str]:
    """UAX #14 break units, tailored to the older rules of gettext's libunistring: no LB29,
    so a break may follow , . : ; before a letter (`https://example.` / `org/`), and the old
    LB15, no break in a quote, spaces and an opening bracket (`'akcionārs' (instrumental`)."""
    units: list[str] = []
    for unit in line_break_units(text):
        for piece in _INFIX_BEFORE_LETTER.split(unit):
            if units and piece[:1] in _OPENING and units[-1].rstrip(" ")[-1:] in _QUOTES:
                units[-1] += piece
            else:
                units.append(piece)
    return units


def field_lines(prefix: str, keyword: str, value: str) -> list[str]:
    """`msgstr "..."` and its continuation lines, wrapped as gettext wraps them."""
    head = f"{prefix}{keyword} "
    whole = escape(value)
    inner_newline = "\n" in value[:-1]
    if not inner_newline and _width(head) + _width(whole) + 2 <= PAGE_WIDTH:
        return [f'{head}"{whole}"']
    lines = [f'{head}""']
    for portion in _portions(value):
        line = ""
        for unit in _break_units(portion):
            piece = escape(unit)
            if line and _width(prefix) + 1 + _width(line) + _width(piece) + 1 > PAGE_WIDTH:
                lines.append(f'{prefix}"{line}"')
                line = ""
            line += piece
        if line:
            lines.append(f'{prefix}"{line}"')
    return lines


def _comment_lines(marker: str, text: str) -> list[str]:
    return [f"{marker} {line}".rstrip() if line else marker for line in text.split("\n")]


def entry_lines(entry: polib.POEntry) -> list[str]:
    out: list[str] = []
    if entry.tcomment:
        out += _comment_lines("#", entry.tcomment)
    if entry.comment:
        out += _comment_lines("#.", entry.comment)
    if entry.occurrences:
        out.append("#: " + " ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences))
    if entry.flags:
        out.append("#, " + ", ".join(entry.flags))
    obsolete = "#~ " if entry.obsolete else ""
    previous = "#~| " if entry.obsolete else "#| "
    if entry.previous_msgctxt:
        out += field_lines(previous, "msgctxt", entry.previous_msgctxt)
    if entry.previous_msgid:
        out += field_lines(previous, "msgid", entry.previous_msgid)
    if entry.msgctxt is not None:
        out += field_lines(obsolete, "msgctxt", entry.msgctxt)
    out += field_lines(obsolete, "msgid", entry.msgid)
    if entry.msgid_plural:
        out += field_lines(obsolete, "msgid_plural", entry.msgid_plural)
        for index in sorted(entry.msgstr_plural):
            out += field_lines(obsolete, f"msgstr[{index}]", entry.msgstr_plural[index])
    else:
        out += field_lines(obsolete, "msgstr", entry.msgstr)
    return out


def serialize(catalog: polib.POFile) -> str:
    """The catalog as gettext writes it: header comment, header entry, entries, obsolete last."""
    blocks: list[list[str]] = []
    header: list[str] = _comment_lines("#", catalog.header) if catalog.header else []
    metadata = "".join(f"{key}: {value}\n" for key, value in catalog.ordered_metadata())
    header += ["#, fuzzy"] if catalog.metadata_is_fuzzy else []
    header += field_lines("", "msgid", "") + field_lines("", "msgstr", metadata)
    blocks.append(header)
    active = [e for e in catalog if not e.obsolete]
    obsolete = [e for e in catalog if e.obsolete]
    blocks += [entry_lines(e) for e in active + obsolete]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
