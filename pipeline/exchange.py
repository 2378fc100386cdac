"""The translation memory in the formats CAT tools speak (Trados, memoQ, Phrase, OmegaT).

XLIFF 1.2, per issue and language, for a translator to work in: one `<file>` whose
`original` is `<issue-id>/<lang>.po`, one `<trans-unit>` per current segment in reading order
(id and resname = the segment id, the PO msgctxt). State as CAT tools read it:

    reviewed      <target state="final">, approved="yes" on the unit
    fuzzy         <target state="needs-review-translation">   (machine text, or outdated)
    untranslated  no <target>

PO comments travel as notes: the translator's comment as `<note from="translator">`, the
segment's note for translators (Markdown rules) as `<note from="developer">`, a fuzzy entry's
previous English as `<note from="newsletter-pipeline">previous English: ...`.

The import is a three-way merge, like the glossary's review sheets: every unit carries, as
an attribute in this tool's namespace, a fingerprint of what the repository had at export
(`np:base="reviewed:<hash of the text>"`; base = the export, theirs = the file, ours = the
catalog now). A unit whose target still matches its base was not edited, so whatever the
repository has now stays. An edited unit is applied if the repository's entry still matches
the base; if both changed it, the whole import is refused and nothing is written (`force`
takes the file's text for those units only). Applied units: state final/signed-off (or no
state and approved="yes") is reviewed; any other state (translated, needs-review-*, ...) is
fuzzy; an empty target leaves the entry alone. A unit whose English differs from the issue's
English now is applied as fuzzy only, with the English it was translated from as its
previous msgid, and reported. Units of segments the issue no longer has are reported, not
applied. The write is the memory's own: the catalog's lock, CatalogFile's merge with the
file on disk, one atomic rename.

TMX 1.4 carries reviewed translations only (a `<tu tuid="segment id">` each). Importing a TMX,
such as a partner's existing memory, only ever adds suggestions: for the issue named by the
header's `<prop type="x-issue">` when this project has it (a TMX written here), otherwise the
latest issue, each segment without any translation whose English equals a unit's English
(whitespace collapsed) gets that unit's translation as a fuzzy entry with the translator
comment "suggestion from TMX <file name>". Entries with a translation, fuzzy or reviewed, are
never touched. The TMX's one target language picks the catalog (`pl-PL` matches `pl`).

Files read are untrusted: no DTD is loaded and no entity resolved; an XML error is reported
as `file:line:column`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polib
from lxml import etree

from .errors import PipelineError, Problem, ValidationError
from .files import exclusive, shown_path, write_atomic
from .memory import MACHINE_NOTE_PREFIXES, CatalogFile, catalog_path, read_entries
from .segments import Segment, extract_segments

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
TMX_VERSION = "1.4"
NP_NS = "urn:x-newsletter-pipeline:memory-exchange:1"   # our own attributes inside XLIFF
XML_NS = "http://www.w3.org/XML/1998/namespace"
TOOL = "newsletter-pipeline"
SUFFIXES = {"xliff": ".xlf", "tmx": ".tmx"}
BASE = f"{{{NP_NS}}}base"
XML_LANG = f"{{{XML_NS}}}lang"
XML_SPACE = f"{{{XML_NS}}}space"

REVIEWED, FUZZY, NEW = "reviewed", "fuzzy", "new"
_TARGET_STATE = {REVIEWED: "final", FUZZY: "needs-review-translation"}
_REVIEWED_STATES = {"final", "signed-off"}
_CODE_ELEMENTS = {"bpt", "ept", "ph", "it", "ut"}  # native codes: not text a reader sees
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
_LOCATION = re.compile(r",? line \d+, column \d+$")
MAX_SHOWN = 50
_HEADER_NOTE = ("Written by newsletter-pipeline (`newsletter memory export`). Translate the targets and "
                "set a unit's state to final when it is reviewed; keep the trans-unit ids and their "
                "np:base attributes: `newsletter memory import` uses them to apply only what you changed.")


def _norm(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _state(text: str, fuzzy: bool) -> str:
    return NEW if not text else FUZZY if fuzzy else REVIEWED


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(text: str, fuzzy: bool) -> str:
    """What the repository had for one unit, as exported: `state:hash-of-text`."""
    return f"{_state(text, fuzzy)}:{_text_hash(text)}"


def _repo_unit(entry, segment: Segment) -> tuple[str, bool]:
    """(text, fuzzy) of a catalog entry as the export shows it: a translation of other English
    (the catalog not synced since the English changed) is fuzzy, whatever its flag says."""
    if entry is None:
        return "", False
    if isinstance(entry, polib.POEntry):
        text, fuzzy, source = entry.msgstr, "fuzzy" in entry.flags, entry.msgid
    else:
        text, fuzzy, source = entry.text, entry.fuzzy, entry.source
    if not text:
        return "", False
    return text, fuzzy or source != segment.source


def _check_language(issue, lang: str) -> None:
    if lang not in issue.target_languages:
        raise PipelineError(f"--lang {lang}: not a language of issue {issue.id} "
                            f"(choose from {' '.join(issue.target_languages)})")


# --- export ---------------------------------------------------------------------------------

def export_memory(issue, lang: str, fmt: str = "xliff", output: Path | None = None) -> Path:
    """Write one language's memory of `issue` as XLIFF 1.2 (every current segment) or TMX 1.4
    (its reviewed translations); default `./<issue-id>-<lang>.xlf` / `.tmx`. Returns the path."""
    if fmt not in SUFFIXES:
        raise PipelineError(f"--format {fmt}: choose xliff or tmx")
    _check_language(issue, lang)
    output = Path(output) if output is not None else Path.cwd() / f"{issue.id}-{lang}{SUFFIXES[fmt]}"
    segments = extract_segments(issue)
    po_path = catalog_path(issue.folder, lang)
    entries = {e.context: e for e in read_entries(po_path) if not e.obsolete}
    _check_xml_characters(po_path, segments, entries)
    root = _xliff(issue, lang, segments, entries) if fmt == "xliff" else _tmx(issue, lang, segments, entries)
    etree.indent(root)
    write_atomic(output, etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n")
    return output


def _check_xml_characters(po_path: Path, segments: list[Segment], entries: dict) -> None:
    """XML 1.0 cannot hold most control characters; name each one instead of a lxml ValueError."""
    problems = []
    for segment in segments:
        entry = entries.get(segment.id)
        texts = [("English", segment.source, 0)]
        if entry is not None:
            texts += [("translation", entry.text, entry.line), ("comment", entry.comment, entry.line),
                      ("previous English", entry.previous_source or "", entry.line)]
        for what, text, line in texts:
            for char in sorted(set(_XML_INVALID.findall(text))):
                problems.append(Problem(shown_path(po_path), line, 0, f"msgctxt {segment.id!r}",
                                        f"U+{ord(char):04X} in the {what} cannot be written to XML; remove it"))
    if problems:
        raise ValidationError(problems)


def _xliff(issue, lang: str, segments: list[Segment], entries: dict) -> etree._Element:
    def q(name: str) -> str:
        return f"{{{XLIFF_NS}}}{name}"

    root = etree.Element(q("xliff"), {"version": "1.2"}, nsmap={None: XLIFF_NS, "np": NP_NS})
    file_el = etree.SubElement(root, q("file"), {
        "original": f"{issue.id}/{lang}.po", "source-language": issue.project.source_language,
        "target-language": lang, "datatype": "plaintext", "tool-id": TOOL})
    header = etree.SubElement(file_el, q("header"))
    etree.SubElement(header, q("tool"), {"tool-id": TOOL, "tool-name": TOOL})
    etree.SubElement(header, q("note"), {"from": TOOL}).text = _HEADER_NOTE
    body = etree.SubElement(file_el, q("body"))
    for segment in segments:
        entry = entries.get(segment.id)
        text, fuzzy = _repo_unit(entry, segment)
        state = _state(text, fuzzy)
        unit = etree.SubElement(body, q("trans-unit"), {"id": segment.id, "resname": segment.id})
        if state == REVIEWED:
            unit.set("approved", "yes")
        unit.set(XML_SPACE, "preserve")
        unit.set(BASE, fingerprint(text, fuzzy))
        etree.SubElement(unit, q("source")).text = segment.source
        if text:
            etree.SubElement(unit, q("target"), {"state": _TARGET_STATE[state]}).text = text
        if segment.note:
            etree.SubElement(unit, q("note"), {"from": "developer", "annotates": "source"}).text = segment.note
        if entry is not None and entry.comment:
            etree.SubElement(unit, q("note"), {"from": "translator"}).text = entry.comment
        previous = _previous_english(entry, segment) if state == FUZZY else None
        if previous:
            etree.SubElement(unit, q("note"), {"from": TOOL, "annotates": "source"}).text = \
                f"previous English: {previous}"
    return root


def _previous_english(entry, segment: Segment) -> str | None:
    if entry.source != segment.source:
        return entry.source        # the catalog still holds the translation of older English
    return entry.previous_source


def _tmx(issue, lang: str, segments: list[Segment], entries: dict) -> etree._Element:
    source_lang = issue.project.source_language
    root = etree.Element("tmx", {"version": TMX_VERSION})
    header = etree.SubElement(root, "header", {
        "creationtool": TOOL, "creationtoolversion": "1", "segtype": "paragraph", "o-tmf": "PO",
        "adminlang": source_lang, "srclang": source_lang, "datatype": "plaintext"})
    etree.SubElement(header, "prop", {"type": "x-issue"}).text = issue.id
    body = etree.SubElement(root, "body")
    for segment in segments:
        text, fuzzy = _repo_unit(entries.get(segment.id), segment)
        if _state(text, fuzzy) != REVIEWED:
            continue
        tu = etree.SubElement(body, "tu", {"tuid": segment.id, "srclang": source_lang})
        etree.SubElement(tu, "prop", {"type": "x-segment"}).text = segment.id
        for tuv_lang, tuv_text in ((source_lang, segment.source), (lang, text)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: tuv_lang})
            etree.SubElement(tuv, "seg").text = tuv_text
    return root


# --- import ---------------------------------------------------------------------------------

def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


@dataclass
class Change:
    segment: str
    old: str
    old_state: str
    new: str
    new_state: str

    def __str__(self) -> str:
        if self.old == self.new:
            return f"{self.segment}: {self.old_state} -> {self.new_state}"
        state = f" ({self.new_state})" if self.new_state != self.old_state else ""
        return f"{self.segment}: {_short(self.old)!r} -> {_short(self.new)!r}{state}"


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would change), for the command to print."""

    file: str
    kind: str                                  # "xliff" or "tmx"
    issue_id: str
    lang: str
    catalog: str = ""
    changed: list[str] = field(default_factory=list)            # segment ids whose entry changed
    changes: list[Change] = field(default_factory=list)
    added_suggestions: list[str] = field(default_factory=list)  # TMX: segments that got a fuzzy suggestion
    conflicts: list[str] = field(default_factory=list)          # changed in both; applied only with force
    outdated: list[str] = field(default_factory=list)           # English changed since the export
    unknown: list[str] = field(default_factory=list)            # units of segments the issue no longer has
    kept_repo: list[str] = field(default_factory=list)          # repo changed since export, file did not
    dropped: list[str] = field(default_factory=list)            # saved by someone else during the import
    unchanged: int = 0
    written: bool = False
    dry_run: bool = False

    def lines(self) -> list[str]:
        lang = self.lang
        out = [f"{lang} {change}" for change in self.changes]
        out += [f"{lang} {sid}: suggestion from {Path(self.file).name} (fuzzy, to review)"
                for sid in self.added_suggestions]
        out += [f"{lang} {sid}: the English changed since the export: stored as fuzzy, to review against "
                "the new English" for sid in self.outdated]
        out += [f"{lang} {sid}: --force: the file's translation replaces a change made in {self.catalog} since "
                "the export" for sid in self.conflicts]
        out += [f"{lang} {sid}: kept the repository's newer translation (the file left this unit as exported)"
                for sid in self.kept_repo]
        out += [f"{lang} {sid}: no such segment in issue {self.issue_id} any more: not imported"
                for sid in self.unknown]
        out += [f"{lang} {sid}: kept as it was saved in {self.catalog} during the import (the file's text "
                "was dropped)" for sid in self.dropped]
        verb = "would add" if self.dry_run else "added"
        if self.kind == "tmx":
            out.append(f"{lang}: {verb} {len(self.added_suggestions)} suggestion(s) from {self.file} to "
                       f"{self.catalog} (fuzzy), {self.unchanged} translated segment(s) left as they were")
        else:
            verb = "would change" if self.dry_run else "changed"
            out.append(f"{lang}: {verb} {len(self.changed)} segment(s) in {self.catalog}, "
                       f"{self.unchanged} unchanged")
        return out


def import_memory(path: Path, dry_run: bool = False, force: bool = False,
                  newsletters_dir: Path | None = None) -> ImportReport:
    """Merge an XLIFF file back into its catalog, or add a TMX's translations as fuzzy suggestions.

    Everything is decided before anything is written; a refused import writes nothing, and a
    dry run takes no lock and writes nothing.
    """
    from .issue import find_newsletters_dir

    path = Path(path)
    newsletters_dir = newsletters_dir or find_newsletters_dir()
    root = _parse(path)
    kind = _local(root.tag)
    if kind == "xliff":
        return _import_xliff(path, root, dry_run, force, newsletters_dir)
    if kind == "tmx":
        return _import_tmx(path, root, dry_run, newsletters_dir)
    raise PipelineError(f"{shown_path(path)}:{root.sourceline}: <{kind}> is neither XLIFF (<xliff>) nor TMX "
                        "(<tmx>)")


def _parse(path: Path) -> etree._Element:
    shown = shown_path(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"{shown}: cannot read this file ({exc.strerror})") from None
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = _LOCATION.sub("", exc.msg or str(exc))
        raise PipelineError(f"{shown}:{line}:{column}: not valid XML ({message}); fix the file or export it "
                            "again from the CAT tool") from None


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _text(element) -> str:
    """The text a reader sees: marked-up text (<g>, <mrk>, <hi>) kept, native codes left out."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) not in _CODE_ELEMENTS:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _primary(lang: str) -> str:
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


@dataclass
class _FileUnit:
    line: int
    id: str
    source: str
    target: str          # "" when there is none or it is empty
    reviewed: bool
    base: str | None


def _xliff_target(file_el, path: Path, newsletters_dir: Path):
    """(issue, lang) named by `<file original="<issue-id>/<lang>.po">`."""
    from .issue import issue_ids, load_issue

    shown = shown_path(path)
    original = file_el.get("original", "")
    found = re.fullmatch(r"(?:.*[/\\])?([^/\\]+)[/\\]([^/\\]+)\.po", original)
    if not found:
        raise PipelineError(f"{shown}:{file_el.sourceline}: <file original={original!r}>: expected "
                            "'<issue-id>/<lang>.po', as `newsletter memory export` writes it")
    issue_id, lang = found.groups()
    if issue_id not in issue_ids(newsletters_dir):
        raise PipelineError(f"{shown}:{file_el.sourceline}: the file is for issue {issue_id!r}, which "
                            f"{shown_path(newsletters_dir)} does not have")
    issue = load_issue(issue_id, newsletters_dir)
    if lang not in issue.target_languages:
        raise PipelineError(f"{shown}:{file_el.sourceline}: {lang!r} is not a language of issue {issue_id} "
                            f"({' '.join(issue.target_languages)})")
    declared = file_el.get("target-language")
    if declared and _primary(declared) != _primary(lang):
        raise PipelineError(f"{shown}:{file_el.sourceline}: target-language={declared!r} but the file is "
                            f"{original!r}: which language is it?")
    source = file_el.get("source-language")
    if source and _primary(source) != _primary(issue.project.source_language):
        raise PipelineError(f"{shown}:{file_el.sourceline}: source-language={source!r}, but the issues are "
                            f"written in {issue.project.source_language!r}")
    return issue, lang


def _xliff_units(path: Path, file_el) -> list[_FileUnit]:
    shown, problems, units, first = shown_path(path), [], [], {}
    for unit in file_el.iter():
        if _local(unit.tag) != "trans-unit":
            continue
        line = unit.sourceline or 0
        unit_id = unit.get("resname") or unit.get("id") or ""
        sources, targets = _children(unit, "source"), _children(unit, "target")
        if not unit_id:
            problems.append(Problem(shown, line, 0, "trans-unit", "no id or resname: which segment is it?"))
            continue
        if unit_id in first:
            problems.append(Problem(shown, line, 0, f"trans-unit {unit_id!r}",
                                    f"appears twice (first at line {first[unit_id]}); keep one"))
            continue
        first[unit_id] = line
        if not sources:
            problems.append(Problem(shown, line, 0, f"trans-unit {unit_id!r}", "has no <source>"))
            continue
        target = targets[0] if targets else None
        text = _text(target) if target is not None else ""
        state = target.get("state") if target is not None else None
        reviewed = state in _REVIEWED_STATES or (state is None and unit.get("approved") == "yes")
        units.append(_FileUnit(line, unit_id, _text(sources[0]), text if text.strip() else "", reviewed,
                               unit.get(BASE)))
    if problems:
        raise ValidationError(problems)
    return units


def _import_xliff(path: Path, root, dry_run: bool, force: bool, newsletters_dir: Path) -> ImportReport:
    files = _children(root, "file")
    if len(files) != 1:
        raise PipelineError(f"{shown_path(path)}:{root.sourceline}: expected one <file> (one issue and "
                            f"language), found {len(files)}")
    issue, lang = _xliff_target(files[0], path, newsletters_dir)
    units = _xliff_units(path, files[0])
    po_path = catalog_path(issue.folder, lang)
    if dry_run:
        return _merge_xliff(path, issue, lang, units, CatalogFile(po_path), force, write=False)
    with exclusive([po_path], "run `newsletter memory import`"):
        return _merge_xliff(path, issue, lang, units, CatalogFile(po_path), force, write=True)


def _merge_xliff(path: Path, issue, lang: str, units: list[_FileUnit], catalog: CatalogFile, force: bool,
                 write: bool) -> ImportReport:
    segments = extract_segments(issue)
    by_id = {s.id: s for s in segments}
    report = ImportReport(shown_path(path), "xliff", issue.id, lang, shown_path(catalog.path), dry_run=not write)
    plan: list[tuple[Segment, _FileUnit, bool]] = []
    why: list[str] = []
    for unit in units:
        segment = by_id.get(unit.id)
        if segment is None:
            report.unknown.append(unit.id)
            continue
        if not unit.target:          # an empty target leaves the entry as it is
            report.unchanged += 1
            continue
        outdated = _norm(unit.source) != segment.source
        ours = _repo_unit(catalog.entry(unit.id), segment)
        theirs = (unit.target, not unit.reviewed or outdated)
        if theirs == ours:
            report.unchanged += 1
            continue
        if unit.base is None:
            conflict = f"{unit.id}: no base fingerprint (np:base) on the unit: cannot tell what changed"
        else:
            if fingerprint(unit.target, not unit.reviewed) == unit.base:   # the translator left it alone
                if fingerprint(*ours) != unit.base:
                    report.kept_repo.append(unit.id)
                else:
                    report.unchanged += 1
                continue
            base_text = unit.base.partition(":")[2]
            # With new English, the repository's sync marks the old translation fuzzy: only a
            # changed text counts as the repository's change then.
            repo_changed = (_text_hash(ours[0]) != base_text if outdated
                            else fingerprint(*ours) != unit.base)
            conflict = (f"{unit.id}: changed in {report.file} and in {report.catalog} since the export"
                        if repo_changed else None)
        if conflict:
            report.conflicts.append(unit.id)
            why.append(f"{report.file}:{unit.line}: {conflict}")
            if not force:
                continue
        plan.append((segment, unit, outdated))
    if report.conflicts and not force:
        listed = why[:MAX_SHOWN] + ([f"… and {len(why) - MAX_SHOWN} more conflicts"] if len(why) > MAX_SHOWN else [])
        raise PipelineError("import refused, nothing written: conflicting changes\n  " + "\n  ".join(listed)
                            + "\nExport a fresh file and carry your changes over, or use --force to take the "
                              "file's translations for these units.")
    order = [s.id for s in segments]
    for segment, unit, outdated in plan:
        entry = _entry_for(catalog, segment, order)
        old = _repo_unit(entry, segment)
        reviewed = unit.reviewed and not outdated
        _apply(entry, segment, unit.target, reviewed, unit.source if outdated else None)
        report.changed.append(segment.id)
        report.changes.append(Change(segment.id, old[0], _state(*old), unit.target,
                                     REVIEWED if reviewed else FUZZY))
        if outdated:
            report.outdated.append(segment.id)
    if write and report.changed:
        report.written = catalog.save(lang, issue.id)
        report.dropped = list(catalog.dropped)
    return report


def _entry_for(catalog: CatalogFile, segment: Segment, order: list[str]) -> polib.POEntry:
    """The segment's entry; a new one (or a revived obsolete one) where reading order puts it."""
    entry = catalog.entry(segment.id)
    if entry is not None:
        return entry
    obsolete = next((e for e in catalog.catalog if e.msgctxt == segment.id and e.obsolete), None)
    if obsolete is not None:
        catalog.catalog.remove(obsolete)
        obsolete.obsolete = False
        entry = obsolete
    else:
        entry = polib.POEntry(msgctxt=segment.id, msgid=segment.source, msgstr="")
    entry.comment = segment.note
    positions = {e.msgctxt: i for i, e in enumerate(catalog.catalog) if not e.obsolete}
    earlier = order[:order.index(segment.id)]
    where = next((positions[sid] + 1 for sid in reversed(earlier) if sid in positions), 0)
    catalog.catalog.insert(where, entry)
    return entry


def _apply(entry: polib.POEntry, segment: Segment, text: str, reviewed: bool, translated_from: str | None) -> None:
    """Store a translator's text: reviewed, or fuzzy (with the English it was made for, if older)."""
    entry.msgid = segment.source
    entry.msgstr = text
    if reviewed:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
    elif "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    entry.previous_msgid = translated_from if translated_from and not reviewed else None
    if entry.tcomment:   # a person wrote this text: the machine's notes no longer describe it
        entry.tcomment = "\n".join(line for line in entry.tcomment.split("\n")
                                   if not line.startswith(MACHINE_NOTE_PREFIXES))


# --- TMX import -----------------------------------------------------------------------------

def _tmx_lang(element) -> str:
    return element.get(XML_LANG) or element.get("lang") or ""   # TMX 1.1 wrote `lang`


def _import_tmx(path: Path, root, dry_run: bool, newsletters_dir: Path) -> ImportReport:
    from .issue import issue_ids, load_issue

    shown = shown_path(path)
    header = next(iter(_children(root, "header")), None)
    body = next(iter(_children(root, "body")), None)
    if body is None:
        raise PipelineError(f"{shown}:{root.sourceline}: <tmx> has no <body>")
    ids = issue_ids(newsletters_dir)
    named = next((_text(p).strip() for p in (_children(header, "prop") if header is not None else [])
                  if p.get("type") == "x-issue"), "")
    if named in ids:
        issue_id = named
    elif ids:
        issue_id = ids[-1]
    else:
        raise PipelineError(f"{shown}: no issues in {shown_path(newsletters_dir)} to add suggestions to")
    issue = load_issue(issue_id, newsletters_dir)
    source_lang = issue.project.source_language
    english_of: dict[str, str] = {}   # TMX language -> matched issue language
    memory: dict[str, dict[str, str]] = {}
    for tu in body.iter():
        if _local(tu.tag) != "tu":
            continue
        texts: dict[str, str] = {}
        for tuv in _children(tu, "tuv"):
            seg = next(iter(_children(tuv, "seg")), None)
            tuv_lang = _tmx_lang(tuv)
            if seg is not None and tuv_lang:
                texts.setdefault(tuv_lang, _norm(_text(seg)))
        english = next((t for code, t in texts.items() if _primary(code) == _primary(source_lang)), "")
        for code, text in texts.items():
            if _primary(code) == _primary(source_lang):
                continue
            english_of.setdefault(code, _matching_language(code, issue.target_languages) or "")
            if english and text:
                memory.setdefault(code, {}).setdefault(english, text)
    matched = sorted({lang for lang in english_of.values() if lang})
    if len(matched) != 1:
        found = ", ".join(sorted(english_of)) or "none"
        what = "none of them is" if not matched else f"several are ({', '.join(matched)}); import one at a time"
        raise PipelineError(f"{shown}: a TMX with translations from {source_lang} into one of issue {issue_id}'s "
                            f"languages ({' '.join(issue.target_languages)}) was expected; it has {found}: {what}")
    lang = matched[0]
    suggestions: dict[str, str] = {}
    for code, pairs in memory.items():
        if english_of.get(code) == lang:
            for english, text in pairs.items():
                suggestions.setdefault(english, text)
    po_path = catalog_path(issue.folder, lang)
    if dry_run:
        return _add_suggestions(path, issue, lang, suggestions, CatalogFile(po_path), write=False)
    with exclusive([po_path], "run `newsletter memory import`"):
        return _add_suggestions(path, issue, lang, suggestions, CatalogFile(po_path), write=True)


def _matching_language(code: str, languages: list[str]) -> str | None:
    lowered = {lang.lower().replace("_", "-"): lang for lang in languages}
    exact = lowered.get(code.lower().replace("_", "-"))
    if exact:
        return exact
    primary = [lang for lang in languages if _primary(lang) == _primary(code)]
    return primary[0] if len(primary) == 1 else None


def _add_suggestions(path: Path, issue, lang: str, suggestions: dict[str, str], catalog: CatalogFile,
                     write: bool) -> ImportReport:
    report = ImportReport(shown_path(path), "tmx", issue.id, lang, shown_path(catalog.path), dry_run=not write)
    segments = extract_segments(issue)
    order = [s.id for s in segments]
    note = f"suggestion from TMX {path.name}"
    for segment in segments:
        entry = catalog.entry(segment.id)
        if entry is not None and entry.msgstr:
            report.unchanged += 1        # a translation, reviewed or fuzzy, is never touched
            continue
        text = suggestions.get(segment.source)
        if not text:
            continue
        entry = _entry_for(catalog, segment, order)
        entry.msgid = segment.source
        entry.msgstr = text
        entry.previous_msgid = None
        if "fuzzy" not in entry.flags:
            entry.flags.append("fuzzy")
        entry.tcomment = "\n".join(line for line in [entry.tcomment or "", note] if line)
        report.added_suggestions.append(segment.id)
        report.changed.append(segment.id)
    if write and report.added_suggestions:
        report.written = catalog.save(lang, issue.id)
        report.dropped = list(catalog.dropped)
    return report
