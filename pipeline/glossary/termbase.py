"""The termbase files: `glossary/concepts.csv` and `glossary/<lang>.csv`.

Why CSV, one file per language plus one for the concepts: every spreadsheet opens it,
git diffs it line by line (one row per concept), and translators of different
languages edit different files, so they never conflict. The code reads terms from
here; it never hard-codes one.

A do-not-translate concept's row in a language may name it otherwise than the English:
that is its official name there (Polish Interreg Europa), required instead of the English
(`Termbase.official_name`); the row's note must say where it is official. No extra column,
so the review sheets carry it as the term.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import Problem, ValidationError
from ..files import shown_path, write_atomic

CONCEPT_COLUMNS = ["id", "english", "definition", "part_of_speech", "do_not_translate", "case_sensitive",
                   "english_variants", "note"]
LANGUAGE_COLUMNS = ["concept", "term", "status", "variants", "forbidden", "forbidden_reason", "note"]
STATUSES = ("proposed", "approved", "forbidden")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
# Characters XML (so XLSX and TBX) cannot hold: refused here rather than failing an export.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def split_list(value: str) -> list[str]:
    """`a | b|c` -> ["a", "b", "c"]: lists inside one cell are separated by |."""
    return [part.strip() for part in (value or "").split("|") if part.strip()]


@dataclass(frozen=True)
class Concept:
    id: str
    english: str
    definition: str = ""
    part_of_speech: str = ""
    do_not_translate: bool = False
    case_sensitive: bool = False
    english_variants: tuple[str, ...] = ()
    note: str = ""

    @property
    def english_forms(self) -> list[str]:
        return [self.english, *self.english_variants]


@dataclass(frozen=True)
class LanguageTerm:
    """One concept in one language, as a translator edits it (one spreadsheet row)."""

    concept: str
    term: str = ""
    status: str = "proposed"
    variants: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    forbidden_reason: str = ""
    note: str = ""

    def editable(self) -> tuple:
        """The fields a review sheet may change, in a fixed order (for fingerprints and diffs)."""
        return (self.term, self.status, "|".join(self.variants), "|".join(self.forbidden),
                self.forbidden_reason, self.note)

    @property
    def usable(self) -> bool:
        """A term translators must use (approved) or may use while under review (proposed)."""
        return bool(self.term) and self.status in ("approved", "proposed")

    @property
    def all_forbidden(self) -> list[str]:
        """Forbidden alternatives, plus the term itself when reviewers rejected it."""
        rejected = [self.term] if self.status == "forbidden" and self.term else []
        return [*rejected, *self.forbidden]


@dataclass
class Termbase:
    root: Path
    concepts: dict[str, Concept]
    languages: dict[str, dict[str, LanguageTerm]] = field(default_factory=dict)
    # Work that depends only on the termbase, kept while it is unchanged (a preview server
    # re-checks ten editions on every save): English segment -> concepts it uses, and
    # (language, English, translation) -> findings.
    source_concepts: dict = field(default_factory=dict, repr=False, compare=False)
    check_results: dict = field(default_factory=dict, repr=False, compare=False)

    def terms(self, lang: str) -> dict[str, LanguageTerm]:
        return self.languages.get(lang, {})

    def term(self, lang: str, concept_id: str) -> LanguageTerm | None:
        """The row for a concept; do-not-translate concepts default to the English form."""
        row = self.terms(lang).get(concept_id)
        concept = self.concepts[concept_id]
        if concept.do_not_translate and (row is None or not row.term):
            return LanguageTerm(concept_id, concept.english, "approved")
        return row

    def official_name(self, lang: str, concept_id: str) -> LanguageTerm | None:
        """The row that gives a do-not-translate name its official form in `lang`, or None.

        A do-not-translate concept is written as its `term` in each language; that is the
        English unless the language's row says otherwise (Polish Interreg Europa, Bulgarian
        Интеррег Европа: Interreg Europe's official names there). Then that form is
        required as written and the English form is an error in that language; the other
        languages keep the English.
        """
        concept = self.concepts.get(concept_id)
        row = self.terms(lang).get(concept_id)
        if concept is None or not concept.do_not_translate or row is None or not row.term:
            return None
        return None if is_english_form(concept, row.term) else row

    def language_path(self, lang: str) -> Path:
        return self.root / f"{lang}.csv"


def is_english_form(concept: Concept, form: str) -> bool:
    """`form` is the concept's English term or one of its English variants (any case)."""
    return any(form.casefold() == english.casefold() for english in concept.english_forms)


# --- reading ----------------------------------------------------------------------------

def csv_records(lines: Iterable[str], delimiter: str = ",") -> Iterator[tuple[int, str, list[str]]]:
    """(row number, exact text, cells) per CSV record, reading one record at a time.

    Numbers are spreadsheet rows (header = 1; a blank line is a row too), not text lines,
    since cells may hold line breaks. The exact text lets a rewrite keep untouched rows
    byte for byte; reading lazily lets a huge sheet be refused without reading it all.
    `lines` must split only at \\n, \\r\\n and \\r (a file opened with newline="").
    """
    consumed: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    for number, cells in enumerate(csv.reader(feed(), delimiter=delimiter), start=1):
        text = "".join(consumed)
        consumed.clear()
        yield number, text, cells


@dataclass
class Record:
    """One row of a termbase file as written (concept None for a blank row)."""

    concept: str | None
    text: str
    cells: dict


@dataclass
class LanguageFile:
    """A language file as it is on disk, so that writing it back changes only changed rows."""

    terms: dict[str, LanguageTerm]
    header: str = ",".join(LANGUAGE_COLUMNS) + "\n"
    columns: list[str] = field(default_factory=lambda: list(LANGUAGE_COLUMNS))
    records: list[Record] = field(default_factory=list)
    bom: bool = False

    @property
    def newline(self) -> str:
        return "\r\n" if self.header.endswith("\r\n") else "\n"


def _read_table(path: Path, columns: list[str], problems: list[Problem]):
    """(header text, header names, [(row number, exact text, cells or None for a blank row)], BOM?),
    or None when the file cannot be read; header, encoding and CSV problems become Problems."""
    display = shown_path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(display, 1, 1, "", f"not UTF-8 text ({exc.reason}): save as CSV UTF-8"))
        return None
    records = csv_records(io.StringIO(text, newline=""))
    number, rows = 0, []
    try:
        number, header_text, names = next(records, (1, "", []))
        header = [h.strip() for h in names]
        missing = [c for c in columns if c not in header]
        if missing:
            problems.append(Problem(display, 1, 1, "", f"missing column(s): {', '.join(missing)} "
                                    f"(expected header: {','.join(columns)})"))
            return None
        for number, raw, cells in records:
            row = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header) if name}
            rows.append((number, raw, row if any(row.values()) else None))
    except csv.Error as exc:
        problems.append(Problem(display, number + 1, 0, "", f"not valid CSV ({exc})"))
        return None
    return header_text, header, rows, data.startswith(codecs.BOM_UTF8)


def _read_rows(path: Path, columns: list[str], problems: list[Problem]) -> list[tuple[int, dict]]:
    """Non-blank rows with their row numbers."""
    table = _read_table(path, columns, problems)
    return [(number, row) for number, _, row in table[2] if row is not None] if table else []


def _check_text(row: dict, columns, where, problems: list[Problem]) -> None:
    for column in columns:
        if match := _CONTROL.search(row.get(column) or ""):
            problems.append(Problem(where[0], where[1], 0, column, f"contains the control character "
                                    f"U+{ord(match.group()):04X}; remove it (spreadsheets and TBX cannot hold it)"))


def _flag(value: str, path: Path, line: int, column: str, problems: list[Problem]) -> bool:
    lowered = value.lower()
    if lowered in _YES:
        return True
    if lowered not in _NO:
        problems.append(Problem(shown_path(path), line, 0, column, f"expected yes or no, got {value!r}"))
    return False


def read_concepts(path: Path, problems: list[Problem]) -> dict[str, Concept]:
    concepts: dict[str, Concept] = {}
    for line, row in _read_rows(path, CONCEPT_COLUMNS, problems):
        _check_text(row, CONCEPT_COLUMNS, (shown_path(path), line), problems)
        cid = row["id"]
        if not cid or not row["english"]:
            problems.append(Problem(shown_path(path), line, 0, "id" if not cid else "english", "must not be empty"))
            continue
        if cid in concepts:
            problems.append(Problem(shown_path(path), line, 0, "id", f"concept {cid!r} is defined twice"))
            continue
        concepts[cid] = Concept(
            id=cid, english=row["english"], definition=row["definition"], part_of_speech=row["part_of_speech"],
            do_not_translate=_flag(row["do_not_translate"], path, line, "do_not_translate", problems),
            case_sensitive=_flag(row["case_sensitive"], path, line, "case_sensitive", problems),
            english_variants=tuple(split_list(row["english_variants"])), note=row["note"])
    return concepts


def language_term_from_row(row: dict, concepts: dict[str, Concept], where, problems: list[Problem]):
    """Validate one language row (from the repo file or a review sheet)."""
    file, line = where
    before = len(problems)
    _check_text(row, LANGUAGE_COLUMNS, where, problems)
    cid = row.get("concept", "")
    if cid not in concepts:
        problems.append(Problem(file, line, 0, "concept", f"unknown concept {cid!r} (see glossary/concepts.csv)"))
    status = (row.get("status") or "proposed").lower()
    if status not in STATUSES:
        problems.append(Problem(file, line, 0, "status", f"unknown status {row.get('status')!r} "
                                f"(use {', '.join(STATUSES)})"))
    term = row.get("term", "")
    if status == "approved" and not term:
        problems.append(Problem(file, line, 0, "term", "an approved term must not be empty"))
    forbidden = tuple(split_list(row.get("forbidden", "")))
    if term and any(f.casefold() == term.casefold() for f in forbidden):
        problems.append(Problem(file, line, 0, "forbidden", f"{term!r} is both the term and forbidden"))
    concept = concepts.get(cid)
    if concept is not None and concept.do_not_translate and term and not is_english_form(concept, term) \
            and not (row.get("note") or "").strip():
        problems.append(Problem(file, line, 0, "note", f"'{concept.english}' is not translated, so {term!r} "
                                "declares its official name in this language (required there instead of the "
                                "English): say in the note where that name is official, or write the English"))
    if len(problems) > before:
        return None
    return LanguageTerm(cid, term, status, tuple(split_list(row.get("variants", ""))), forbidden,
                        row.get("forbidden_reason", ""), row.get("note", ""))


def read_language(path: Path, concepts: dict[str, Concept], problems: list[Problem]) -> dict[str, LanguageTerm]:
    return read_language_file(path, concepts, problems).terms


def read_language_file(path: Path, concepts: dict[str, Concept], problems: list[Problem]) -> LanguageFile:
    """The terms of one language file, with the exact text of every row (empty if no file yet)."""
    if not path.is_file():
        return LanguageFile({})
    table = _read_table(path, LANGUAGE_COLUMNS, problems)
    if table is None:
        return LanguageFile({})
    header_text, header, rows, bom = table
    result = LanguageFile({}, header_text, header, [], bom)
    shown = shown_path(path)
    for line, raw, row in rows:
        item = None if row is None else language_term_from_row(row, concepts, (shown, line), problems)
        if item is not None and item.concept in result.terms:
            problems.append(Problem(shown, line, 0, "concept", f"concept {item.concept!r} has two rows"))
            item = None
        if item is not None:
            result.terms[item.concept] = item
        result.records.append(Record(item.concept if item else None, raw, row or {}))
    return result


def find_glossary_dir(newsletters_dir: Path) -> Path:
    return newsletters_dir.parent / "glossary"


_loaded: dict[Path, tuple[tuple, Termbase]] = {}


def load_termbase(root: Path) -> Termbase:
    """All of glossary/: raises ValidationError with file:row messages for every bad row.

    The same Termbase object is returned while no file changed (inode, size, mtime), so
    its caches survive between builds of a preview session.
    """
    files = sorted(root.glob("*.csv")) if root.is_dir() else []
    signature = tuple((p.name, p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    cached = _loaded.get(root.resolve())
    if cached is not None and cached[0] == signature:
        return cached[1]
    termbase = _load_termbase(root)
    _loaded[root.resolve()] = (signature, termbase)
    return termbase


def _load_termbase(root: Path) -> Termbase:
    problems: list[Problem] = []
    concepts_path = root / "concepts.csv"
    if not concepts_path.is_file():
        return Termbase(root, {})
    concepts = read_concepts(concepts_path, problems)
    termbase = Termbase(root, concepts)
    for path in sorted(root.glob("*.csv")):
        if path.name != "concepts.csv":
            termbase.languages[path.stem] = read_language(path, concepts, problems)
    if problems:
        raise ValidationError(problems)
    return termbase


# --- writing ----------------------------------------------------------------------------

def write_language(termbase: Termbase, lang: str, terms: dict[str, LanguageTerm],
                   original: LanguageFile | None = None) -> Path:
    """Write one language's terms, atomically, re-formatting only the rows whose values changed.

    Every other line keeps its exact text (`a|b`, quoting, line ends, BOM), so a hand-edited
    file diffs by just the rows that changed. New rows go after the nearest earlier concept of
    concepts.csv (stable diffs). `original` is the file as read under its lock; default: read now.
    """
    path = termbase.language_path(lang)
    if original is None:
        problems: list[Problem] = []
        original = read_language_file(path, termbase.concepts, problems)
        if problems:
            raise ValidationError(problems)
    rank = {c: i for i, c in enumerate(termbase.concepts)}
    records = [(r.concept, r.text if r.concept is None or original.terms[r.concept] == terms[r.concept]
                else _format_row(terms[r.concept], r.cells, original))
               for r in original.records if r.concept is None or r.concept in terms]
    for concept in sorted(set(terms) - set(original.terms), key=lambda c: rank.get(c, len(rank))):
        earlier = [i for i, (c, _) in enumerate(records)
                   if c is not None and rank.get(c, len(rank)) < rank.get(concept, len(rank))]
        records.insert(earlier[-1] + 1 if earlier else 0, (concept, _format_row(terms[concept], {}, original)))
    pieces = [original.header, *(text for _, text in records)]
    text = "".join(p if p.endswith(("\n", "\r")) or i == len(pieces) - 1 else p + original.newline
                   for i, p in enumerate(pieces))
    write_text_atomic(path, text, "utf-8-sig" if original.bom else "utf-8")
    termbase.languages[lang] = {c: terms[c] for c, _ in records if c is not None}
    termbase.check_results.clear()  # findings cached for the old terms
    return path


def _format_row(item: LanguageTerm, cells: dict, original: LanguageFile) -> str:
    """One row in the file's own column order; columns the pipeline does not know keep their value."""
    values = {**cells, "concept": item.concept, "term": item.term, "status": item.status,
              "variants": "|".join(item.variants), "forbidden": "|".join(item.forbidden),
              "forbidden_reason": item.forbidden_reason, "note": item.note}
    out = io.StringIO()
    csv.writer(out, lineterminator=original.newline).writerow([values.get(c, "") for c in original.columns])
    return out.getvalue()


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_atomic(path, text, encoding)


__all__ = ["Concept", "LanguageTerm", "Termbase", "load_termbase", "write_language", "split_list", "STATUSES"]
