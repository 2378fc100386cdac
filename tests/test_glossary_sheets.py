"""A translator's review round trip: export a sheet, edit it in a spreadsheet, import it back."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import PipelineError, ValidationError
from pipeline.glossary.sheets import export_sheet, import_sheet
from pipeline.glossary.termbase import load_termbase


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def edit_csv(path, which, **changes):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["concept"] == which:
            row.update(changes)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # as LibreOffice saves "CSV UTF-8"
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_export_change_import_reports_and_applies(good_issue, project_root, glossary_dir):
    result = run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    assert result.exit_code == 0 and "wrote 6 concepts for pl to review-pl.csv" in result.output
    sheet = project_root / "review-pl.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8-sig")))
    row = next(r for r in rows if r["concept"] == "social-economy")
    assert row["english"] == "social economy" and row["term"] == "ekonomia społeczna"
    assert row["definition"] and row["status"] == "approved" and row["forbidden"] == "gospodarka społeczna"

    edit_csv(sheet, "study-visit", term="wizyta studyjna", status="approved")
    result = run("glossary", "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert "pl study-visit: status: 'proposed' -> 'approved'" in result.output
    assert "changed 1 concept(s) in glossary/pl.csv, 5 unchanged" in result.output
    assert load_termbase(project_root / "glossary").term("pl", "study-visit").status == "approved"
    text = (project_root / "glossary/pl.csv").read_text("utf-8")
    assert text.startswith("concept,term,status,") and "\r" not in text  # repo format, not the sheet's


def test_export_shows_where_a_term_is_used(translated_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "de", "-o", "de.csv")
    rows = {r["concept"]: r for r in csv.DictReader((project_root / "de.csv").open(encoding="utf-8-sig"))}
    assert rows["good-practice"]["used_in_english"] == ""
    assert "Haskovo Municipality" in rows["haskovo"]["used_in_english"]
    assert "[de] Haskovo Municipality" in rows["haskovo"]["used_in_translation"]


def test_a_conflicting_import_is_refused_and_nothing_is_lost(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    repo_file = project_root / "glossary/pl.csv"
    repo_file.write_text(repo_file.read_text("utf-8").replace("dobra praktyka,approved", "dobra praktyka,proposed"),
                         "utf-8")  # another translator's commit since the export
    before = repo_file.read_bytes()
    edit_csv(project_root / "review-pl.csv", "good-practice", term="dobre praktyki")
    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 1
    assert "import refused, nothing written" in result.output
    assert "good-practice: changed in the sheet and in glossary/pl.csv since the export" in result.output
    assert repo_file.read_bytes() == before


def test_a_sheet_row_left_alone_keeps_the_newer_repo_value(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    repo_file = project_root / "glossary/pl.csv"
    repo_file.write_text(repo_file.read_text("utf-8").replace("wizyta studyjna,proposed", "wizyta studyjna,approved"),
                         "utf-8")
    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 0
    assert "study-visit: kept the repo's newer version" in result.output
    assert load_termbase(project_root / "glossary").term("pl", "study-visit").status == "approved"


def test_bad_rows_are_reported_with_file_and_row(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    sheet = project_root / "review-pl.csv"
    edit_csv(sheet, "good-practice", status="aproved")
    edit_csv(sheet, "social-economy", term="", status="approved")
    edit_csv(sheet, "study-visit", concept="study-trip")
    before = (project_root / "glossary/pl.csv").read_bytes()
    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 1
    assert "review-pl.csv:3: term: an approved term must not be empty" in result.output
    assert "review-pl.csv:5: status: unknown status 'aproved'" in result.output
    assert "review-pl.csv:6: concept: unknown concept 'study-trip'" in result.output
    assert (project_root / "glossary/pl.csv").read_bytes() == before


def test_xlsx_round_trip(good_issue, project_root, glossary_dir):
    openpyxl = pytest.importorskip("openpyxl")
    termbase = load_termbase(project_root / "glossary")
    path = project_root / "pl.xlsx"
    export_sheet(termbase, "pl", path, "xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert sheet.column_dimensions["N"].hidden  # the base fingerprint is out of the way
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("concept")].value == "good-practice":
            row[header.index("variants")].value = "dobre praktyki"
    book.save(path)
    report = import_sheet(termbase, path)
    assert [str(c) for c in report.changes] == ["good-practice: variants: '' -> 'dobre praktyki'"]
    assert load_termbase(project_root / "glossary").term("pl", "good-practice").variants == ("dobre praktyki",)


def test_tbx_round_trip_maps_forbidden_and_do_not_translate_like_weblate(good_issue, project_root, glossary_dir):
    termbase = load_termbase(project_root / "glossary")
    path = project_root / "pl.tbx"
    export_sheet(termbase, "pl", path, "tbx")
    root = ET.parse(path).getroot()
    entry = next(e for e in root.iter("termEntry") if e.get("id") == "social-economy")
    polish = next(ls for ls in entry.iter("langSet") if ls.get("{http://www.w3.org/XML/1998/namespace}lang") == "pl")
    statuses = {t.findtext("term"): t.find("termNote[@type='administrativeStatus']").text
                for t in polish.iter("tig")}
    assert statuses["ekonomia społeczna"] == "preferredTerm-admn"
    assert statuses["gospodarka społeczna"] == "forbidden"
    dnt = next(e for e in root.iter("termEntry") if e.get("id") == "testcon")
    assert dnt.find("descrip[@type='Translation needed']").text == "No"

    for tig in entry.iter("tig"):
        if tig.findtext("term") == "ekonomia społeczna":
            tig.find("term").text = "ekonomia społeczna (ES)"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    report = import_sheet(load_termbase(project_root / "glossary"), path)
    assert [str(c) for c in report.changes] == \
        ["social-economy: term: 'ekonomia społeczna' -> 'ekonomia społeczna (ES)'"]
    assert report.unchanged == 5


def test_unknown_language_and_format_are_clear_errors(good_issue, glossary_dir):
    assert "not a target language" in run("glossary", "export", "--lang", "fr").output
    result = run("glossary", "import", "missing.csv")
    assert result.exit_code == 1 and "missing.csv: no such file" in result.output


def test_termbase_files_are_validated_with_file_and_row(project_root, glossary_dir):
    path = project_root / "glossary/de.csv"
    path.write_text(path.read_text("utf-8") + "nonexistent,x,approved,,,,\nstudy-visit,,approved,,,,\n", "utf-8")
    with pytest.raises(ValidationError) as error:
        load_termbase(project_root / "glossary")
    text = str(error.value.message)
    assert "glossary/de.csv:5: concept: unknown concept 'nonexistent'" in text
    assert "glossary/de.csv:6: term: an approved term must not be empty" in text


def test_import_write_failure_leaves_the_termbase_intact(good_issue, project_root, monkeypatch, glossary_dir):
    import os
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    edit_csv(project_root / "review-pl.csv", "study-visit", status="approved")
    before = (project_root / "glossary/pl.csv").read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        import_sheet(load_termbase(project_root / "glossary"), project_root / "review-pl.csv")
    assert (project_root / "glossary/pl.csv").read_bytes() == before
    assert sorted(p.name for p in (project_root / "glossary").iterdir()) == \
        ["concepts.csv", "de.csv", "el.csv", "pl.csv"]


def test_an_unsupported_sheet_format_is_a_clear_error(project_root, glossary_dir):
    sheet = project_root / "review.ods"
    sheet.write_text("x")
    with pytest.raises(PipelineError, match="unknown sheet format"):
        import_sheet(load_termbase(project_root / "glossary"), sheet)


def test_a_sheet_saved_with_semicolons_by_a_spreadsheet_still_imports(good_issue, project_root, glossary_dir):
    run("glossary", "export", "--lang", "pl", "-o", "review-pl.csv")
    sheet = project_root / "review-pl.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8-sig", newline="")))
    for row in rows:
        if row["concept"] == "good-practice":
            row["note"] = "plural: dobre praktyki; genitive: dobrych praktyk"
    with sheet.open("w", encoding="utf-8", newline="") as handle:  # no BOM, ';' as in many European locales
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    result = run("glossary", "import", "review-pl.csv")
    assert result.exit_code == 0, result.output
    assert "good-practice: note: '' -> 'plural: dobre praktyki; genitive: dobrych praktyk'" in result.output
