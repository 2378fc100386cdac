"""One newsletter issue (`newsletters/<id>/issue.yaml`): schema, loading, validation.

The comms officer writes it in English. Blocks are an ordered list of typed
mappings (`type: event`, ...), one dataclass each, so that every block type has
one template partial and one place that says which fields it takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .errors import PipelineError, ValidationError
from .files import shown_path
from .project import Project, load_project
from .schema import AssetPath, Context, LangCode, Line, Markdown, PartnerId, Slug, Url, build, needs
from .yamlsource import display_path, load_yaml

# The pseudo-localized edition (Windows' name for its pseudo locale): accented, longer text in
# its own catalog, for layout checks; never written into a real language's memory.
PSEUDO_LOCALE = "qps-ploc"


@dataclass
class Image:
    src: AssetPath
    alt: Line


@dataclass
class Button:
    label: Line
    url: Url


@dataclass
class DatedItem:
    """Shared by events and agenda items: a date or a date range, checked in order."""

    @needs("start", "end")
    def _dates_in_order(self, report) -> None:
        if self.end and not self.start:
            report("end", "an end date needs a start date")
        elif self.start and self.end and self.end < self.start:
            report("end", f"ends ({self.end}) before it starts ({self.start})")


class Block:
    """Base of every block type; `kind` is the `type:` written in the YAML."""

    kind: ClassVar[str]

    @classmethod
    def variants(cls) -> dict[str, type]:
        return {sub.kind: sub for sub in BLOCK_TYPES}


@dataclass
class IntroBlock(Block):
    kind: ClassVar[str] = "intro"
    title: Line
    body: Markdown
    id: Slug | None = None


@dataclass
class AboutBlock(Block):
    kind: ClassVar[str] = "about"
    title: Line
    body: Markdown
    id: Slug | None = None


@dataclass
class Indicator:
    value: int
    label: Line
    id: Slug | None = None


@dataclass
class IndicatorsBlock(Block):
    kind: ClassVar[str] = "indicators"
    title: Line
    items: list[Indicator]
    id: Slug | None = None

    @needs("items")
    def _has_items(self, report) -> None:
        if self.items == []:
            report("items", "needs at least one indicator")


@dataclass
class HeadingBlock(Block):
    kind: ClassVar[str] = "heading"
    text: Line
    id: Slug | None = None


@dataclass
class EventBlock(DatedItem, Block):
    kind: ClassVar[str] = "event"
    title: Line
    start: dt.date
    body: Markdown
    place: Line | None = None
    end: dt.date | None = None
    image: Image | None = None
    hosts: list[PartnerId] = field(default_factory=list)
    link: Button | None = None
    id: Slug | None = None


@dataclass
class ReportBlock(Block):
    kind: ClassVar[str] = "report"
    title: Line
    body: Markdown
    button: Button
    image: Image | None = None
    id: Slug | None = None


@dataclass
class AgendaItem(DatedItem):
    title: Line
    body: Markdown
    start: dt.date | None = None
    end: dt.date | None = None
    place: Line | None = None
    leads: list[PartnerId] = field(default_factory=list)
    id: Slug | None = None


@dataclass
class WhatsNextBlock(Block):
    kind: ClassVar[str] = "whats_next"
    title: Line
    items: list[AgendaItem]
    id: Slug | None = None

    @needs("items")
    def _has_items(self, report) -> None:
        if self.items == []:
            report("items", "needs at least one item")


@dataclass
class ConsortiumBlock(Block):
    """The partners, grouped by country, taken from project.yaml."""

    kind: ClassVar[str] = "consortium"
    title: Line
    body: Markdown | None = None
    id: Slug | None = None


@dataclass
class FooterBlock(Block):
    """Website, social links, co-funding statement, disclaimer, partner logos."""

    kind: ClassVar[str] = "footer"
    show_logos: bool = True
    id: Slug | None = None


BLOCK_TYPES = (IntroBlock, AboutBlock, IndicatorsBlock, HeadingBlock, EventBlock, ReportBlock,
               WhatsNextBlock, ConsortiumBlock, FooterBlock)


@dataclass
class Issue:
    number: int
    date: dt.date
    subject: Line
    preheader: Line
    blocks: list[Block]
    languages: list[LangCode] | None = None

    # Filled in by load_issue.
    id: str = field(default="", init=False, compare=False)
    path: Path = field(default=Path("."), init=False, compare=False, repr=False)
    project: Project | None = field(default=None, init=False, compare=False, repr=False)

    @needs("blocks")
    def _has_blocks(self, report) -> None:
        if self.blocks == []:
            report("blocks", "needs at least one block")

    @needs("number")
    def _number_counts_from_one(self, report) -> None:
        if self.number is not None and self.number < 1:
            report("number", "must be 1 or more")

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def target_languages(self) -> list[str]:
        return list(self.languages or self.project.target_languages)

    def select_languages(self, requested: list[str], *, with_source: bool = False) -> list[str]:
        """--lang values checked against this issue's editions; none given means all of them.

        The pseudo-localized edition is never part of "all": it is there when asked for.
        """
        allowed = ([self.project.source_language] if with_source else []) + self.target_languages
        unknown = [lang for lang in requested if lang not in allowed and lang != PSEUDO_LOCALE]
        if unknown:
            raise PipelineError(f"--lang {', '.join(unknown)}: not a language of this issue "
                                f"(choose from {' '.join(allowed)})")
        return list(dict.fromkeys(requested)) or allowed

    def block_keys(self) -> list[str]:
        return block_keys(self.blocks)


def block_keys(blocks: list[Block]) -> list[str]:
    """A stable key per block: its `id`, else its type (numbered when repeated).

    Keys, not list positions, prefix segment ids, so inserting a new block of
    another type does not orphan the translations of every block after it.
    """
    keys, seen = [], {}
    for block in blocks:
        if block.id:
            keys.append(block.id)
            continue
        seen[block.kind] = seen.get(block.kind, 0) + 1
        keys.append(block.kind if seen[block.kind] == 1 else f"{block.kind}-{seen[block.kind]}")
    return keys


def item_keys(items: list) -> list[str]:
    """A stable key per list item (indicators, what's next): its `id`, else its position.

    An id keeps an item's segments, and so its reviewed translations, its own when items
    are inserted or reordered around it; an item without one keeps the positional key
    that catalogs written before items had ids use.
    """
    return [item.id if getattr(item, "id", None) else str(i) for i, item in enumerate(items)]


def find_newsletters_dir(start: Path | None = None) -> Path:
    """The `newsletters/` folder of the project containing `start` (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "newsletters" / "project.yaml").is_file():
            return candidate / "newsletters"
        if candidate.name == "newsletters" and (candidate / "project.yaml").is_file():
            return candidate
    raise PipelineError("no newsletters/project.yaml here or in any parent folder; "
                        "run the command inside the newsletter-pipeline checkout")


def issue_ids(newsletters_dir: Path) -> list[str]:
    """Issue folder names, oldest first (names start with the date)."""
    return sorted(p.parent.name for p in newsletters_dir.glob("*/issue.yaml"))


def resolve_issue_path(ref: str | None, newsletters_dir: Path) -> Path:
    """ISSUE argument -> issue.yaml: an id, a folder, a file, or None for the latest."""
    if ref is None:
        ids = issue_ids(newsletters_dir)
        if not ids:
            raise PipelineError(f"no issues yet: create {newsletters_dir}/<yyyy-mm-name>/issue.yaml")
        return newsletters_dir / ids[-1] / "issue.yaml"
    as_path = Path(ref)
    for candidate in (as_path, as_path / "issue.yaml", newsletters_dir / ref / "issue.yaml"):
        if candidate.is_file():
            return candidate
    known = ", ".join(issue_ids(newsletters_dir)) or "none"
    raise PipelineError(f"no issue {ref!r}: give an issue id (known: {known}) or a path to issue.yaml")


def load_issue(ref: str | None = None, newsletters_dir: Path | None = None) -> Issue:
    """Load project.yaml and one issue, validating both; raises with every problem found."""
    newsletters_dir = newsletters_dir or find_newsletters_dir()
    path = resolve_issue_path(ref, newsletters_dir)
    project, project_problems = None, []
    try:
        project = load_project(newsletters_dir)
    except ValidationError as exc:  # keep going: report the issue's own problems too
        project_problems = exc.problems
    try:
        doc = load_yaml(path, shown_path(path))
    except ValidationError as exc:
        raise ValidationError(project_problems + exc.problems) from None
    ctx = Context(doc, assets_dir=newsletters_dir,
                  partner_ids=frozenset(p.id for p in project.partners) if project else frozenset())
    issue = build(Issue, doc.data, (), ctx)
    if issue is not None and project is not None:
        _check_languages(issue, project, ctx)
    if issue is not None:
        _check_unique_ids(issue, ctx)
    if ctx.problems or project_problems:
        raise ValidationError(project_problems + ctx.problems)
    issue.id = path.resolve().parent.name
    issue.path = path
    issue.project = project
    return issue


def _check_languages(issue: Issue, project: Project, ctx: Context) -> None:
    from .schema import _known_language

    for i, lang in enumerate(issue.languages or []):
        if lang and _known_language(lang) and lang not in project.target_languages:
            ctx.report(("languages", i), f"{lang!r} is not a target language in project.yaml "
                       f"({' '.join(project.target_languages)})")


def _check_unique_ids(issue: Issue, ctx: Context) -> None:
    """Keys name segments in every catalog: two things under one name would share translations.

    So an id must differ from the other ids of its list and from the key a neighbour without
    an id goes by (`event`, `event-2` for blocks; the position for items).
    """
    blocks = [(i, b) for i, b in enumerate(issue.blocks or []) if b is not None]
    keys = block_keys([b for _, b in blocks])
    _check_keys(ctx, ("blocks",), [(i, b.id, key) for (i, b), key in zip(blocks, keys)],
                "a block without an id is named after its type")
    for i, block in blocks:
        items = getattr(block, "items", None) or []
        _check_keys(ctx, ("blocks", i, "items"),
                    [(j, item.id, key) for j, (item, key) in enumerate(zip(items, item_keys(items)))
                     if item is not None], "an item without an id is named by its position")


def _check_keys(ctx: Context, path: tuple, entries: list[tuple[int, str | None, str]], rule: str) -> None:
    unnamed = {key: i for i, own, key in entries if not own}
    named: dict[str, int] = {}
    for i, own, _ in entries:
        if not own:
            continue
        if own in named:
            ctx.report(path + (i, "id"), f"id {own!r} is already used by {display_path(path + (named[own],))}")
        elif own in unnamed:
            ctx.report(path + (i, "id"), f"id {own!r} is already the name of "
                                         f"{display_path(path + (unnamed[own],))}, which has no id ({rule})")
        named.setdefault(own, i)
