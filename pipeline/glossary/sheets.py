"""Review round trip: one language's glossary out to a sheet, and the reviewed sheet back in.

Formats: CSV (UTF-8 with BOM so Excel and LibreOffice detect the encoding), XLSX
(openpyxl; status as a drop-down, read-only columns greyed), TBX-Basic (for CAT tools;
do-not-translate and forbidden mapped the way Weblate reads them).

Every exported row carries a `base` fingerprint of the row as it was in the repo.
On import a row changed in the sheet is applied only if the repo row still matches
that base; if both changed, the import is refused and nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PipelineError, Problem, ValidationError
from ..files import write_atomic
from .termbase import (LANGUAGE_COLUMNS, LanguageTerm, Termbase, _display, language_term_from_row, split_list,
                       write_language, write_text_atomic)

SHEET_COLUMNS = ["lang", "concept", "english", "definition", "do_not_translate", "term", "status", "variants",
                 "forbidden", "forbidden_reason", "note", "used_in_english", "used_in_translation", "base"]
EDITABLE = ["term", "status", "variants", "forbidden", "forbidden_reason", "note"]
FORMATS = ("csv", "xlsx", "tbx")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def fingerprint(editable: tuple) -> str:
    return hashlib.sha256("\x1f".join(editable).encode()).hexdigest()[:12]


def _editable_from_sheet(row: dict) -> tuple:
    """A sheet row's editable values, normalized like the repo's (lists re-joined)."""
    return (row.get("term", ""), (row.get("status") or "proposed").lower(),
            "|".join(split_list(row.get("variants", ""))), "|".join(split_list(row.get("forbidden", ""))),
            row.get("forbidden_reason", ""), row.get("note", ""))


# --- export ---------------------------------------------------------------------------------

@dataclass
class Usage:
    english: list[str] = field(default_factory=list)
    translation: list[str] = field(default_factory=list)


def usages(termbase: Termbase, lang: str, issues) -> dict[str, Usage]:
    """Up to two example sentences per concept from the newsletters, with their translations."""
    from ..memory import catalog_path, read_entries, translations
    from ..segments import extract_segments
    from .qa import TermChecker, plain

    checker = TermChecker(termbase, lang)
    found: dict[str, Usage] = {}
    for issue in issues:
        segments = extract_segments(issue)
        valid = translations(read_entries(catalog_path(issue.folder, lang)), segments)
        for segment in segments:
            for concept in checker.concepts_in_source(segment.source):
                usage = found.setdefault(concept.id, Usage())
                if len(usage.english) < 2 and plain(segment.source) not in usage.english:
                    usage.english.append(plain(segment.source))
                    usage.translation.append(plain(valid[segment.id].text) if segment.id in valid else "")
    return found


def sheet_rows(termbase: Termbase, lang: str, issues=()) -> list[dict]:
    used = usages(termbase, lang, issues)
    rows = []
    for concept in termbase.concepts.values():
        term = termbase.terms(lang).get(concept.id) or LanguageTerm(concept.id, status="proposed")
        usage = used.get(concept.id, Usage())
        rows.append({
            "lang": lang, "concept": concept.id, "english": concept.english, "definition": concept.definition,
            "do_not_translate": "yes" if concept.do_not_translate else "no",
            "term": term.term, "status": term.status if term.term else "",
            "variants": " | ".join(term.variants), "forbidden": " | ".join(term.forbidden),
            "forbidden_reason": term.forbidden_reason, "note": term.note,
            "used_in_english": "\n".join(usage.english), "used_in_translation": "\n".join(usage.translation),
            "base": fingerprint(term.editable() if concept.id in termbase.terms(lang) else _EMPTY),
        })
    return rows


_EMPTY = LanguageTerm("", status="proposed").editable()


def export_sheet(termbase: Termbase, lang: str, path: Path, fmt: str, issues=()) -> int:
    rows = sheet_rows(termbase, lang, issues)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=SHEET_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        write_text_atomic(path, out.getvalue(), encoding="utf-8-sig")
    elif fmt == "xlsx":
        _write_xlsx(rows, lang, path)
    elif fmt == "tbx":
        write_text_atomic(path, _tbx(termbase, lang, rows))
    else:
        raise PipelineError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    return len(rows)


def _write_xlsx(rows: list[dict], lang: str, path: Path) -> None:
    import openpyxl  # imported here: ~75 ms, and only sheets need it
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"glossary-{lang}"
    sheet.append(SHEET_COLUMNS)
    for row in rows:
        sheet.append([row[c] for c in SHEET_COLUMNS])
    grey = PatternFill("solid", fgColor="EEEEEE")
    widths = {"concept": 26, "english": 28, "definition": 40, "term": 32, "variants": 32, "forbidden": 28,
              "forbidden_reason": 30, "note": 30, "used_in_english": 50, "used_in_translation": 50}
    for index, name in enumerate(SHEET_COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(name, 12)
        sheet.cell(1, index).font = Font(bold=True)
        if name not in EDITABLE:
            for cell in sheet[letter][1:]:
                cell.fill = grey
        for cell in sheet[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[openpyxl.utils.get_column_letter(SHEET_COLUMNS.index("base") + 1)].hidden = True
    status_column = openpyxl.utils.get_column_letter(SHEET_COLUMNS.index("status") + 1)
    validation = DataValidation(type="list", formula1='"approved,proposed,forbidden"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(f"{status_column}2:{status_column}{len(rows) + 1}")
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())


_TBX_STATUS = {"approved": "preferredTerm-admn", "proposed": "admittedTerm-admn", "forbidden": "forbidden"}
_FROM_TBX_STATUS = {"preferredterm-admn": "approved", "admittedterm-admn": "proposed", "forbidden": "forbidden",
                    "obsolete": "forbidden", "deprecatedterm-admn": "forbidden", "supersededterm-admn": "forbidden"}


def _tbx(termbase: Termbase, lang: str, rows: list[dict]) -> str:
    """TBX-Basic; forbidden as administrativeStatus "forbidden" and do-not-translate as
    <descrip type="Translation needed">No</descrip>, which is how Weblate reads them."""
    martif = ET.Element("martif", {"type": "TBX-Basic", XML_LANG: "en"})
    header = ET.SubElement(ET.SubElement(martif, "martifHeader"), "fileDesc")
    ET.SubElement(ET.SubElement(header, "sourceDesc"), "p").text = f"SECON glossary: en -> {lang}"
    body = ET.SubElement(ET.SubElement(martif, "text"), "body")
    for row in rows:
        concept = termbase.concepts[row["concept"]]
        entry = ET.SubElement(body, "termEntry", {"id": concept.id})
        if concept.definition:
            ET.SubElement(entry, "descrip", {"type": "definition"}).text = concept.definition
        if concept.do_not_translate:
            ET.SubElement(entry, "descrip", {"type": "Translation needed"}).text = "No"
        ET.SubElement(entry, "note").text = f"base:{row['base']}"
        source = ET.SubElement(ET.SubElement(entry, "langSet", {XML_LANG: "en"}), "tig")
        ET.SubElement(source, "term").text = concept.english
        if concept.part_of_speech:
            ET.SubElement(source, "termNote", {"type": "partOfSpeech"}).text = concept.part_of_speech
        target = ET.SubElement(entry, "langSet", {XML_LANG: lang})
        if row["term"]:
            _tig(target, row["term"], _TBX_STATUS[row["status"] or "proposed"], "fullForm", row["note"])
        for variant in split_list(row["variants"]):
            _tig(target, variant, "admittedTerm-admn", "variant", "")
        for wrong in split_list(row["forbidden"]):
            _tig(target, wrong, "forbidden", "", row["forbidden_reason"])
    ET.indent(martif)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(martif, encoding="unicode") + "\n"


def _tig(parent, term: str, status: str, term_type: str, note: str) -> None:
    tig = ET.SubElement(parent, "tig")
    ET.SubElement(tig, "term").text = term
    ET.SubElement(tig, "termNote", {"type": "administrativeStatus"}).text = status
    if term_type:
        ET.SubElement(tig, "termNote", {"type": "termType"}).text = term_type
    if note:
        ET.SubElement(tig, "note", {"from": "translator"}).text = note


# --- import ---------------------------------------------------------------------------------

@dataclass
class Change:
    concept: str
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.concept}: {self.field}: {self.old!r} -> {self.new!r}"


@dataclass
class ImportReport:
    lang: str
    changes: list[Change] = field(default_factory=list)
    kept_repo: list[str] = field(default_factory=list)     # repo changed since export, sheet did not
    conflicts: list[str] = field(default_factory=list)
    unchanged: int = 0
    written: Path | None = None


def read_sheet(path: Path) -> tuple[str, list[tuple[str, dict]]]:
    """(language, [(location, row)]) from a CSV, XLSX or TBX review sheet."""
    suffix = path.suffix.lower().lstrip(".")
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    if suffix == "csv":
        rows = _read_csv(path)
    elif suffix == "xlsx":
        rows = _read_xlsx(path)
    elif suffix == "tbx":
        return _read_tbx(path)
    else:
        raise PipelineError(f"{path}: unknown sheet format (use .csv, .xlsx or .tbx)")
    langs = {row.get("lang", "") for _, row in rows} - {""}
    if len(langs) != 1:
        raise PipelineError(f"{path}: the 'lang' column must name one language, found {sorted(langs) or 'none'}")
    return langs.pop(), rows


def _read_csv(path: Path) -> list[tuple[str, dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PipelineError(f"{path}: not UTF-8; in LibreOffice/Excel save as 'CSV UTF-8'") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    _check_header(path, reader.fieldnames or [])
    # Spreadsheet row numbers (header = row 1), not text lines: cells may hold line breaks.
    return [(f"{_display(path)}:{number}", {k.strip(): (v or "").strip() for k, v in row.items() if k})
            for number, row in enumerate(reader, start=2)
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in ["lang", "concept", *EDITABLE, "base"] if c not in [h.strip() for h in header]]
    if missing:
        raise PipelineError(f"{_display(path)}:1: missing column(s) {', '.join(missing)}: "
                            "import a sheet made by `newsletter glossary export`")


def _read_xlsx(path: Path) -> list[tuple[str, dict]]:
    import openpyxl  # imported here: ~75 ms, and only sheets need it
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise PipelineError(f"{path}: cannot read this XLSX file ({exc})") from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise PipelineError(f"{path}: the sheet is empty")
    header = [str(h or "").strip() for h in rows[0]]
    _check_header(path, header)
    result = []
    for number, values in enumerate(rows[1:], start=2):
        row = {h: ("" if v is None else str(v)).strip() for h, v in zip(header, values) if h}
        if any(row.values()):
            result.append((f"{_display(path)}:{number}", row))
    return result


def _read_tbx(path: Path) -> tuple[str, list[tuple[str, dict]]]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        line, column = exc.position
        raise PipelineError(f"{_display(path)}:{line}:{column}: not valid XML ({exc})") from None
    rows, langs = [], set()
    for entry in root.iter("termEntry"):
        concept = entry.get("id", "")
        base = next((n.text[5:] for n in entry.findall("note") if (n.text or "").startswith("base:")), "")
        for lang_set in entry.findall("langSet"):
            lang = lang_set.get(XML_LANG, "")
            if lang == "en":
                continue
            langs.add(lang)
            row = {"lang": lang, "concept": concept, "base": base, "term": "", "status": "",
                   "variants": "", "forbidden": "", "forbidden_reason": "", "note": ""}
            variants, forbidden, reasons = [], [], []
            for tig in lang_set.findall("tig"):
                term = (tig.findtext("term") or "").strip()
                notes = {n.get("type"): (n.text or "").strip() for n in tig.findall("termNote")}
                status = _FROM_TBX_STATUS.get(notes.get("administrativeStatus", "").lower(), "proposed")
                note = (tig.findtext("note") or "").strip()
                if notes.get("termType") == "fullForm" or (not row["term"] and status != "forbidden"
                                                          and notes.get("termType") != "variant"):
                    row.update(term=term, status=status, note=note)
                elif notes.get("termType") == "variant":
                    variants.append(term)
                else:
                    forbidden.append(term)
                    if note and note not in reasons:
                        reasons.append(note)
            row.update(variants=" | ".join(variants), forbidden=" | ".join(forbidden),
                       forbidden_reason="; ".join(reasons))
            rows.append((f"{_display(path)}: termEntry {concept!r}", row))
    if len(langs) != 1:
        raise PipelineError(f"{path}: expected one target language, found {sorted(langs) or 'none'}")
    return langs.pop(), rows


def import_sheet(termbase: Termbase, path: Path, *, force: bool = False, dry_run: bool = False) -> ImportReport:
    """Merge a reviewed sheet into glossary/<lang>.csv; refuse conflicts; write atomically."""
    lang, rows = read_sheet(path)
    current = dict(termbase.terms(lang))
    problems: list[Problem] = []
    merged = dict(current)
    report = ImportReport(lang)
    seen: set[str] = set()
    for where, row in rows:
        file, _, line = where.rpartition(":")
        location = (file, int(line)) if line.isdigit() else (where, 0)
        if not row.get("term") and not row.get("status") and row.get("concept") in termbase.concepts \
                and row.get("concept") not in current:
            continue  # an empty row the translator did not fill
        item = language_term_from_row({c: row.get(c, "") for c in LANGUAGE_COLUMNS}, termbase.concepts,
                                      location, problems)
        if item is None:
            continue
        if item.concept in seen:
            problems.append(Problem(location[0], location[1], 0, "concept", f"{item.concept!r} appears twice"))
            continue
        seen.add(item.concept)
        repo = current.get(item.concept)
        repo_editable = repo.editable() if repo else _EMPTY
        sheet_editable = item.editable()
        if sheet_editable == repo_editable:
            report.unchanged += 1
            continue
        base = row.get("base", "")
        if fingerprint(repo_editable) == base or force:
            merged[item.concept] = item
            report.changes.extend(_diff(item.concept, repo_editable, sheet_editable))
        elif fingerprint(sheet_editable) == base:
            report.kept_repo.append(item.concept)
        else:
            report.conflicts.append(f"{where}: {item.concept}: changed in the sheet and in "
                                    f"{_display(termbase.language_path(lang))} since the export")
    if problems:
        raise ValidationError(problems)
    if report.conflicts:
        raise PipelineError("import refused, nothing written: conflicting changes\n  " + "\n  ".join(report.conflicts)
                            + "\nExport a fresh sheet and carry your changes over, or use --force to take the "
                              "sheet's values.")
    if report.changes and not dry_run:
        report.written = write_language(termbase, lang, merged)
    return report


def _diff(concept: str, old: tuple, new: tuple) -> list[Change]:
    return [Change(concept, name, a, b) for name, a, b in zip(EDITABLE, old, new) if a != b]
