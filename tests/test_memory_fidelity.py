"""The memory never loses a person's work: every character survives, gettext tools find
nothing to change, broken catalogs stop the command, and a translator's save is merged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner

from pipeline import pofile
from pipeline.cli import main
from pipeline.errors import PipelineError, ValidationError
from pipeline.issue import load_issue
from pipeline.memory import CatalogFile, catalog_path, odd_characters, read_catalog, update_catalogs

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(ROOT.glob("newsletters/*/translations/*.po"))

# Every character class str.splitlines() treats as a line end, every C0/C1 control, and the
# bidirectional overrides: what a copy-paste from a web page or a PDF can bring.
LINE_BREAKERS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]] + ["\u202e", "\u2066"]


def catalog_with(texts: dict[str, str]) -> polib.POFile:
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for context, text in texts.items():
        catalog.append(polib.POEntry(msgctxt=context, msgid=f"English of {context}", msgstr=text))
    return catalog


@pytest.mark.parametrize("char", sorted(set(LINE_BREAKERS + CONTROLS)), ids=lambda c: f"U+{ord(c):04X}")
def test_every_character_survives_a_read_and_write(tmp_path, char):
    texts = {"start": f"{char}O inicjatywie", "middle": f"O inicjatywie{char}SECON", "end": f"SECON{char}",
             "long": ("Słowo " * 20) + char + (" słowo" * 20)}
    path = tmp_path / "pl.po"
    path.write_text(pofile.serialize(catalog_with(texts)), "utf-8")
    once = {e.msgctxt: e.msgstr for e in read_catalog(path)}
    assert once == texts
    path.write_text(pofile.serialize(read_catalog(path)), "utf-8")
    assert {e.msgctxt: e.msgstr for e in read_catalog(path)} == texts


def test_a_reviewed_line_separator_survives_sync(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue, ["pl"])
    path = catalog_path(issue.folder, "pl")
    catalog = polib.pofile(str(path))
    catalog.find("About us", msgctxt="about.title").msgstr = "O inicjatywie\u2028SECON"
    path.write_text(pofile.serialize(catalog), "utf-8")
    update_catalogs(load_issue("2025-03-test-issue"), ["pl"])
    assert read_catalog(path).find("About us", msgctxt="about.title").msgstr == "O inicjatywie\u2028SECON"
    warnings = odd_characters(path)
    assert len(warnings) == 1 and ": about.title: U+2028 LINE SEPARATOR in the translation" in warnings[0]


def test_gettext_escapes_polib_does_not_know_are_read(tmp_path):
    path = tmp_path / "de.po"
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                    'msgctxt "a"\nmsgid "x"\nmsgstr "bell\\a octal\\101 hex\\x42 backslash-a\\\\a"\n', "utf-8")
    assert read_catalog(path).find("x", msgctxt="a").msgstr == "bell\a octalA hexB backslash-a\\a"


def test_a_duplicate_segment_is_an_error_and_nothing_is_written(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue, ["pl"])
    path = catalog_path(issue.folder, "pl")
    text = path.read_text("utf-8")
    duplicate = '\nmsgctxt "about.title"\nmsgid "About us"\nmsgstr "O nas (z łączenia gałęzi)"\n#, fuzzy\n'
    text = text.rstrip("\n") + "\n" + duplicate
    path.write_text(text, "utf-8")
    first = next(i for i, line in enumerate(text.split("\n"), 1) if line == 'msgctxt "about.title"')
    second = text.split("\n").index('msgctxt "about.title"', first) + 1
    result = CliRunner().invoke(main, ["sync", "--lang", "pl"])
    assert result.exit_code == 1
    assert (f"translations/pl.po:{second}: msgctxt 'about.title': a second entry for this segment "
            f"(the first is at line {first})") in result.output
    assert path.read_text("utf-8") == text


@pytest.mark.parametrize("header, message", [
    ('"Content-Type: text/plain; charset=UTF-8\\n"\n"this line has no name\\n"',
     "header: 'this line has no name' is not a 'Name: value' line"),
    ('"Content-Type: text/plain; charset=ISO-8859-2\\n"', "header: charset=ISO-8859-2: these catalogs are UTF-8"),
])
def test_a_malformed_header_is_an_error_with_its_line(tmp_path, header, message):
    path = tmp_path / "pl.po"
    path.write_text(f'# comment\nmsgid ""\nmsgstr ""\n{header}\n\nmsgctxt "a"\nmsgid "x"\nmsgstr "y"\n', "utf-8")
    with pytest.raises(ValidationError) as caught:
        read_catalog(path)
    assert f"pl.po:2: {message}" in str(caught.value)


def test_a_translators_save_is_merged_entry_by_entry(good_issue):
    """What a command changed and what a translator saved meanwhile both survive."""
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue, ["pl"])
    path = catalog_path(issue.folder, "pl")
    ours = CatalogFile(path)
    # meanwhile, in Poedit: one entry translated, and the header gets the editor's fields
    theirs = polib.pofile(str(path))
    theirs.find("About us", msgctxt="about.title").msgstr = "O nas"
    theirs.find("Highlights", msgctxt="heading.text").msgstr = "Najważniejsze"
    theirs.metadata["X-Generator"] = "Poedit 3.4"
    path.write_text(pofile.serialize(theirs), "utf-8")
    # the command's own changes: one entry nobody else touched, one the translator also changed
    ours.entry("intro.title").msgstr = "Witamy w siódmym numerze"
    ours.entry("heading.text").msgstr = "machine text"
    assert ours.save("pl", issue.id)
    saved = read_catalog(path)
    assert saved.find("About us", msgctxt="about.title").msgstr == "O nas"
    assert saved.find("Welcome to issue seven", msgctxt="intro.title").msgstr == "Witamy w siódmym numerze"
    assert saved.find("Highlights", msgctxt="heading.text").msgstr == "Najważniejsze"   # the person wins
    assert ours.dropped == ["heading.text"]
    assert saved.metadata["X-Generator"] == "Poedit 3.4"


def test_an_editors_header_fields_are_kept_and_reviewed_entries_lose_machine_notes(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue, ["pl"])
    path = catalog_path(issue.folder, "pl")
    catalog = polib.pofile(str(path))
    catalog.metadata.update({"Plural-Forms": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && "
                                             "(n%100<10 || n%100>=20) ? 1 : 2);",
                             "Last-Translator": "Anna Nowak <anna@example.org>", "X-Generator": "Poedit 3.4"})
    entry = catalog.find("About us", msgctxt="about.title")
    entry.msgstr, entry.flags = "O nas", []   # reviewed in the editor
    entry.tcomment = "machine translation: libre\nglossary: missing-term: ... - fix before approving\nAnna: ok"
    path.write_text(pofile.serialize(catalog), "utf-8")
    update_catalogs(load_issue("2025-03-test-issue"), ["pl"])
    saved = read_catalog(path)
    assert saved.metadata["Plural-Forms"] == catalog.metadata["Plural-Forms"]
    assert saved.metadata["Last-Translator"] == "Anna Nowak <anna@example.org>"
    assert saved.metadata["X-Generator"] == "Poedit 3.4"
    assert saved.find("About us", msgctxt="about.title").tcomment == "Anna: ok"


def test_leftover_temp_files_of_a_killed_run_are_removed_by_the_next(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue, ["pl"])
    leftover = catalog_path(issue.folder, "pl").parent / ".pl.po.k1ll3d.tmp"
    leftover.write_text("half a catalog", "utf-8")
    update_catalogs(load_issue("2025-03-test-issue"), ["pl"])
    assert not leftover.exists()


def test_a_second_command_on_the_same_catalog_refuses_while_one_runs(good_issue):
    import filelock

    from pipeline.files import lock_path

    issue = load_issue("2025-03-test-issue")
    path = catalog_path(issue.folder, "pl")
    with filelock.FileLock(str(lock_path(path))):
        with pytest.raises(PipelineError, match=r"pl\.po is being changed by another newsletter command"):
            update_catalogs(issue, ["pl"])
    assert update_catalogs(issue, ["pl"])[0].written


needs_gettext = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt, msgcat) not installed")


@needs_gettext
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_gettext_tools_find_nothing_to_say_or_change_in_shipped_catalogs(path):
    checked = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr == ""
    resaved = subprocess.run(["msgcat", str(path)], capture_output=True, text=True, check=True).stdout
    assert resaved == path.read_text("utf-8")


@needs_gettext
def test_catalogs_the_tool_writes_pass_msgfmt_and_survive_msgcat(translated_issue):
    for lang in ("de", "pl", "el"):
        path = catalog_path(translated_issue.folder, lang)
        update_catalogs(load_issue("2025-03-test-issue"), [lang])
        checked = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert checked.stderr == ""
        resaved = subprocess.run(["msgcat", str(path)], capture_output=True, text=True, check=True).stdout
        assert resaved == path.read_text("utf-8")


@needs_gettext
def test_wrapping_matches_msgcat_on_thousands_of_real_sentences(tmp_path):
    """Every sentence of the labelled term sets (nine languages) and the seed documents, as
    msgid and reversed as msgstr: msgcat (what Poedit's wrapping follows) changes nothing."""
    import csv

    texts = []
    for sheet in sorted((ROOT / "tests/data/termqa").rglob("*.csv")):
        with sheet.open(encoding="utf-8") as handle:
            texts += [value for row in csv.DictReader(handle) for value in row.values() if value and len(value) > 20]
    for seed in sorted((ROOT.parent / "shared/seeds").glob("*.txt")):
        texts += [line.strip() for line in seed.read_text("utf-8").splitlines() if len(line.strip()) > 20]
    assert len(texts) > 1000
    catalog = catalog_with({})
    for i, text in enumerate(texts):
        catalog.append(polib.POEntry(msgctxt=f"s{i}", msgid=text, msgstr=text[::-1]))
    path = tmp_path / "all.po"
    path.write_text(pofile.serialize(catalog), "utf-8")
    resaved = subprocess.run(["msgcat", str(path)], capture_output=True, text=True, check=True).stdout
    assert resaved == path.read_text("utf-8")


def test_a_temp_file_left_by_an_interrupt_inside_the_command_is_removed_before_it_ends(tmp_path):
    from pipeline.files import exclusive

    path = tmp_path / "pl.po"
    with pytest.raises(KeyboardInterrupt):
        with exclusive([path], "run it"):
            (tmp_path / ".pl.po.x1y2.tmp").write_text("half", "utf-8")   # Ctrl-C before the rename
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
