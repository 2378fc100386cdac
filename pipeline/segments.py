"""Every translatable string of an issue, with a stable id.

Extraction (for the translation memory) and localization (for rendering) walk
the same fields in the same way, so an id always names the same piece of text.
Markdown fields are split into paragraphs: editing one paragraph invalidates
only that paragraph's translations.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from .issue import Issue, item_keys
from .schema import Markdown, Text

_BLANK_LINE = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Segment:
    id: str
    source: str
    kind: str  # "text" or "markdown"
    note: str  # shown to translators in PO editors


def paragraphs(markdown: str) -> list[str]:
    """Split Markdown on blank lines; soft line breaks become spaces (as Markdown renders them)."""
    return [_WHITESPACE.sub(" ", p).strip() for p in _BLANK_LINE.split(markdown.strip()) if p.strip()]


@dataclass
class _Slot:
    """One translatable field: where it lives and how to read or replace it."""

    id: str
    value: str
    kind: str
    owner: object
    attribute: str | int


def _walk(obj, prefix: str) -> Iterator[_Slot]:
    if isinstance(obj, list):
        for i, (key, item) in enumerate(zip(item_keys(obj), obj)):
            if isinstance(item, (Text, Markdown)):
                yield _Slot(f"{prefix}.{key}", item, _kind(item), obj, i)
            else:
                yield from _walk(item, f"{prefix}.{key}")
        return
    if not dataclasses.is_dataclass(obj):
        return
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        path = f"{prefix}.{f.name}" if prefix else f.name
        if isinstance(value, (Text, Markdown)):
            yield _Slot(path, value, _kind(value), obj, f.name)
        elif isinstance(value, list) or dataclasses.is_dataclass(value):
            yield from _walk(value, path)


def _kind(value: str) -> str:
    return "markdown" if isinstance(value, Markdown) else "text"


def _slots(issue: Issue) -> Iterator[_Slot]:
    project = issue.project
    yield from _walk_fields(issue, ("subject", "preheader"))
    for key, block in zip(issue.block_keys(), issue.blocks):
        yield from _walk(block, key)
    yield from _walk_fields(project, ("name", "cofunding_statement", "disclaimer"), "project.")
    yield from _walk(project.labels, "project.labels")
    for partner in project.partners:
        yield _Slot(f"project.partners.{partner.id}.name", partner.name, "text", partner, "name")


def _walk_fields(obj, names, prefix: str = "") -> Iterator[_Slot]:
    for name in names:
        value = getattr(obj, name)
        yield _Slot(prefix + name, value, _kind(value), obj, name)


_NOTES = {
    "markdown": "Markdown: keep **bold**, *italics* and [link text](URL) markers; translate the link text, not the URL.",
    "text": "",
}


def extract_segments(issue: Issue) -> list[Segment]:
    """The issue's translatable strings in reading order, project strings last."""
    segments: list[Segment] = []
    for slot in _slots(issue):
        if slot.kind == "markdown":
            for i, para in enumerate(paragraphs(slot.value)):
                segments.append(Segment(f"{slot.id}.{i}", para, "markdown", _NOTES["markdown"]))
        else:
            segments.append(Segment(slot.id, _WHITESPACE.sub(" ", slot.value).strip(), "text", _NOTES["text"]))
    return segments


def _clone(value):
    """Copy the dataclass/list skeleton; strings, dates and numbers are immutable and shared.

    Much cheaper than copy.deepcopy, which matters when a preview rebuilds ten editions
    on every save.
    """
    if isinstance(value, list):
        return [_clone(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        clone = copy.copy(value)
        for f in dataclasses.fields(value):
            if f.init:
                setattr(clone, f.name, _clone(getattr(value, f.name)))
        return clone
    return value


def localize_issue(issue: Issue, translate: Callable[[Segment], str]) -> Issue:
    """A copy of the issue (and its project) with every segment replaced by `translate`."""
    issue_copy = _clone(issue)
    issue_copy.project = _clone(issue.project)
    for slot in list(_slots(issue_copy)):
        if slot.kind == "markdown":
            parts = [translate(Segment(f"{slot.id}.{i}", para, "markdown", ""))
                     for i, para in enumerate(paragraphs(slot.value))]
            new_value = Markdown("\n\n".join(parts))
        else:
            new_value = Text(translate(Segment(slot.id, _WHITESPACE.sub(" ", slot.value).strip(), "text", "")))
        if isinstance(slot.owner, list):
            slot.owner[slot.attribute] = new_value
        else:
            setattr(slot.owner, slot.attribute, new_value)
    return issue_copy


__all__ = ["Segment", "extract_segments", "localize_issue", "paragraphs"]
