"""The translation memory: one gettext PO catalog per issue and language.

Layout: `newsletters/<issue>/translations/<lang>.po`. An issue folder holds
everything its editions show, so a translator opens one file per issue in
Poedit/Lokalize/Weblate, and a sent issue's catalogs stay as they were sent.
Reviewed text is reused across issues: when a segment is new or changed, an
identical reviewed source string in any other issue's catalog (a compendium, as
`msgmerge -C` does) fills it in.

msgctxt is the segment id, msgid the English source, "fuzzy" means not yet
reviewed by a translator. A changed source keeps the old translation as a fuzzy
suggestion with the old source in `#| msgid`, exactly as msgmerge does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polib

from .errors import PipelineError
from .files import write_atomic
from .segments import Segment

WRAP_WIDTH = 78  # what gettext tools and Poedit write, so re-saving in an editor gives no churn


@dataclass(frozen=True)
class Translation:
    text: str
    fuzzy: bool


@dataclass
class SyncReport:
    """What one catalog update changed, for the command's summary."""

    lang: str
    added: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    obsoleted: list[str] = field(default_factory=list)
    written: bool = False


def catalog_path(issue_folder: Path, lang: str) -> Path:
    return issue_folder / "translations" / f"{lang}.po"


def read_catalog(path: Path) -> polib.POFile:
    """A PO file, or an empty catalog when none exists yet; a broken file is a clear error."""
    if not path.exists():
        return polib.POFile(wrapwidth=WRAP_WIDTH)
    try:
        text = path.read_text(encoding="utf-8")
        return polib.pofile(text, wrapwidth=WRAP_WIDTH)
    except UnicodeDecodeError as exc:
        raise PipelineError(f"{path}: not UTF-8 text ({exc.reason}); save the PO file as UTF-8") from None
    except (OSError, ValueError) as exc:  # polib raises IOError/ValueError with a line number
        raise PipelineError(f"{path}: cannot read this PO file: {exc}") from None


@dataclass(frozen=True)
class Entry:
    """A read-only view of one PO entry: what build and the compendium need."""

    context: str | None
    source: str
    text: str
    fuzzy: bool
    obsolete: bool


_entries_cache: dict[Path, tuple[tuple, tuple[Entry, ...]]] = {}


def read_entries(path: Path) -> tuple[Entry, ...]:
    """The catalog's entries, parsed once per file version (inode, size, mtime).

    A preview server re-reads every catalog on each save; unchanged files are not re-parsed.
    """
    if not path.exists():
        return ()
    stat = path.stat()
    key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)  # atomic writes give a new inode
    cached = _entries_cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    entries = tuple(Entry(e.msgctxt, e.msgid, e.msgstr, "fuzzy" in e.flags, bool(e.obsolete))
                    for e in read_catalog(path))
    _entries_cache[path] = (key, entries)
    return entries


def write_catalog(catalog: polib.POFile, path: Path) -> None:
    """Write atomically: an interrupted run leaves the previous good file."""
    text = str(catalog)
    write_atomic(path, text if text.endswith("\n") else text + "\n")


def translations(entries: tuple[Entry, ...], segments: list[Segment]) -> dict[str, Translation]:
    """Translations that are valid for the current English text, by segment id.

    An entry whose msgid differs from the segment's source is outdated and not
    returned: build falls back to English and says so.
    """
    by_context = {e.context: e for e in entries if not e.obsolete}
    result = {}
    for segment in segments:
        entry = by_context.get(segment.id)
        if entry is not None and entry.source == segment.source and entry.text:
            result[segment.id] = Translation(entry.text, entry.fuzzy)
    return result


def _header(catalog: polib.POFile, lang: str, issue_id: str) -> None:
    catalog.metadata = {
        "Project-Id-Version": f"SECON newsletter {issue_id}",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        **{k: v for k, v in catalog.metadata.items()
           if k in ("Last-Translator", "Language-Team", "PO-Revision-Date", "X-Generator")},
    }
    catalog.header = (f"SECON newsletter {issue_id}: {lang} translations.\n"
                      "msgctxt is the segment id; entries marked fuzzy are not reviewed yet.")


def compendium(issue_folders: list[Path], lang: str) -> dict[str, str]:
    """Reviewed translations from other issues, by English source text."""
    reviewed: dict[str, str] = {}
    for folder in issue_folders:
        path = catalog_path(folder, lang)
        if not path.exists():
            continue
        for entry in read_entries(path):
            if entry.text and not entry.obsolete and not entry.fuzzy:
                reviewed.setdefault(entry.source, entry.text)
    return reviewed


def sync_catalog(catalog: polib.POFile, segments: list[Segment], lang: str, issue_id: str,
                 reviewed_elsewhere: dict[str, str]) -> SyncReport:
    """Bring a catalog in line with the issue's segments, in reading order.

    A translator's entry is never overwritten: a changed source only adds the
    fuzzy flag and records the previous msgid.
    """
    report = SyncReport(lang)
    before = str(catalog)
    by_context = {e.msgctxt: e for e in catalog if e.msgctxt}
    by_source_here = {e.msgid: e.msgstr for e in catalog
                      if e.msgstr and "fuzzy" not in e.flags and not e.obsolete}
    ordered: list[polib.POEntry] = []
    for segment in segments:
        entry = by_context.pop(segment.id, None)
        reuse = by_source_here.get(segment.source) or reviewed_elsewhere.get(segment.source)
        if entry is None:
            entry = polib.POEntry(msgctxt=segment.id, msgid=segment.source, msgstr=reuse or "")
            report.added.append(segment.id)
            if reuse:
                report.reused.append(segment.id)
        elif entry.obsolete or entry.msgid != segment.source:
            old = entry.msgid
            entry.obsolete = False
            entry.msgid = segment.source
            if reuse:
                entry.msgstr = reuse
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
                entry.previous_msgid = None
                report.reused.append(segment.id)
            elif entry.msgstr:
                entry.previous_msgid = old
                if "fuzzy" not in entry.flags:
                    entry.flags.append("fuzzy")
                report.invalidated.append(segment.id)
            else:
                report.added.append(segment.id)
        elif not entry.msgstr and reuse:
            entry.msgstr = reuse
            report.reused.append(segment.id)
        entry.comment = segment.note
        ordered.append(entry)
    for entry in by_context.values():  # segments the issue no longer has
        if not entry.obsolete and entry.msgstr:
            entry.obsolete = True
            report.obsoleted.append(entry.msgctxt)
        if entry.msgstr:
            ordered.append(entry)
    catalog[:] = ordered
    _header(catalog, lang, issue_id)
    report.written = str(catalog) != before
    return report


def update_catalogs(issue, languages: list[str] | None = None) -> list[SyncReport]:
    """Create or update every target language's catalog of one issue (atomic writes)."""
    from .issue import issue_ids
    from .segments import extract_segments

    segments = extract_segments(issue)
    newsletters_dir = issue.folder.parent
    others = [newsletters_dir / i for i in issue_ids(newsletters_dir) if i != issue.id]
    reports = []
    for lang in languages or issue.target_languages:
        path = catalog_path(issue.folder, lang)
        catalog = read_catalog(path)
        report = sync_catalog(catalog, segments, lang, issue.id, compendium(others, lang))
        if report.written or not path.exists():
            write_catalog(catalog, path)
            report.written = True
        reports.append(report)
    return reports
