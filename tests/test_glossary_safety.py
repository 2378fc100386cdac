"""Review sheets are data: an unmodified round trip changes nothing, an import changes only the
rows it must, a colleague's newer work survives it, and a wrong or hostile sheet is refused."""

from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner

from pipeline import files
from tests.test_glossary_sheets import edit_csv
from pipeline.cli import main
from pipeline.errors import PipelineError, ValidationError
from pipeline.glossary import sheets
from pipeline.glossary.sheets import export_sheet, import_sheet
from pipeline.glossary.termbase import LANGUAGE_COLUMNS, load_termbase

SHIPPED_GLOSSARY = Path(__file__).parents[1] / "glossary"
FORMATS = ["csv", "xlsx", "tbx"]
HYPERLINK = '=HYPERLINK("https://evil.example","x")'


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def write_language(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([LANGUAGE_COLUMNS, *rows])
    path.write_text(out.getvalue(), "utf-8")


def assert_round_trip_changes_nothing(glossary: Path, lang: str, fmt: str, tmp_path: Path) -> None:
    repo_file = glossary / f"{lang}.csv"
    before = repo_file.read_bytes()
    sheet = tmp_path / f"review-{lang}.{fmt}"
    export_sheet(load_termbase(glossary), lang, sheet, fmt)
    report = import_sheet(load_termbase(glossary), sheet)
    assert (report.changes, report.kept_repo, report.written) == ([], [], None), (lang, fmt)
    assert repo_file.read_bytes() == before


# --- 1. sheets are data, not code -------------------------------------------------------------

@pytest.fixture
def formula_glossary(glossary_dir):
    """Values a spreadsheet would run as formulas, in terms, lists, notes and a definition."""
    concepts = glossary_dir / "concepts.csv"
    concepts.write_text(concepts.read_text("utf-8").replace("Something that works and can be transferred.",
                                                            f'"{HYPERLINK.replace(chr(34), 2 * chr(34))}"'),
                        "utf-8")
    write_language(glossary_dir / "pl.csv", [
        ["testcon", "TESTCON", "approved", "", "", "", ""],
        ["social-economy", "ekonomia społeczna", "approved", "", "@SUM(A1)", "-x", HYPERLINK],
        ["good-practice", "=1+2", "approved", "+1|-x", "", "", "+1"],
        ["study-visit", "'=a", "proposed", "", "", "", "''+b"],
        ["haskovo", "@x", "approved", "", "", "", "'hello, a plain quote"],
    ])
    return glossary_dir


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_like_values_are_text_in_the_sheet_and_come_back_unchanged(formula_glossary, tmp_path, fmt):
    termbase = load_termbase(formula_glossary)
    assert termbase.concepts["good-practice"].definition == HYPERLINK
    sheet = tmp_path / f"review.{fmt}"
    export_sheet(termbase, "pl", sheet, fmt)
    if fmt == "csv":
        rows = {r["concept"]: r for r in csv.DictReader(sheet.open(encoding="utf-8-sig", newline=""))}
        assert rows["social-economy"]["note"] == "'" + HYPERLINK
        assert rows["social-economy"]["forbidden"] == "'@SUM(A1)"
        assert rows["social-economy"]["forbidden_reason"] == "'-x"
        assert rows["good-practice"]["definition"] == "'" + HYPERLINK
        assert rows["good-practice"]["term"] == "'=1+2" and rows["good-practice"]["variants"] == "'+1 | -x"
        assert rows["study-visit"]["term"] == "''=a" and rows["study-visit"]["note"] == "'''+b"
        assert rows["haskovo"]["term"] == "'@x" and rows["haskovo"]["note"] == "'hello, a plain quote"
    elif fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.load_workbook(sheet)
        cells = list(book.active.iter_rows(min_row=2))
        assert all(c.data_type == "s" for row in cells for c in row if c.value is not None)
        header = [c.value for c in book.active[1]]
        values = {row[header.index("concept")].value: {h: c.value for h, c in zip(header, row)} for row in cells}
        assert values["social-economy"]["note"] == HYPERLINK and values["good-practice"]["term"] == "=1+2"
        assert values["good-practice"]["definition"] == HYPERLINK and values["study-visit"]["term"] == "'=a"
    else:
        root = ET.parse(sheet).getroot()
        assert HYPERLINK in [n.text for n in root.iter("note")]
        assert {"=1+2", "'=a", "@x", "+1", "-x", "@SUM(A1)"} <= {t.text for t in root.iter("term")}
    assert_round_trip_changes_nothing(formula_glossary, "pl", fmt, tmp_path)


@pytest.mark.parametrize("value", ["=a", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "'=a", "''=a", "'", "'x", "''",
                                   "a=b", "", "x'", "'\t"])
def test_the_csv_quote_prefix_is_added_to_formula_starts_and_removed_exactly(value):
    cell = sheets._csv_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert sheets._from_csv_cell(cell) == value


# --- 2. an unmodified round trip changes nothing ------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_shipped_glossary_survives_an_unmodified_round_trip(tmp_path, fmt, monkeypatch):
    glossary = tmp_path / "glossary"
    shutil.copytree(SHIPPED_GLOSSARY, glossary)
    monkeypatch.chdir(tmp_path)
    languages = sorted(p.stem for p in glossary.glob("*.csv") if p.stem != "concepts")
    assert len(languages) >= 9
    for lang in languages:
        assert_round_trip_changes_nothing(glossary, lang, fmt, tmp_path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tricky_values_survive_an_unmodified_round_trip(glossary_dir, tmp_path, fmt):
    (glossary_dir / "pl.csv").write_bytes(
        "\ufeffconcept,term,status,variants,forbidden,forbidden_reason,note\r\n"
        'testcon,TESTCON,Approved,,,,\r\n'
        'social-economy, ekonomia społeczna ,approved, a | b|c ,"gospodarka ""społeczna""",'
        '"not the EU term, see IATE","line one\nline two\r\nline three"\r\n'
        'social-economy-enterprise,,forbidden,,,,\r\n'
        'good-practice,,,,,only a reason,\r\n'
        'study-visit,,proposed,,,,a note without a term\r\n'
        'haskovo,Gmina Chaskowo,approved,Chaskowo|Хасково,żółć|,,"a \ra"\r\n'.encode())
    assert_round_trip_changes_nothing(glossary_dir, "pl", fmt, tmp_path)


# --- 3. an import rewrites only the rows it changes ---------------------------------------------

def test_an_import_rewrites_only_the_row_it_changes(good_issue, project_root, glossary_dir):
    repo_file = glossary_dir / "pl.csv"
    hand_edited = ("concept,term,status,variants,forbidden,forbidden_reason,note\n"
                   "testcon,TESTCON,approved,TESTCON-u|TESTCON-em,,,\n"
                   'social-economy,"ekonomia społeczna",approved,,gospodarka społeczna|gospodarka socjalna,'
                   "not the EU term,genitive: ekonomii społecznej\n"
                   "social-economy-enterprise,przedsiębiorstwo ekonomii społecznej,approved,a | b,,,\n"
                   "good-practice,dobra praktyka,approved,,,,\n"
                   "\n"
                   "study-visit,wizyta studyjna,proposed,wizyty studyjne|wizycie studyjnej,,,\n"
                   "haskovo,Gmina Chaskowo,approved,,,,\n")
    repo_file.write_text(hand_edited, "utf-8")
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    edit_csv(project_root / "review-pl.csv", "study-visit", status="approved")
    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 0, result.output
    before, after = hand_edited.splitlines(), repo_file.read_text("utf-8").splitlines()
    assert len(after) == len(before)
    assert [(a, b) for a, b in zip(before, after) if a != b] == [
        ("study-visit,wizyta studyjna,proposed,wizyty studyjne|wizycie studyjnej,,,",
         "study-visit,wizyta studyjna,approved,wizyty studyjne|wizycie studyjnej,,,")]


def test_a_new_row_goes_in_concepts_order_and_the_files_own_format_is_kept(good_issue, project_root,
                                                                          glossary_dir):
    repo_file = glossary_dir / "pl.csv"
    repo_file.write_bytes(b"\xef\xbb\xbfconcept,term,status,variants,forbidden,forbidden_reason,note,comment\r\n"
                          b"social-economy,ekonomia spo\xc5\x82eczna,approved,,,,,keep me\r\n"
                          b"haskovo,Gmina Chaskowo,approved,,,,,\r\n"
                          b"good-practice,dobra praktyka,approved,,,,,ask Ewa")  # no line end at the end
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    edit_csv(project_root / "review-pl.csv", "study-visit", term="wizyta studyjna")
    edit_csv(project_root / "review-pl.csv", "good-practice", variants="dobre praktyki | dobrych praktyk")
    assert run("glossary", "import", "review-pl.csv").exit_code == 0
    assert repo_file.read_bytes() == (
        b"\xef\xbb\xbfconcept,term,status,variants,forbidden,forbidden_reason,note,comment\r\n"
        b"social-economy,ekonomia spo\xc5\x82eczna,approved,,,,,keep me\r\n"
        b"haskovo,Gmina Chaskowo,approved,,,,,\r\n"
        b"good-practice,dobra praktyka,approved,dobre praktyki|dobrych praktyk,,,,ask Ewa\r\n"
        b"study-visit,wizyta studyjna,proposed,,,,,\r\n")
    assert load_termbase(glossary_dir).term("pl", "study-visit").term == "wizyta studyjna"


# --- 4. caps on rows and printed problems --------------------------------------------------------

def huge_csv(path: Path, rows: int) -> None:
    header = ",".join(sheets.SHEET_COLUMNS) + "\r\n"
    row = "pl,good-practice,good practice,,no,dobra praktyka,approved,,,,,,,abc\r\n"
    # Not UTF-8 at the end: reading the whole file would stop with another error.
    path.write_bytes((header + row * rows).encode() + b"\xff\xfe\xfa")


def test_a_sheet_with_far_too_many_rows_is_refused_before_it_is_read_whole(project_root, glossary_dir):
    sheet = project_root / "huge.csv"
    huge_csv(sheet, 40_000)
    before = (glossary_dir / "pl.csv").read_bytes()
    result = run("glossary", "import", "huge.csv")
    assert result.exit_code == 1
    assert "huge.csv: more than 10,000 rows, but a review sheet has one row per concept" in result.output
    assert (glossary_dir / "pl.csv").read_bytes() == before


@pytest.mark.parametrize("fmt", ["xlsx", "tbx"])
def test_xlsx_and_tbx_sheets_are_capped_too(project_root, glossary_dir, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(sheets, "MAX_ROWS", 20)  # 6 concepts: at most max(20, 60) rows
    termbase = load_termbase(glossary_dir)
    rows = sheets.sheet_rows(termbase, "pl") * 11
    path = tmp_path / f"huge.{fmt}"
    monkeypatch.setattr(sheets, "sheet_rows", lambda *args: rows)
    export_sheet(termbase, "pl", path, fmt)
    with pytest.raises(PipelineError, match="more than 60 rows"):
        import_sheet(termbase, path)


def test_many_bad_rows_print_the_first_fifty_and_a_count(project_root, glossary_dir):
    sheet = project_root / "bad.csv"
    lines = [",".join(sheets.SHEET_COLUMNS)] + [f"pl,nope-{i},,,,x,approved,,,,,,,abc" for i in range(200)]
    sheet.write_text("\n".join(lines) + "\n", "utf-8")
    result = run("glossary", "import", "bad.csv")
    assert result.exit_code == 1
    printed = [line for line in result.output.splitlines() if line.startswith(("bad.csv:", "Error: bad.csv:"))]
    assert len(printed) == 50
    assert "… and 150 more problems" in result.output and "200 problems found" in result.output
    with pytest.raises(ValidationError) as error:
        import_sheet(load_termbase(glossary_dir), sheet)
    assert len(error.value.problems) == 200  # callers still get all of them


# --- 5. --force takes the sheet's values only where the sheet changed ---------------------------

def test_force_takes_the_sheet_only_for_rows_the_sheet_changed(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    repo_file = glossary_dir / "pl.csv"
    text = repo_file.read_text("utf-8")
    text = text.replace("study-visit,wizyta studyjna,proposed,,,,", "study-visit,wizyta studyjna,approved,,"
                        "wycieczka studyjna,not the IATE term,")  # A: a colleague's approval and forbidden term
    text = text.replace("good-practice,dobra praktyka,approved", "good-practice,dobra praktyka (repo),approved")
    repo_file.write_text(text, "utf-8")  # C: changed in the repo ...
    sheet = project_root / "review-pl.csv"
    edit_csv(sheet, "haskovo", note="gmina miejska")  # B: changed in the sheet
    edit_csv(sheet, "good-practice", variants="dobre praktyki")  # C: ... and in the sheet
    before = repo_file.read_bytes()

    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 1 and "import refused, nothing written" in result.output
    assert "review-pl.csv:5: good-practice: changed in the sheet and in glossary/pl.csv" in result.output
    assert "study-visit" not in result.output and "haskovo" not in result.output
    assert repo_file.read_bytes() == before

    report = import_sheet(load_termbase(glossary_dir), sheet, force=True)
    assert (report.kept_repo, report.forced) == (["study-visit"], ["good-practice"])
    termbase = load_termbase(glossary_dir)
    visit = termbase.term("pl", "study-visit")
    assert (visit.status, visit.forbidden, visit.forbidden_reason) == \
        ("approved", ("wycieczka studyjna",), "not the IATE term")
    assert termbase.term("pl", "haskovo").note == "gmina miejska"
    practice = termbase.term("pl", "good-practice")
    assert (practice.term, practice.variants) == ("dobra praktyka", ("dobre praktyki",))


# --- 6. the termbase file is locked, and merged as it is at write time -------------------------

def test_an_import_while_the_file_is_locked_is_refused(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    edit_csv(project_root / "review-pl.csv", "study-visit", status="approved")
    repo_file = glossary_dir / "pl.csv"
    before = repo_file.read_bytes()
    with filelock.FileLock(str(files.lock_path(repo_file)), timeout=0):
        result = run("glossary", "import", "review-pl.csv")
        assert result.exit_code == 1
        assert "is being changed by another newsletter command right now" in result.output
        assert "run the import again" in result.output
        assert run("glossary", "import", "--dry-run", "review-pl.csv").exit_code == 0  # writes nothing
    assert repo_file.read_bytes() == before
    assert run("glossary", "import", "review-pl.csv").exit_code == 0
    assert load_termbase(glossary_dir).term("pl", "study-visit").status == "approved"


def test_an_edit_made_after_the_termbase_was_loaded_is_not_lost(good_issue, project_root, glossary_dir):
    termbase = load_termbase(glossary_dir)  # e.g. loaded by a command that then waits
    sheet = project_root / "review-pl.csv"
    export_sheet(termbase, "pl", sheet, "csv")
    repo_file = glossary_dir / "pl.csv"
    repo_file.write_text(repo_file.read_text("utf-8").replace("wizyta studyjna,proposed", "wizyta studyjna,approved"),
                         "utf-8")  # another import or a hand edit, finished meanwhile
    edit_csv(sheet, "haskovo", note="gmina miejska")
    report = import_sheet(termbase, sheet)
    assert report.kept_repo == ["study-visit"]
    fresh = load_termbase(glossary_dir)
    assert fresh.term("pl", "study-visit").status == "approved" and fresh.term("pl", "haskovo").note == "gmina miejska"
    assert termbase.term("pl", "study-visit").status == "approved"  # the loaded object follows the file


# --- hostile or damaged sheets are clear errors -------------------------------------------------

def test_the_language_a_sheet_names_is_never_a_path(project_root, glossary_dir):
    sheet = project_root / "review.csv"
    sheet.write_text(",".join(sheets.SHEET_COLUMNS) + "\n../../escaped,haskovo,,,,Gmina,approved,,,,,,,abc\n", "utf-8")
    result = run("glossary", "import", "--force", "review.csv")
    assert result.exit_code == 1 and "'../../escaped' is not a language code" in result.output
    assert not list(project_root.parent.rglob("escaped.csv"))


def test_a_cell_too_large_for_csv_is_a_clear_error(project_root, glossary_dir):
    sheet = project_root / "review.csv"
    sheet.write_text(",".join(sheets.SHEET_COLUMNS) + f'\npl,haskovo,,,,Gmina,approved,,,,"{"x" * 200_000}",,,abc\n',
                     "utf-8")
    result = run("glossary", "import", "review.csv")
    assert result.exit_code == 1 and "review.csv:2: not valid CSV (field larger than field limit" in result.output


def test_a_control_character_in_the_termbase_is_reported_not_a_broken_export(project_root, glossary_dir):
    path = glossary_dir / "pl.csv"
    path.write_text(path.read_text("utf-8").replace("genitive: ekonomii", "genitive:\x0bekonomii"), "utf-8")
    result = run("glossary", "export", "--lang", "pl", "--format", "xlsx")
    assert result.exit_code == 1
    assert "glossary/pl.csv:3: note: contains the control character U+000B" in result.output
