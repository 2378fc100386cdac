"""The termbase files: `glossary/concepts.csv` and `glossary/<lang>.csv`.

Why CSV, one file per language plus one for the concepts: every spreadsheet opens it,
git diffs it line by line (one row per concept), and translators of different
languages edit different files, so they never conflict. The code reads terms from
here; it never hard-codes one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, ValidationError
from ..files import write_atomic

CONCEPT_COLUMNS = ["id", "english", "definition", "part_of_speech", "do_not_translate", "case_sensitive",
                   "english_variants", "note"]
LANGUAGE_COLUMNS = ["concept", "term", "status", "variants", "forbidden", "forbidden_reason", "note"]
STATUSES = ("proposed", "approved", "forbidden")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


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

    def language_path(self, lang: str) -> Path:
        return self.root / f"{lang}.csv"


# --- reading ----------------------------------------------------------------------------

def _read_rows(path: Path, columns: list[str], problems: list[Problem]) -> list[tuple[int, dict]]:
    """Rows with their line numbers; header and encoding problems become Problems."""
    display = _display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(display, 1, 1, "", f"not UTF-8 text ({exc.reason}): save as CSV UTF-8"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        problems.append(Problem(display, 1, 1, "", f"missing column(s): {', '.join(missing)} "
                                f"(expected header: {','.join(columns)})"))
        return []
    rows = []
    for line, row in enumerate(reader, start=2):  # spreadsheet row numbers: header is row 1
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if any(clean.values()):
            rows.append((line, clean))
    return rows


def _flag(value: str, path: Path, line: int, column: str, problems: list[Problem]) -> bool:
    lowered = value.lower()
    if lowered in _YES:
        return True
    if lowered not in _NO:
        problems.append(Problem(_display(path), line, 0, column, f"expected yes or no, got {value!r}"))
    return False


def read_concepts(path: Path, problems: list[Problem]) -> dict[str, Concept]:
    concepts: dict[str, Concept] = {}
    for line, row in _read_rows(path, CONCEPT_COLUMNS, problems):
        cid = row["id"]
        if not cid or not row["english"]:
            problems.append(Problem(_display(path), line, 0, "id" if not cid else "english", "must not be empty"))
            continue
        if cid in concepts:
            problems.append(Problem(_display(path), line, 0, "id", f"concept {cid!r} is defined twice"))
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
    if len(problems) > before:
        return None
    return LanguageTerm(cid, term, status, tuple(split_list(row.get("variants", ""))), forbidden,
                        row.get("forbidden_reason", ""), row.get("note", ""))


def read_language(path: Path, concepts: dict[str, Concept], problems: list[Problem]) -> dict[str, LanguageTerm]:
    terms: dict[str, LanguageTerm] = {}
    shown = _display(path)
    for line, row in _read_rows(path, LANGUAGE_COLUMNS, problems):
        item = language_term_from_row(row, concepts, (shown, line), problems)
        if item is None:
            continue
        if item.concept in terms:
            problems.append(Problem(shown, line, 0, "concept", f"concept {item.concept!r} has two rows"))
            continue
        terms[item.concept] = item
    return terms


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

def write_language(termbase: Termbase, lang: str, terms: dict[str, LanguageTerm]) -> Path:
    """Rows in concepts.csv order (stable diffs), written atomically."""
    path = termbase.language_path(lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LANGUAGE_COLUMNS)
    ordered = [terms[c] for c in termbase.concepts if c in terms]
    for item in ordered:
        writer.writerow([item.concept, item.term, item.status, " | ".join(item.variants),
                         " | ".join(item.forbidden), item.forbidden_reason, item.note])
    write_text_atomic(path, out.getvalue())
    termbase.languages[lang] = {t.concept: t for t in ordered}
    return path


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_atomic(path, text, encoding)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


__all__ = ["Concept", "LanguageTerm", "Termbase", "load_termbase", "write_language", "split_list", "STATUSES"]
