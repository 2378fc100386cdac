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

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polib

from . import pofile
from .errors import PipelineError, Problem, ValidationError
from .files import exclusive, shown_path, write_atomic
from .schema import INVISIBLE
from .segments import Segment

WRAP_WIDTH = pofile.PAGE_WIDTH


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
    """A PO file, or an empty catalog when none exists yet; a broken file is a clear error.

    Nothing a reader cannot trust gets through: a syntax error, a malformed header or two
    entries for one segment (msgfmt calls that fatal; picking one would silently drop the
    other) stop the command with file:line before anything is written.
    """
    if not path.exists():
        return polib.POFile(wrapwidth=WRAP_WIDTH)
    shown = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
        catalog = pofile.parse(text)
    except UnicodeDecodeError as exc:
        raise PipelineError(f"{shown}: not UTF-8 text ({exc.reason}); save the PO file as UTF-8") from None
    except (OSError, ValueError) as exc:  # polib raises IOError/ValueError with a line number
        found = re.search(r"\(line (\d+)\)(?::\s*(.*))?", str(exc))
        if found:
            detail = f": {found.group(2)}" if found.group(2) else ""
            where = f"{shown}:{found.group(1)}: cannot read this PO file (syntax error{detail})"
        else:
            where = f"{shown}: cannot read this PO file ({exc})"
        raise PipelineError(f"{where}; fix it in a PO editor or text editor") from None
    problems = _header_problems(shown, text) + _duplicate_problems(shown, catalog)
    if problems:
        raise ValidationError(problems)
    return catalog


_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*: ?")


def _header_problems(shown: str, text: str) -> list[Problem]:
    """The header entry must be `Key: value` lines, in UTF-8 (the file is read as UTF-8)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == 'msgid ""'), None)
    if start is None:
        return []
    value, i = [], start + 1
    while i < len(lines) and (lines[i].startswith('msgstr "') or lines[i].startswith('"')):
        value.append(lines[i].split('"', 1)[1].rsplit('"', 1)[0])
        i += 1
    problems = []
    for field_line in "".join(value).split("\\n"):
        if field_line and not _HEADER_LINE.match(field_line):
            problems.append(Problem(shown, start + 1, 0, "header",
                                    f"{field_line!r} is not a 'Name: value' line"))
    charset = re.search(r"charset=([\w-]+)", "".join(value))
    if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        problems.append(Problem(shown, start + 1, 0, "header", f"charset={charset.group(1)}: these catalogs "
                                "are UTF-8; convert the file (msgconv -t UTF-8) and set charset=UTF-8"))
    return problems


def _duplicate_problems(shown: str, catalog: polib.POFile) -> list[Problem]:
    first: dict[tuple, polib.POEntry] = {}
    problems = []
    for entry in catalog:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid) if entry.msgctxt is None else (entry.msgctxt,)
        if key in first:
            problems.append(Problem(shown, entry.linenum or 0, 0, f"msgctxt {entry.msgctxt!r}",
                                    f"a second entry for this segment (the first is at line "
                                    f"{first[key].linenum}): keep one and delete the other"))
        else:
            first[key] = entry
    return problems


def odd_characters(path: Path) -> list[str]:
    """`file:line: msgctxt: U+2028 LINE SEPARATOR in the translation`, for a translator to fix."""
    found = []
    for entry in read_catalog(path):
        if entry.obsolete:
            continue
        for char in sorted(set(INVISIBLE.findall(entry.msgstr))):
            name = unicodedata.name(char, "control character")
            found.append(f"{shown_path(path)}:{entry.linenum}: {entry.msgctxt}: U+{ord(char):04X} {name} "
                         "in the translation (invisible; remove it unless it is meant)")
    return found


@dataclass(frozen=True)
class Entry:
    """A read-only view of one PO entry: what build and the compendium need."""

    context: str | None
    source: str
    text: str
    fuzzy: bool
    obsolete: bool
    previous_source: str | None = None
    comment: str = ""
    line: int = 0   # where the entry starts in the file, for messages


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
    entries = tuple(Entry(e.msgctxt, e.msgid, e.msgstr, "fuzzy" in e.flags, bool(e.obsolete), e.previous_msgid,
                          e.tcomment or "", e.linenum or 0) for e in read_catalog(path))
    _entries_cache[path] = (key, entries)
    return entries


def write_catalog(catalog: polib.POFile, path: Path) -> None:
    """Write atomically, as gettext would: an interrupted run leaves the previous good file."""
    write_atomic(path, pofile.serialize(catalog))


# --- merging with what is on disk ------------------------------------------------------------

def _state(entry: polib.POEntry) -> tuple:
    return (entry.msgid, entry.msgstr, tuple(sorted(entry.flags)), entry.previous_msgid or "",
            entry.tcomment or "", entry.comment or "", bool(entry.obsolete))


def _key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt,) if entry.msgctxt is not None else (None, entry.msgid)


@dataclass
class _Snapshot:
    states: dict[tuple, tuple]
    metadata: dict[str, str]
    header: str

    @classmethod
    def of(cls, catalog: polib.POFile) -> "_Snapshot":
        return cls({_key(e): _state(e) for e in catalog}, dict(catalog.metadata), catalog.header or "")


class CatalogFile:
    """One PO file as a command works on it: saving merges this run's changes into the file
    as it is on disk *now*, entry by entry, instead of writing back the copy read at the start.

    For each entry: changed only here -> ours; changed only on disk (a translator saved in
    Poedit meanwhile) -> theirs; changed in both -> theirs, and ours is listed in
    `dropped` for the command to report. The same rule applies per header field. Commands
    also hold the file's lock (files.exclusive) so two of them never work on one catalog.
    """

    def __init__(self, path: Path):
        self.path = path
        self.catalog = read_catalog(path)
        self._base = _Snapshot.of(self.catalog)
        self._exists = path.exists()
        self.dropped: list[str] = []

    def entry(self, context: str) -> polib.POEntry | None:
        return next((e for e in self.catalog if e.msgctxt == context and not e.obsolete), None)

    def refresh(self) -> None:
        """Take in what others saved since we last looked (before deciding on an entry)."""
        theirs = _read_settled(self.path)
        if theirs is not None:
            self._merge(theirs)

    def save(self, lang: str, issue_id: str) -> bool:
        """Merge with the file on disk and write if anything changed; True if written.

        If the file changes while the merge is being made (an editor saving right then), the
        merge is made again with the newer file, so the rename never replaces unseen work.
        """
        for _ in range(20):
            seen = _version(self.path)
            theirs = _read_settled(self.path)
            if theirs is not None:
                self._merge(theirs)
            complete_header(self.catalog, lang, issue_id)
            if theirs is not None and _comparable(self.catalog) == _comparable(theirs):
                self._base = _Snapshot.of(self.catalog)
                return False
            self.catalog.metadata["PO-Revision-Date"] = _now()
            text = pofile.serialize(self.catalog)
            if write_atomic(self.path, text, still_valid=lambda: _version(self.path) == seen):
                break
        else:
            raise PipelineError(f"{shown_path(self.path)} keeps changing while it is being saved; "
                                "close the editor that rewrites it and run the command again")
        _entries_cache.pop(self.path, None)
        self._base = _Snapshot.of(self.catalog)
        return True

    def _merge(self, theirs: polib.POFile) -> None:
        base, ours = self._base, self.catalog
        their_entries = {_key(e): e for e in theirs}
        merged: list[polib.POEntry] = []
        for entry in ours:
            key = _key(entry)
            before, other = base.states.get(key), their_entries.pop(key, None)
            if other is None:
                if before is None or _state(entry) != before:
                    merged.append(entry)        # ours is new, or they deleted what we changed
            elif _state(other) == before or _state(other) == _state(entry):
                merged.append(entry)
            elif _state(entry) == before:
                merged.append(other)            # only they changed it
            else:
                merged.append(other)            # both changed it: the person wins
                self.dropped.append(entry.msgctxt or entry.msgid)
        for key, other in their_entries.items():  # entries only they have, or that we removed
            if key not in base.states or _state(other) != base.states[key]:
                merged.append(other)
        metadata = dict(ours.metadata)
        for name in set(base.metadata) | set(theirs.metadata) | set(metadata):
            if theirs.metadata.get(name) != base.metadata.get(name):
                if name in theirs.metadata:
                    metadata[name] = theirs.metadata[name]
                else:
                    metadata.pop(name, None)
        ours[:] = merged
        ours.metadata = metadata
        if (theirs.header or "") != base.header:
            ours.header = theirs.header
        self._base = _Snapshot.of(theirs)
        self._base.states.update({_key(e): _state(e) for e in ours if _key(e) not in self._base.states})


def _version(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _read_settled(path: Path, attempts: int = 10, pause: float = 0.1) -> polib.POFile | None:
    """The file as it is now, or None if there is none. An editor that writes in place can be
    caught halfway through its save; such a file is read again a moment later before its
    error counts."""
    for attempt in range(attempts):
        if not path.exists():
            return None
        try:
            return read_catalog(path)
        except PipelineError:
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
    return None


def _comparable(catalog: polib.POFile) -> str:
    """The catalog's text but for the revision date, to tell a real change from a re-save."""
    saved = catalog.metadata.pop("PO-Revision-Date", None)
    try:
        return pofile.serialize(catalog)
    finally:
        if saved is not None:
            catalog.metadata["PO-Revision-Date"] = saved


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M+0000")


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


def complete_header(catalog: polib.POFile, lang: str, issue_id: str) -> None:
    """Every header field `msgfmt -c` asks for; what a translator's editor wrote is kept.

    Fields this tool owns are set; Last-Translator, Language-Team, Plural-Forms and any other
    field an editor added stay as they are (a missing one gets a default: Plural-Forms from
    Babel's CLDR plural rules).
    """
    from babel import Locale
    from babel.messages.plurals import get_plural

    ours = {
        "Project-Id-Version": f"SECON newsletter {issue_id}",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    try:
        name = Locale.parse(lang).get_display_name("en")
    except (ValueError, LookupError):
        name = lang
    defaults = {
        "PO-Revision-Date": _now(),
        "Last-Translator": "newsletter-pipeline (not reviewed yet)",
        "Language-Team": f"SECON {name} translators",
        "Plural-Forms": _plural_forms(lang, get_plural),
    }
    metadata = {**defaults, **catalog.metadata, **ours}
    catalog.metadata = metadata
    if not catalog.header:
        catalog.header = (f"SECON newsletter {issue_id}: {lang} translations.\n"
                          "msgctxt is the segment id; entries marked fuzzy are not reviewed yet.")


def _plural_forms(lang: str, get_plural) -> str:
    try:
        return get_plural(lang).plural_forms
    except (ValueError, LookupError):
        return "nplurals=2; plural=(n != 1);"


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
        if "fuzzy" not in entry.flags and entry.msgstr and entry.tcomment:
            entry.tcomment = _without_machine_notes(entry.tcomment)   # a person reviewed it
        ordered.append(entry)
    for entry in by_context.values():  # segments the issue no longer has
        if not entry.obsolete and entry.msgstr:
            entry.obsolete = True
            report.obsoleted.append(entry.msgctxt)
        if entry.msgstr:
            ordered.append(entry)
    catalog[:] = ordered
    return report


MACHINE_NOTE_PREFIXES = ("machine translation", "glossary:", "previous English:", "previous translation:")


def _without_machine_notes(comment: str) -> str:
    """A reviewed entry keeps the translator's own remarks, not the machine's to-do notes."""
    return "\n".join(line for line in comment.split("\n") if not line.startswith(MACHINE_NOTE_PREFIXES))


def update_catalogs(issue, languages: list[str] | None = None) -> list[SyncReport]:
    """Create or update every target language's catalog of one issue, holding their locks."""
    languages = languages or issue.target_languages
    with exclusive([catalog_path(issue.folder, lang) for lang in languages], "run the command"):
        return sync_languages(issue, languages)


def sync_languages(issue, languages: list[str]) -> list[SyncReport]:
    """update_catalogs for a caller that already holds the catalogs' locks."""
    from .issue import issue_ids
    from .segments import extract_segments

    segments = extract_segments(issue)
    newsletters_dir = issue.folder.parent
    others = [newsletters_dir / i for i in issue_ids(newsletters_dir) if i != issue.id]
    reports = []
    for lang in languages:
        catalog = CatalogFile(catalog_path(issue.folder, lang))
        report = sync_catalog(catalog.catalog, segments, lang, issue.id, compendium(others, lang))
        report.written = catalog.save(lang, issue.id)
        reports.append(report)
    return reports


def discard_drafts(issue, languages: list[str], engine: str) -> dict[str, int]:
    """Remove one engine's unreviewed drafts (e.g. pseudo text written into a real catalog).

    A draft that replaced an outdated translation gets that translation back, still fuzzy
    with its previous English, as it was before the engine ran; reviewed entries stay.
    """
    marker = f"machine translation: {engine}"
    counts = {}
    paths = {lang: catalog_path(issue.folder, lang) for lang in languages}
    with exclusive(list(paths.values()), "run `newsletter discard`"):
        for lang, path in paths.items():
            if not path.exists():
                counts[lang] = 0
                continue
            catalog = CatalogFile(path)
            count = 0
            for entry in catalog.catalog:
                notes = (entry.tcomment or "").split("\n")
                if entry.obsolete or "fuzzy" not in entry.flags or marker not in notes:
                    continue
                kept = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in notes
                        if line.startswith(("previous English: ", "previous translation: "))}
                if "previous translation" in kept:
                    entry.msgstr = kept["previous translation"]
                    entry.previous_msgid = kept.get("previous English")
                else:
                    entry.msgstr = ""
                    entry.flags = [f for f in entry.flags if f != "fuzzy"]
                entry.tcomment = _without_machine_notes(entry.tcomment)
                count += 1
            if count:
                catalog.save(lang, issue.id)
            counts[lang] = count
    return counts
