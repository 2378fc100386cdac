"""The Done-when story with the real LibreOffice: export the Polish sheet, change a term, save it
from LibreOffice Calc (as XLSX and as CSV), import it. Skipped where LibreOffice is not installed
(`apt-get install libreoffice-calc-nogui`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pipeline.glossary.sheets import export_sheet, import_sheet
from pipeline.glossary.termbase import load_termbase

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def libreoffice_save(source, target_filter, out_dir, profile):
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", target_filter, "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("saved_as, target_filter", [
    ("xlsx", "xlsx"),
    ("csv", "csv:Text - txt - csv (StarCalc):44,34,76,1"),  # comma, quote, UTF-8, as "CSV UTF-8"
])
@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
def test_a_term_changed_and_saved_in_libreoffice_is_imported(good_issue, project_root, glossary_dir, tmp_path,
                                                             saved_as, target_filter):
    openpyxl = pytest.importorskip("openpyxl")
    termbase = load_termbase(glossary_dir)
    sheet = tmp_path / "glossary-pl.xlsx"
    export_sheet(termbase, "pl", sheet, "xlsx")
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    for row in book.active.iter_rows(min_row=2):
        if row[header.index("concept")].value == "good-practice":
            row[header.index("term")].value = "dobra praktyka (sprawdzona)"
    book.save(sheet)

    out = tmp_path / "saved"
    libreoffice_save(sheet, target_filter, out, tmp_path / "lo-profile")
    report = import_sheet(load_termbase(glossary_dir), out / f"glossary-pl.{saved_as}")

    assert [str(c) for c in report.changes] == \
        ["good-practice: term: 'dobra praktyka' -> 'dobra praktyka (sprawdzona)'"]
    assert load_termbase(glossary_dir).term("pl", "good-practice").term == "dobra praktyka (sprawdzona)"
