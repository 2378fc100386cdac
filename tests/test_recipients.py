"""A partner's recipients file for `newsletter send`: read as offices save it, checked row by row."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.delivery.recipients import Duplicate, load_recipients
from pipeline.errors import PipelineError, ValidationError

HARGHITA = SimpleNamespace(id="harghita", languages=["ro", "hu"])
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Messages show paths relative to the working directory: here, just the file name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above tmp_path counts


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def addresses(people) -> list[str]:
    return [p.address for p in people]


# --- the files partners have -------------------------------------------------------------------

def test_a_semicolon_csv_from_european_excel_gives_each_row_its_language(tmp_path):
    path = write(tmp_path / "harghita.csv",
                 "Email;Name;Language;Consent date;Source\r\n"
                 "ana.pop@example.ro;Pop, Ana;ro;2024-03-01;fair\r\n"
                 "bela@example.hu;Kovács Béla;HU;01/03/2024 ;  webinar \r\n"
                 "ioan@example.ro;;;;\r\n")

    loaded = load_recipients(path, HARGHITA)

    assert [(r.address, r.name, r.lang, r.row) for r in loaded.recipients] == [
        ("ana.pop@example.ro", "Pop, Ana", "ro", 2),
        ("bela@example.hu", "Kovács Béla", "hu", 3),      # the list's spelling of the language
        ("ioan@example.ro", "", "ro", 4),                # no language: the list's first
    ]
    assert loaded.recipients[1].fields == {"Consent date": "01/03/2024 ", "Source": "  webinar "}  # as given


def test_a_comma_csv_saved_as_csv_utf8_with_its_bom_is_read_the_same(tmp_path):
    path = write(tmp_path / "list.csv", 'e-mail address , Full Name,lang\n"x@example.hu","Szabó; Ilona",hu\n',
                 "utf-8-sig")

    (recipient,) = load_recipients(path, HARGHITA).recipients

    assert (recipient.address, recipient.name, recipient.lang) == ("x@example.hu", "Szabó; Ilona", "hu")


def test_a_windows_excel_csv_in_cp1252_keeps_accented_names(tmp_path):
    path = write(tmp_path / "list.csv", "email;name\nbalint@example.hu;Bálint Zoé\n", "cp1252")
    assert b"\xe1" in path.read_bytes()  # really not UTF-8

    (recipient,) = load_recipients(path, HARGHITA).recipients

    assert recipient.name == "Bálint Zoé"


def test_a_file_in_no_known_encoding_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"email\n\x81\x8d@example.org\n")  # bytes neither UTF-8 nor Windows-1252 has

    with pytest.raises(PipelineError, match="neither UTF-8 nor Windows-1252.*'CSV UTF-8'"):
        load_recipients(path, HARGHITA)


def test_an_xlsx_workbook_gives_dates_as_iso_and_blank_cells_as_empty(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["E-Mail", "Full name", "Locale", "Consent", "Notes"])
    sheet.append(["Maria@Example.RO", "Maria Ionescu", "ro", dt.datetime(2024, 5, 17), None])
    sheet.append([None, None, None, None, None])                      # an empty row in between
    sheet.append(["janos@example.hu", None, "hu", dt.date(2023, 1, 9), 42])
    book.save(tmp_path / "list.xlsx")

    loaded = load_recipients(tmp_path / "list.xlsx", HARGHITA)

    assert [(r.address, r.name, r.lang, r.row, r.fields) for r in loaded.recipients] == [
        ("Maria@example.ro", "Maria Ionescu", "ro", 2, {"Consent": "2024-05-17", "Notes": ""}),
        ("janos@example.hu", "", "hu", 4, {"Consent": "2023-01-09", "Notes": "42"}),
    ]


def test_an_international_domain_is_accepted(tmp_path):
    path = write(tmp_path / "list.csv", "email\ninfo@bücher.example\n")

    assert addresses(load_recipients(path, HARGHITA).recipients) == ["info@bücher.example"]


# --- bad rows: all at once, each where it is ------------------------------------------------------

def test_every_bad_row_is_reported_at_once_with_file_and_row(tmp_path):
    path = write(tmp_path / "list.csv",
                 "email,name,language\n"
                 "good@example.ro,Good,ro\n"
                 "not-an-address,Someone,ro\n"
                 "\n"                                          # blank: skipped, still counted as a row
                 "eve@example.ro,\"Eve\r\nBcc: everyone@example.org\",ro\n"
                 "anna@example.de,Anna,de\n"
                 ",Nobody,hu\n"
                 "doe@example.org,Doe, John,ro\n")

    with pytest.raises(ValidationError) as caught:
        load_recipients(path, HARGHITA)

    lines = str(caught.value.message).splitlines()
    assert lines[0].startswith("list.csv:3: email: 'not-an-address' is not a valid address: ")
    assert lines[1].startswith("list.csv:5: name: 'Eve\\r\\nBcc: everyone@example.org' holds a line break")
    assert lines[2] == ("list.csv:6: language: 'de' is not a language of list 'harghita' "
                        "(its languages: ro, hu; an empty cell means the first)")
    assert lines[3].startswith("list.csv:7: email: no address")
    # "Doe, John" not in quotes: " John" became the language and "ro" a fourth column
    assert lines[4].startswith("list.csv:8: column 4: 'ro' is in a column without a header: name the column, "
                               "or put a value that holds the separator in quotes")
    assert lines[5].startswith("list.csv:8: language: 'John' is not a language")
    assert lines[6:] == ["6 problems found"]


def test_a_hopeless_file_prints_fifty_problems_and_counts_the_rest(tmp_path):
    path = write(tmp_path / "list.csv", "email\n" + "nobody\n" * 60)

    with pytest.raises(ValidationError) as caught:
        load_recipients(path, HARGHITA)

    assert len(caught.value.problems) == 60
    assert caught.value.message.splitlines()[-2:] == ["… and 10 more problems", "60 problems found"]


def test_a_file_without_an_address_column_names_the_columns_it_has(tmp_path):
    path = write(tmp_path / "list.csv", "Name;Phone\nAna;0740\n")

    with pytest.raises(PipelineError, match=r"list.csv:1: no address column \(name it 'email'\); "
                                            r"the columns are: 'Name', 'Phone'"):
        load_recipients(path, HARGHITA)


def test_an_unsupported_format_names_the_supported_ones(tmp_path):
    path = write(tmp_path / "list.ods", "anything")

    with pytest.raises(PipelineError, match=r"unsupported .*\.csv.*\.xlsx"):
        load_recipients(path, HARGHITA)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(PipelineError, match="file not found"):
        load_recipients(tmp_path / "nowhere.csv", HARGHITA)


# --- who is left out ------------------------------------------------------------------------------

def test_the_same_address_twice_in_any_case_is_sent_once_and_reported(tmp_path):
    path = write(tmp_path / "list.csv",
                 "email,name\nana@example.ro,Ana\nbela@example.hu,Béla\nANA@Example.RO,Ana P.\n")

    loaded = load_recipients(path, HARGHITA)

    assert addresses(loaded.recipients) == ["ana@example.ro", "bela@example.hu"]
    assert loaded.recipients[0].name == "Ana"   # the first one kept
    assert loaded.duplicates == [Duplicate(row=4, address="ANA@example.ro", first_row=2)]


def test_suppressed_addresses_are_skipped_whatever_their_spelling(tmp_path):
    path = write(tmp_path / "list.csv",
                 "email\nleft@example.ro\nstays@example.ro\nLeft.Too@Example.hu\ninfo@bücher.example\n")
    suppressed = {"left@example.ro", "left.too@example.hu", "info@xn--bcher-kva.example"}

    loaded = load_recipients(path, HARGHITA, suppressed)

    assert addresses(loaded.recipients) == ["stays@example.ro"]
    assert addresses(loaded.suppressed) == ["left@example.ro", "Left.Too@example.hu", "info@bücher.example"]


# --- personal data stays out of git ---------------------------------------------------------------

@pytest.fixture
def checkout(tmp_path) -> Path:
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("private/\n", encoding="utf-8")
    (root / "private").mkdir()
    return root


@needs_git
def test_a_file_in_the_checkout_that_git_would_commit_is_refused(checkout):
    path = write(checkout / "recipients.csv", "email\nana@example.ro\n")

    with pytest.raises(PipelineError, match=r"personal data .* git would commit it: move the file outside"):
        load_recipients(path, HARGHITA, checkout=checkout)


@needs_git
def test_a_git_ignored_file_in_the_checkout_or_one_outside_it_is_read(checkout, tmp_path):
    ignored = write(checkout / "private" / "recipients.csv", "email\nana@example.ro\n")
    outside = write(tmp_path / "recipients.csv", "email\nbela@example.hu\n")

    assert addresses(load_recipients(ignored, HARGHITA, checkout=checkout).recipients) == ["ana@example.ro"]
    assert addresses(load_recipients(outside, HARGHITA, checkout=checkout).recipients) == ["bela@example.hu"]


@pytest.fixture
def not_a_checkout(tmp_path) -> Path:
    (tmp_path / "plain").mkdir()
    return tmp_path / "plain"


@needs_git
def test_a_file_in_a_folder_git_does_not_know_is_refused(not_a_checkout):
    path = write(not_a_checkout / "recipients.csv", "email\nana@example.ro\n")

    with pytest.raises(PipelineError, match=r"git cannot tell whether it ignores the file \(fatal: not a git"):
        load_recipients(path, HARGHITA, checkout=not_a_checkout)


def test_without_git_a_file_in_the_checkout_is_refused(not_a_checkout, tmp_path, monkeypatch):
    path = write(not_a_checkout / "recipients.csv", "email\nana@example.ro\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))

    with pytest.raises(PipelineError, match="git could not be run .*: move the file outside the checkout"):
        load_recipients(path, HARGHITA, checkout=not_a_checkout)
