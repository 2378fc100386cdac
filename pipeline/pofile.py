"""The PO text format: reading that loses no character, writing that gettext tools leave alone.

polib parses, but it splits a file with `str.splitlines()`, which also breaks at U+2028,
U+2029, U+0085, VT, FF and U+001C-U+001E: characters a msgstr may hold, so a read lost the
character and the one before it. It also does not know gettext's `\\a` and octal escapes.
Reading here hands polib lines split at LF only, with those escapes decoded first.

Writing follows GNU gettext's own `write-po.c`, so `msgcat`, `msgmerge` and Poedit (which
all wrap the same way) re-save a catalog without a diff: the same escapes, lines of at most
79 columns broken where the Unicode line-breaking rules allow (UAX #14, as gettext's
libunistring applies them; character classes from `uniseg`), a space staying at the end of
its line, a long string starting with an empty `""` line, and a new line after every `\\n`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import polib

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


# Line breaking: the rules of Unicode's UAX #14 as the libunistring inside GNU gettext applies
# them, so a string wraps where msgcat and Poedit wrap it. Character classes come from uniseg's
# Unicode data; the rules are evaluated here, per position (uniseg's own rule engine is ~100x
# slower). Where gettext's rules are older than today's UAX #14: no LB29 (a break may follow
# , . : ; before a letter, `https://example.` / `org/`) and LB15 in its old form (no break in
# quote, spaces, opening bracket: `'akcionārs' (instrumental`).
_CLASS_ALIASES = {"AI": "AL", "XX": "AL", "SA": "AL", "SG": "AL", "CJ": "NS", "EB": "ID", "EM": "ID",
                  "H2": "ID", "H3": "ID", "JL": "ID", "JV": "ID", "JT": "ID", "RI": "AL", "AK": "AL",
                  "AP": "AL", "AS": "AL", "VF": "AL", "VI": "AL"}
_MANDATORY = {"BK", "CR", "LF", "NL"}


def _classes(text: str) -> list[str]:
    from uniseg.linebreak import line_break  # here: only writing needs it, and build never writes PO

    classes: list[str] = []
    for char in text:
        cls = line_break(char)
        cls = _CLASS_ALIASES.get(cls, cls)
        if cls in ("CM", "ZWJ"):   # LB9/LB10: a combining mark takes its base's class
            cls = classes[-1] if classes and classes[-1] not in ("SP", "BK", "CR", "LF", "NL", "ZW") else "AL"
        classes.append(cls)
    return classes


def _break_before(classes: list[str], i: int, before_spaces: str) -> bool:
    a, b = classes[i - 1], classes[i]
    if a in _MANDATORY:
        return True
    if b in ("SP", "ZW") or b in _MANDATORY:
        return False
    if a == "ZW" or (a == "SP" and before_spaces == "ZW"):
        return True
    if a in ("WJ", "GL") or b == "WJ" or (b == "GL" and a not in ("SP", "BA", "HY")):
        return False
    if b in ("CL", "CP", "EX", "IS", "SY"):
        return False
    if before_spaces == "OP" or (b == "OP" and before_spaces == "QU"):
        return False
    if (b == "NS" and before_spaces in ("CL", "CP")) or (b == "B2" and before_spaces == "B2"):
        return False
    if a == "SP":
        return True
    if a == "QU" or b == "QU":
        return False
    if b in ("BA", "HY", "NS") or a == "BB":
        return False
    if (a in ("HY", "BA") and i >= 2 and classes[i - 2] == "HL") or (a == "SY" and b == "HL") or b == "IN":
        return False
    letter = ("AL", "HL")
    if (a in letter and b == "NU") or (a == "NU" and b in letter):
        return False
    if (a == "PR" and b == "ID") or (a == "ID" and b == "PO"):
        return False
    if (a in ("PR", "PO") and b in letter) or (a in letter and b in ("PR", "PO")):
        return False
    if (a in ("CL", "CP", "NU") and b in ("PO", "PR")) or (a in ("PO", "PR") and b == "OP"):
        return False
    if a in ("PO", "PR", "HY", "IS", "NU", "SY") and b == "NU":
        return False
    if a in letter and b in letter:
        return False
    if (a in ("AL", "HL", "NU") and b == "OP") or (a == "CP" and b in ("AL", "HL", "NU")):
        return False
    return True


@lru_cache(maxsize=8192)
def _break_units(text: str) -> tuple[str, ...]:
    """The text cut at every position where a line may break (UAX #14, gettext's version);
    cached, since a run saves the same catalog many times."""
    classes = _classes(text)
    units, start, before_spaces = [], 0, classes[0] if classes else ""
    for i in range(1, len(text)):
        if classes[i - 1] != "SP":
            before_spaces = classes[i - 1]
        if _break_before(classes, i, before_spaces):
            units.append(text[start:i])
            start = i
    units.append(text[start:])
    return tuple(units)


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
