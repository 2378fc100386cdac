"""Typed YAML -> dataclass conversion that reports every problem at once.

The models in `project` and `issue` are plain dataclasses; their type hints are
the schema. This module walks a SourceDoc against those hints, collecting a
located Problem for each unknown key, missing field, wrong type, bad date, URL,
language code or partner id, instead of stopping at the first one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import Problem
from .yamlsource import SourceDoc, display_path, locate_text


# --- value types: str subclasses that say what a string is ------------------------------

class Text(str):
    """Translatable plain text (one segment)."""


class Line(Text):
    """Translatable text shown on one line: a subject, a title, a label, a name.

    A line break is never meant there, and it is how harm gets in: in a subject it starts a
    new mail header (`"...\\r\\nBcc: ..."` is a valid YAML double-quoted string).
    """


class Markdown(str):
    """Translatable inline Markdown; each paragraph is its own segment."""


class Url(str):
    """An absolute http(s) or mailto URL."""


class AssetPath(str):
    """A file shipped beside the newsletters, relative to `newsletters/`."""


class LangCode(str):
    """A language code Babel knows (el, pt, hu, ...)."""


class CountryCode(str):
    """An ISO 3166 alpha-2 code Babel knows (GR, BE, ...)."""


class Colour(str):
    """A #rrggbb colour."""


class Slug(str):
    """A short identifier: lower-case letters, digits and hyphens."""


class PartnerId(str):
    """The id of a partner declared in project.yaml."""


class EmailAddress(str):
    """One e-mail address (syntax and international domain names checked, no DNS lookup)."""


@dataclass
class Context:
    """What conversion needs besides the document: where assets live, which partners exist."""

    doc: SourceDoc
    assets_dir: Path | None = None
    partner_ids: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)

    def report(self, path: tuple, message: str, *, key: bool = False, near: str | None = None) -> None:
        line, col = locate_text(self.doc, path, near) if near else self.doc.where(path, key=key)
        self.problems.append(Problem(self.doc.file, line, col, display_path(path), message))


_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")
_MISSING = object()
# Invisible characters no newsletter text means to have: control characters (but tab and
# newline), line/paragraph separators and bidirectional overrides/isolates, which make the
# text shown differ from the text reviewed. The one set: `sync` and `check` use it on translations.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ONE_LINE_NAMES = {"subject": "a subject", "preheader": "a preheader", "title": "a title", "text": "a heading",
                   "label": "a label", "alt": "an image description", "place": "a place", "name": "a name",
                   "url": "a URL", "website": "a URL", "id": "an id"}


def _describe(value) -> str:
    if value is None:
        return "nothing"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
             float: "a number", dt.date: "a date", dt.datetime: "a date and time"}
    return names.get(type(value), type(value).__name__)


def _check_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme == "mailto":
        return None if "@" in parts.path else "mailto: link has no address"
    if parts.scheme not in ("http", "https"):
        return "must be an absolute http:// or https:// URL"
    host = parts.hostname or ""
    if not host or " " in value or not (_HOST.match(host) or host == "localhost" or _is_ip(host)):
        return "is not a valid URL (no host name)"
    return None


def _check_address(value: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")


def _bad_markdown_links(markdown: str) -> list[tuple[str, str]]:
    """Links written as [text](url) must be absolute: a newsletter has no page to be relative to."""
    found = []
    for url in _MARKDOWN_LINK.findall(markdown):
        problem = _check_url(url) if url else "is empty"
        if problem:
            found.append((url, problem))
    return found


def _invisible_problem(value: str, path: tuple, one_line: bool) -> str | None:
    if one_line and ("\r" in value or "\n" in value):
        return f"contains a line break (CR/LF): {_one_line_name(path)} is one line"
    if one_line and "\t" in value:
        return "contains a tab: use a space"
    found = INVISIBLE.search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if char in "\u2028\u2029":
        return f"contains an invisible line break ({code} {unicodedata.name(char)}): " + (
            f"{_one_line_name(path)} is one line" if one_line else "use an ordinary new line")
    if unicodedata.category(char) == "Cf":  # the bidirectional overrides and isolates
        return (f"contains an invisible {code} {unicodedata.name(char)}, which changes the order "
                "the text is shown in: remove it")
    return f"contains an invisible control character ({code}): remove it"


def _one_line_name(path: tuple) -> str:
    names = [part for part in path if isinstance(part, str)]
    if "labels" in names[:-1]:
        return "a label"
    return _ONE_LINE_NAMES.get(names[-1] if names else "", "this field")


def _known_language(code: str) -> bool:
    from babel import Locale, UnknownLocaleError

    if not re.fullmatch(r"[a-z]{2,3}", code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _known_country(code: str) -> bool:
    from babel import Locale

    return bool(re.fullmatch(r"[A-Z]{2}", code)) and code in Locale("en").territories


def convert(hint, value, path: tuple, ctx: Context):
    """Convert `value` to `hint`, reporting problems; returns None where it cannot."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return convert(options[0], value, path, ctx)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        if not isinstance(value, list):
            ctx.report(path, f"expected a list, got {_describe(value)}")
            return []
        return [convert(item_hint, item, path + (i,), ctx) for i, item in enumerate(value)]
    if isinstance(hint, type) and hasattr(hint, "variants"):
        return _build_tagged(hint, value, path, ctx)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, value, path, ctx)
    if origin is dict:  # dict[str, X]: keys as written, each value converted to X
        if not isinstance(value, dict):
            ctx.report(path, f"expected a mapping, got {_describe(value)}")
            return {}
        _, value_hint = typing.get_args(hint)
        return {key: convert(value_hint, item, path + (key,), ctx) for key, item in value.items()}
    if hint is dict:
        if not isinstance(value, dict):
            ctx.report(path, f"expected a mapping, got {_describe(value)}")
            return {}
        return value
    if hint is bool:
        if not isinstance(value, bool):
            ctx.report(path, f"expected true or false, got {_describe(value)}")
        return bool(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.report(path, f"expected a whole number, got {_describe(value)}")
            return 0
        return value
    if hint is dt.date:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            ctx.report(path, f"{value!r} is not a date in the calendar")
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            shown = f" {value!r}" if isinstance(value, (str, int)) else ""
            ctx.report(path, f"expected a date as YYYY-MM-DD, got {_describe(value)}{shown}")
            return None
        return value
    if isinstance(hint, type) and issubclass(hint, str):
        return _convert_string(hint, value, path, ctx)
    raise TypeError(f"schema has no converter for {hint!r}")  # a programming error


def _convert_string(hint: type, value, path: tuple, ctx: Context):
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and hint in (Text, Line, Markdown, str):
            value = str(value)  # `place: 2024` is clearly meant as text
        else:
            ctx.report(path, f"expected text, got {_describe(value)}")
            return None
    # Only prose (Text, Markdown) may span lines; every other string is one line.
    if problem := _invisible_problem(value, path, one_line=hint not in (Text, Markdown)):
        ctx.report(path, problem)
    elif hint in (Text, Line, Markdown) and not value.strip():
        ctx.report(path, "must not be empty")
    elif hint is Markdown and (bad := _bad_markdown_links(value)):
        for url, problem in bad:
            ctx.report(path, f"link {url!r} {problem}", near=url or "]()")
    elif hint is Url and (problem := _check_url(value)):
        ctx.report(path, f"{value!r} {problem}")
    elif hint is LangCode and not _known_language(value):
        ctx.report(path, f"unknown language code {value!r} (use ISO 639 codes such as 'el', 'pt', 'hu')")
    elif hint is CountryCode and not _known_country(value):
        ctx.report(path, f"unknown country code {value!r} (use ISO 3166 codes such as 'GR', 'BE')")
    elif hint is Colour and not _COLOUR.match(value):
        ctx.report(path, f"{value!r} is not a colour like '#003399'")
    elif hint is Slug and not _SLUG.match(value):
        ctx.report(path, f"{value!r} must use only lower-case letters, digits and hyphens")
    elif hint is EmailAddress and (problem := _check_address(value)):
        ctx.report(path, f"{value!r} is not an e-mail address: {problem}")
    elif hint is PartnerId and ctx.partner_ids and value not in ctx.partner_ids:
        known = ", ".join(sorted(ctx.partner_ids))
        ctx.report(path, f"unknown partner id {value!r} (project.yaml declares: {known})")
    elif hint is AssetPath and ctx.assets_dir is not None:
        candidate = (ctx.assets_dir / value).resolve()
        if ctx.assets_dir.resolve() not in candidate.parents:
            ctx.report(path, f"{value!r} must stay inside {ctx.assets_dir.name}/")
        elif not candidate.is_file():
            ctx.report(path, f"file {value!r} not found in {ctx.assets_dir.name}/")
    return hint(value)


def needs(*names: str):
    """Mark a method of a schema dataclass as a cross-field check reading the fields `names`.

    `build` runs it when those fields converted without a problem, whatever happened to the
    others: a bad URL in a block must not hide that the block ends before it starts, and a
    date that failed to convert must not set off "an end date needs a start date".
    """
    def mark(check):
        check.needs = names
        return check
    return mark


def _checks(cls) -> list:
    return [member for name in dir(cls) if hasattr(member := getattr(cls, name), "needs")]


def build(cls, value, path: tuple, ctx: Context):
    """Build dataclass `cls` from a mapping, checking keys against its fields."""
    if not isinstance(value, dict):
        ctx.report(path, f"expected a mapping of {cls.__name__.lower()} fields, got {_describe(value)}")
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in value:
        if key not in fields:
            allowed = ", ".join(sorted(fields))
            ctx.report(path + (key,), f"unknown key (allowed here: {allowed})", key=True)
    kwargs, failed = {}, set()
    for name, spec in fields.items():
        hint = hints[name]
        raw = value.get(name, _MISSING)
        optional = spec.default is not dataclasses.MISSING or spec.default_factory is not dataclasses.MISSING
        if raw is _MISSING or raw is None:
            if not optional and not _allows_none(hint):
                ctx.report(path, f"missing required field '{name}'")
                kwargs[name] = None
                failed.add(name)
            continue
        reported = len(ctx.problems)
        kwargs[name] = convert(hint, raw, path + (name,), ctx)
        if len(ctx.problems) > reported:
            failed.add(name)
    obj = cls(**kwargs)
    for check in _checks(cls):
        if failed.isdisjoint(check.needs):
            check(obj, lambda field_name, message: ctx.report(path + (field_name,), message))
    return obj


def _build_tagged(base, value, path: tuple, ctx: Context):
    """Pick the dataclass named by the mapping's `type` key (how blocks are written)."""
    variants = base.variants()
    names = ", ".join(sorted(variants))
    if not isinstance(value, dict):
        ctx.report(path, f"expected a mapping with a 'type' ({names}), got {_describe(value)}")
        return None
    tag = value.get("type")
    if tag is None:
        ctx.report(path, f"missing required field 'type' (one of: {names})")
        return None
    if tag not in variants:
        ctx.report(path + ("type",), f"unknown block type {tag!r} (one of: {names})")
        return None
    return build(variants[tag], {k: v for k, v in value.items() if k != "type"}, path, ctx)


def _allows_none(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)
