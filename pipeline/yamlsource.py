"""Load YAML while remembering where every value came from.

PyYAML's composed node tree carries line/column marks that its plain `safe_load`
throws away; keeping them lets every validation message point at file:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem, ValidationError

Path_ = tuple  # a path into the document: ("blocks", 3, "body")


@dataclass
class SourceDoc:
    """A parsed YAML file: its data plus the position of every key and value."""

    file: str
    data: object
    lines: list[str] = field(default_factory=list)
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of a path, falling back to its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while probe:
            if probe in marks:
                return marks[probe]
            if probe in self.value_marks:
                return self.value_marks[probe]
            probe = probe[:-1]
        return self.value_marks.get((), (1, 1))


def locate_text(doc: SourceDoc, path: Path_, needle: str) -> tuple[int, int]:
    """Where `needle` appears inside a (possibly multi-line) value, for pointing into a body."""
    line, col = doc.where(path)
    for number in range(line, min(len(doc.lines), line + 400) + 1):
        found = doc.lines[number - 1].find(needle)
        if found >= 0:
            return number, found + 1
    return line, col


def display_path(path: Path_) -> str:
    """("blocks", 3, "body") -> "blocks[3].body", the form mkdocs and friends use."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# Limits for files people write by hand: the largest issue is ~15 KB and 6 levels deep.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32


class _Refused(Exception):
    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark, self.message = mark, message


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader without the YAML features these files never need, and with a depth bound.

    Anchors and aliases make "billion laughs" expansions (and hide where a value really
    comes from), tags and merge keys are not part of the schema, and the composer recurses
    once per nesting level, so deep brackets would end in RecursionError. Each is refused
    where it appears, before anything is built.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"YAML alias '*{event.anchor}' is not allowed here: "
                                             "write the value out in full")
        if event.anchor is not None:
            raise _Refused(event.start_mark, f"YAML anchor '&{event.anchor}' is not allowed here: "
                                             "write each value out in full")
        if event.tag is not None:
            raise _Refused(event.start_mark, f"YAML tag '{event.tag}' is not allowed here: remove it "
                                             "(put the value in quotes if it is text)")
        nested = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep: "
                                                 "check for unclosed or repeated brackets")
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1


def load_yaml(path: Path, display_name: str | None = None) -> SourceDoc:
    """Parse one YAML file; a syntax error becomes a located Problem, not a traceback."""
    name = display_name or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValidationError([Problem(name, 0, 0, "", "file not found")]) from None
    if size > MAX_BYTES:
        raise ValidationError([Problem(name, 1, 1, "", f"the file is {size / 1024 / 1024:.1f} MB; at most "
                                       f"{MAX_BYTES // 1024 // 1024} MB is read (images belong in "
                                       "newsletters/assets/, not in the YAML)")])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError([Problem(name, 0, 0, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()[: exc.start]
        line = raw.count(b"\n") + 1
        column = len(raw) - (raw.rfind(b"\n") + 1) + 1
        raise ValidationError([Problem(name, line, column, "", f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x}): "
                                       "save the file as UTF-8")]) from None
    try:
        loader = _PlainLoader(text)
    except yaml.reader.ReaderError as exc:   # a raw control character, found before parsing
        raise ValidationError([_unreadable_character(name, text, exc)]) from None
    try:
        node = loader.get_single_node()
        doc = SourceDoc(name, None, text.splitlines())
        problems: list[Problem] = []
        doc.data = _convert(node, (), loader, doc, problems) if node is not None else None
    except yaml.reader.ReaderError as exc:
        raise ValidationError([_unreadable_character(name, text, exc)]) from None
    except _Refused as exc:
        raise ValidationError([Problem(name, exc.mark.line + 1, exc.mark.column + 1, "", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        opened = _unbalanced_quote(text, line)
        if opened:  # the parser notices lines later; the mistake is where the quote opened
            raise ValidationError([Problem(name, opened, 1, "", "YAML syntax error: a quoted text starts on "
                                           "this line and is never closed: add the closing quote")]) from None
        raise ValidationError([Problem(name, line, col, "", _explain(exc))]) from None
    finally:
        loader.dispose()
    if problems:
        raise ValidationError(problems)
    return doc


def _unreadable_character(name: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    before = text[:exc.position]
    line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    return Problem(name, line, column, "", f"an invisible control character U+{ord(char):04X} typed into the file: "
                                           "remove it (YAML does not allow it)")


_PLAIN_WORDS = [
    ("found character '\\t' that cannot start any token", "a tab character: indent YAML with spaces, not tabs"),
    ("expected <block end>, but found '<block mapping start>'", "this line is indented more than the lines above it"),
    ("mapping values are not allowed here", "a ':' followed by a space inside unquoted text: put the text in quotes"),
    ("found unexpected end of stream", "the file ends inside a quoted text: a closing quote is missing"),
]


def _explain(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's parser words, translated into what the writer has to fix."""
    problem = str(exc.problem or "")
    for needle, plain in _PLAIN_WORDS:
        if needle in problem:
            problem = plain
            break
    return f"YAML syntax error: {problem}"


def _unbalanced_quote(text: str, upto: int) -> int | None:
    """The first line before the error whose quoted value never closes on that line."""
    for number, line in enumerate(text.splitlines()[:upto], start=1):
        key, sep, value = line.partition(": ")
        value = value.strip() if sep else line.strip().removeprefix("- ").strip()
        if value[:1] not in ('"', "'"):
            continue
        quote, i, closed = value[0], 1, False
        while i < len(value):
            if quote == '"' and value[i] == "\\":
                i += 2
                continue
            if value[i] == quote:
                if quote == "'" and value[i + 1:i + 2] == "'":
                    i += 2
                    continue
                closed = True
                break
            i += 1
        if not closed:
            return number
    return None


def _convert(node, path, loader, doc: SourceDoc, problems: list[Problem]):
    doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(key_node.start_mark, "YAML merge key '<<' is not allowed here: "
                                                    "write the keys out in full")
            key = loader.construct_object(key_node, deep=True)
            key_path = path + (key,)
            mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                problems.append(Problem(doc.file, *mark, display_path(key_path), "duplicate key"))
                continue
            doc.key_marks[key_path] = mark
            result[key] = _convert(value_node, key_path, loader, doc, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), loader, doc, problems) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:  # e.g. 2025-02-30 matches YAML's date pattern but is no date
        return str(node.value)
