"""Review round trip: one language's glossary out to a sheet, and the reviewed sheet back in.

Formats: CSV (UTF-8 with BOM so Excel and LibreOffice detect the encoding), XLSX
(openpyxl; status as a drop-down, read-only columns greyed), TBX-Basic (for CAT tools;
do-not-translate and forbidden mapped the way Weblate reads them).

Every exported row carries a `base` fingerprint of the row as it was in the repo. On import
a row whose values still equal its base was not edited in the sheet, so the repo's current
value stays, whatever a colleague did to it since. A row edited in the sheet is applied if
the repo row still matches its base; if both changed, the import is refused and nothing is
written (`force` takes the sheet's values for those rows only).

Sheets are data, never code: every XLSX cell is text, and a CSV cell a spreadsheet would run
as a formula (OWASP "CSV injection") gets a leading `'` that the import removes again, so an
unmodified round trip changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PipelineError, Problem, ValidationError
from ..files import exclusive, shown_path, write_atomic
from .termbase import (LANGUAGE_COLUMNS, LanguageTerm, Termbase, csv_records, language_term_from_row,
                       read_language_file, split_list, write_language, write_text_atomic)

SHEET_COLUMNS = ["lang", "concept", "english", "definition", "do_not_translate", "term", "status", "variants",
                 "forbidden", "forbidden_reason", "note", "used_in_english", "used_in_translation", "base"]
EDITABLE = ["term", "status", "variants", "forbidden", "forbidden_reason", "note"]
FORMATS = ("csv", "xlsx", "tbx")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# A review sheet has one row per concept; far more is a wrong or hostile file, refused before
# it is read whole (a 1.6-million-row sheet took minutes and gigabytes).
MAX_ROWS = 10_000
MAX_SHOWN = 50  # problems or conflicts printed; the rest are counted
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LANG_CODE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*")


def fingerprint(editable: tuple) -> str:
    return hashlib.sha256("\x1f".join(editable).encode()).hexdigest()[:12]


def _csv_cell(value: str) -> str:
    """`'=…` for a cell a spreadsheet would run as a formula (OWASP "CSV injection").

    A value that already looks escaped (`'=a`, `''+1`) gets one more quote, so the import,
    which removes one quote from quotes followed by a formula character, gets every value back.
    """
    return "'" + value if value.lstrip("'").startswith(_FORMULA_START) else value


def _from_csv_cell(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START) else cell


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
            # A row left empty shows no status; any other status must survive the round trip.
            "term": term.term, "status": term.status if term.term or term.status != "proposed" else "",
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
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(SHEET_COLUMNS)
        writer.writerows([_csv_cell(row[c]) for c in SHEET_COLUMNS] for row in rows)
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
    for number, row in enumerate(rows, start=2):
        for index, name in enumerate(SHEET_COLUMNS, start=1):
            cell = sheet.cell(number, index, row[name])
            cell.data_type = "s"  # text even when it starts with "=": a sheet never runs formulas
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


_REASON = "forbidden_reason: "
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
        forbidden = split_list(row["forbidden"])
        if row["forbidden_reason"] and not forbidden:  # no forbidden term to carry it
            ET.SubElement(target, "note").text = f"{_REASON}{row['forbidden_reason']}"
        if row["term"] or row["status"] or row["note"]:  # an empty term too, to carry its status or note
            _tig(target, row["term"], _TBX_STATUS[row["status"] or "proposed"], "fullForm", row["note"])
        for variant in split_list(row["variants"]):
            _tig(target, variant, "admittedTerm-admn", "variant", "")
        for wrong in forbidden:
            _tig(target, wrong, "forbidden", "", row["forbidden_reason"])
    ET.indent(martif)
    # XML parsers turn a carriage return in text into a line feed; as a reference it survives.
    text = ET.tostring(martif, encoding="unicode").replace("\r", "&#13;")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


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
    forced: list[str] = field(default_factory=list)        # changed in both; --force took the sheet's
    conflicts: list[str] = field(default_factory=list)
    unchanged: int = 0
    written: Path | None = None


Where = tuple[str, int]  # (file, spreadsheet row), or (file: termEntry 'id', 0) in a TBX file


def read_sheet(path: Path, max_rows: int = MAX_ROWS) -> tuple[str, list[tuple[Where, dict]]]:
    """(language, [(where, row)]) from a CSV, XLSX or TBX review sheet of at most `max_rows` rows."""
    suffix = path.suffix.lower().lstrip(".")
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    if suffix == "csv":
        rows = _read_csv(path, max_rows)
    elif suffix == "xlsx":
        rows = _read_xlsx(path, max_rows)
    elif suffix == "tbx":
        lang, rows = _read_tbx(path, max_rows)
        return _language_code(path, lang), rows
    else:
        raise PipelineError(f"{path}: unknown sheet format (use .csv, .xlsx or .tbx)")
    langs = {row.get("lang", "") for _, row in rows} - {""}
    if len(langs) != 1:
        raise PipelineError(f"{path}: the 'lang' column must name one language, found {sorted(langs) or 'none'}")
    return _language_code(path, langs.pop()), rows


def _language_code(path: Path, lang: str) -> str:
    """The sheet names the file written (glossary/<lang>.csv): never a path."""
    if not _LANG_CODE.fullmatch(lang):
        raise PipelineError(f"{path}: {lang!r} is not a language code such as 'pl' or 'pt-BR'")
    return lang


def _too_many(path: Path, max_rows: int) -> PipelineError:
    return PipelineError(f"{shown_path(path)}: more than {max_rows:,} rows, but a review sheet has one row per "
                         "concept: import a sheet made by `newsletter glossary export`")


def _read_csv(path: Path, max_rows: int) -> list[tuple[Where, dict]]:
    display, number, rows = shown_path(path), 0, []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            # The header shows the delimiter: spreadsheets in many European locales save with ';'.
            records = csv_records(itertools.chain([first], handle), max(",;\t", key=first.count))
            number, _, cells = next(records, (1, "", []))
            header = [h.strip() for h in cells]
            _check_header(path, header)
            for number, _, cells in records:  # spreadsheet row numbers, not text lines
                if number > max_rows + 1:
                    raise _too_many(path, max_rows)
                row = {name: _from_csv_cell(cell).strip() for name, cell in zip(header, cells) if name}
                if any(row.values()):
                    rows.append(((display, number), row))
    except UnicodeDecodeError:
        raise PipelineError(f"{path}: not UTF-8; in LibreOffice/Excel save as 'CSV UTF-8'") from None
    except csv.Error as exc:
        raise PipelineError(f"{display}:{number + 1}: not valid CSV ({exc})") from None
    return rows


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in ["lang", "concept", *EDITABLE, "base"] if c not in header]
    if missing:
        raise PipelineError(f"{shown_path(path)}:1: missing column(s) {', '.join(missing)}: "
                            "import a sheet made by `newsletter glossary export`")


def _read_xlsx(path: Path, max_rows: int) -> list[tuple[Where, dict]]:
    import openpyxl  # imported here: ~75 ms, and only sheets need it
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)  # read_only: row by row
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise PipelineError(f"{path}: cannot read this XLSX file ({exc})") from None
    display, rows = shown_path(path), []
    try:
        values = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(values, ())]
        if not any(header):
            raise PipelineError(f"{path}: the sheet is empty")
        _check_header(path, header)
        for number, cells in enumerate(values, start=2):
            if number > max_rows + 1:
                raise _too_many(path, max_rows)
            row = {h: ("" if v is None else str(v)).strip() for h, v in zip(header, cells) if h}
            if any(row.values()):
                rows.append(((display, number), row))
    except PipelineError:
        raise
    except Exception as exc:
        raise PipelineError(f"{path}: cannot read this XLSX file ({exc})") from None
    finally:
        book.close()
    return rows


def _read_tbx(path: Path, max_rows: int) -> tuple[str, list[tuple[Where, dict]]]:
    rows: list[tuple[Where, dict]] = []
    langs: set[str] = set()
    try:
        with path.open("rb") as handle:
            for _, element in ET.iterparse(handle):  # entry by entry, so a huge file is refused early
                if element.tag == "termEntry":
                    rows.extend(_tbx_rows(path, element, langs))
                    element.clear()
                    if len(rows) > max_rows:
                        raise _too_many(path, max_rows)
    except ET.ParseError as exc:
        line, column = exc.position
        raise PipelineError(f"{shown_path(path)}:{line}:{column}: not valid XML ({exc})") from None
    if len(langs) != 1:
        raise PipelineError(f"{path}: expected one target language, found {sorted(langs) or 'none'}")
    return langs.pop(), rows


def _tbx_rows(path: Path, entry: ET.Element, langs: set[str]):
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
        reasons = reasons or [n.text[len(_REASON):].strip() for n in lang_set.findall("note")
                              if (n.text or "").startswith(_REASON)]
        row.update(variants=" | ".join(variants), forbidden=" | ".join(forbidden),
                   forbidden_reason="; ".join(reasons))
        yield (f"{shown_path(path)}: termEntry {concept!r}", 0), row


def import_sheet(termbase: Termbase, path: Path, *, force: bool = False, dry_run: bool = False) -> ImportReport:
    """Merge a reviewed sheet into glossary/<lang>.csv; refuse conflicts; write atomically.

    The merge holds the file's lock and compares with the file as it is then, not as loaded
    before, so an edit or another import that finished meanwhile is merged with, never lost.
    A dry run writes nothing, so it takes no lock.
    """
    lang, rows = read_sheet(path, max(MAX_ROWS, 10 * len(termbase.concepts)))
    if dry_run:
        return _merge(termbase, lang, rows, force, write=False)
    with exclusive([termbase.language_path(lang)], "run the import"):
        return _merge(termbase, lang, rows, force, write=True)


def _merge(termbase: Termbase, lang: str, rows: list[tuple[Where, dict]], force: bool, write: bool) -> ImportReport:
    problems: list[Problem] = []
    repo_path = termbase.language_path(lang)
    original = read_language_file(repo_path, termbase.concepts, problems)
    if problems:
        raise _refusal(problems)
    current = original.terms
    merged = dict(current)
    report = ImportReport(lang)
    seen: set[str] = set()
    for where, row in rows:
        if not row.get("term") and not row.get("status") and row.get("concept") in termbase.concepts \
                and row.get("concept") not in current:
            continue  # an empty row the translator did not fill
        item = language_term_from_row({c: row.get(c, "") for c in LANGUAGE_COLUMNS}, termbase.concepts,
                                      where, problems)
        if item is None:
            continue
        if item.concept in seen:
            problems.append(Problem(*where, 0, "concept", f"{item.concept!r} appears twice"))
            continue
        seen.add(item.concept)
        repo_editable = current[item.concept].editable() if item.concept in current else _EMPTY
        sheet_editable = item.editable()
        base = row.get("base", "")
        if sheet_editable == repo_editable:
            report.unchanged += 1
        elif fingerprint(sheet_editable) == base:
            report.kept_repo.append(item.concept)  # not edited in the sheet: a colleague's newer value stays
        elif fingerprint(repo_editable) == base or force:
            if fingerprint(repo_editable) != base:
                report.forced.append(item.concept)
            merged[item.concept] = item
            report.changes.extend(_diff(item.concept, repo_editable, sheet_editable))
        else:
            shown = f"{where[0]}:{where[1]}" if where[1] else where[0]
            why = (f"changed in the sheet and in {shown_path(repo_path)} since the export" if base else
                   "no base fingerprint (the sheet's 'base' column is empty): cannot tell what changed")
            report.conflicts.append(f"{shown}: {item.concept}: {why}")
    if problems:
        raise _refusal(problems)
    if report.conflicts:
        listed = report.conflicts[:MAX_SHOWN] + _more(len(report.conflicts), "conflicts")
        raise PipelineError("import refused, nothing written: conflicting changes\n  " + "\n  ".join(listed)
                            + "\nExport a fresh sheet and carry your changes over, or use --force to take the "
                              "sheet's values for the rows you changed.")
    if report.changes and write:
        report.written = write_language(termbase, lang, merged, original)
    return report


def _more(count: int, what: str) -> list[str]:
    return [f"… and {count - MAX_SHOWN} more {what}"] if count > MAX_SHOWN else []


def _refusal(problems: list[Problem]) -> ValidationError:
    """Every problem, but only the first MAX_SHOWN printed: thousands of lines help no one."""
    error = ValidationError(problems)
    if len(error.problems) > MAX_SHOWN:
        error.message = "\n".join([*(str(p) for p in error.problems[:MAX_SHOWN]),
                                   *_more(len(error.problems), "problems"), f"{len(error.problems)} problems found"])
    return error


def _diff(concept: str, old: tuple, new: tuple) -> list[Change]:
    return [Change(concept, name, a, b) for name, a, b in zip(EDITABLE, old, new) if a != b]
