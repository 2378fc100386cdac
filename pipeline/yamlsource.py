"""Load YAML while remembering where every value came from.

PyYAML's composed node tree carries line/column marks that its plain `safe_load`
throws away; keeping them lets every validation message point at file:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem

Path_ = tuple  # a path into the document: ("blocks", 3, "body")


@dataclass
class SourceDoc:
    """A parsed YAML file: its data plus the position of every key and value."""

    file: str
    data: object
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


def display_path(path: Path_) -> str:
    """("blocks", 3, "body") -> "blocks[3].body", the form mkdocs and friends use."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path, display_name: str | None = None) -> SourceDoc:
    """Parse one YAML file; a syntax error becomes a located Problem, not a traceback."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        from .errors import ValidationError

        raise ValidationError([Problem(name, 0, 0, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        from .errors import ValidationError

        raise ValidationError([Problem(name, 0, 0, "", f"not UTF-8 text ({exc.reason})")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = SourceDoc(name, None)
        problems: list[Problem] = []
        doc.data = _convert(node, (), loader, doc, problems) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        from .errors import ValidationError

        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise ValidationError([Problem(name, line, col, "", f"YAML syntax error: {exc.problem}")]) from None
    finally:
        loader.dispose()
    if problems:
        from .errors import ValidationError

        raise ValidationError(problems)
    return doc


def _convert(node, path, loader, doc: SourceDoc, problems: list[Problem]):
    doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = {}
        for key_node, value_node in node.value:
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
    return loader.construct_object(node, deep=True)
