"""The memory out to a CAT tool and back: XLIFF 1.2 per issue and language, TMX 1.4 memories.

Files are read back with translate-toolkit (the reader Pootle/Weblate/Virtaal use) and
edited as a translator's tool would, with lxml; imports are compared entry by entry.
"""

from __future__ import annotations

import polib
import pytest
from click.testing import CliRunner
from lxml import etree
from translate.storage.tmx import tmxfile
from translate.storage.xliff import ID_SEPARATOR, xlifffile

from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.exchange import export_memory, import_memory
from pipeline.issue import load_issue
from pipeline.memory import catalog_path, update_catalogs, write_catalog
from pipeline.segments import extract_segments

ISSUE = "2025-03-test-issue"
NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}


def set_entry(issue, lang, segment_id, text, fuzzy=False, previous=None, comment=None):
    path = catalog_path(issue.folder, lang)
    catalog = polib.pofile(str(path))
    entry = next(e for e in catalog if e.msgctxt == segment_id)
    entry.msgstr = text
    entry.flags = ["fuzzy"] if fuzzy else []
    entry.previous_msgid = previous
    if comment is not None:
        entry.tcomment = comment
    write_catalog(catalog, path)


def entries(issue, lang) -> dict[str, tuple]:
    catalog = polib.pofile(str(catalog_path(issue.folder, lang)))
    return {e.msgctxt: (e.msgid, e.msgstr, tuple(e.flags), e.previous_msgid, e.tcomment, e.comment, e.obsolete)
            for e in catalog}


def blocks(issue, lang) -> list[str]:
    """The PO file's blocks (header, then one per entry), the revision date left out."""
    text = catalog_path(issue.folder, lang).read_text("utf-8")
    return ["\n".join(line for line in block.split("\n") if not line.startswith('"PO-Revision-Date'))
            for block in text.split("\n\n")]


def edit_xliff(path, segment_id, target=None, state=None, approved=None, source=None):
    """Change one unit as a CAT tool saves it."""
    tree = etree.parse(str(path))
    unit = tree.find(f".//x:trans-unit[@id='{segment_id}']", NS)
    if source is not None:
        unit.find("x:source", NS).text = source
    node = unit.find("x:target", NS)
    if node is None and (target is not None or state is not None):
        node = etree.Element(f"{{{NS['x']}}}target")
        unit.find("x:source", NS).addnext(node)
    if target is not None:
        node.text = target
    if state is not None:
        node.set("state", state)
    if approved is not None:
        unit.set("approved", approved)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def memory_issue(translated_issue):
    """The translated issue with a machine-translated (fuzzy) entry, an outdated fuzzy entry
    (previous English kept) and an untranslated one in Polish."""
    set_entry(translated_issue, "pl", "about.title", "O nas", fuzzy=True, comment="machine translation: libre")
    set_entry(translated_issue, "pl", "heading.text", "Najważniejsze", fuzzy=True, previous="Main points")
    set_entry(translated_issue, "pl", "subject", "")
    return translated_issue


def test_export_is_read_by_translate_toolkit_with_every_id_state_and_note(memory_issue, project_root):
    path = export_memory(memory_issue, "pl")
    assert path == project_root / f"{ISSUE}-pl.xlf"
    store = xlifffile.parsestring(path.read_bytes())
    assert store.getsourcelanguage() == "en" and store.gettargetlanguage() == "pl"
    segments = extract_segments(memory_issue)
    units = store.units
    ids = [u.getid().split(ID_SEPARATOR)[-1] for u in units]
    assert ids == [s.id for s in segments]                  # every segment, in reading order
    assert all(u.getid().split(ID_SEPARATOR)[0] == f"{ISSUE}/pl.po" for u in units)
    catalog = entries(memory_issue, "pl")
    for unit, segment in zip(units, segments):
        assert unit.source == segment.source                # & and <script> survive the XML
        _, text, flags, *_ = catalog[segment.id]
        fuzzy = "fuzzy" in flags
        assert (unit.target or "") == text
        assert unit.isfuzzy() == (bool(text) and fuzzy)
        assert unit.isapproved() == (bool(text) and not fuzzy)
        state = unit.xmlelement.find("x:target", NS)
        expected = None if not text else "needs-review-translation" if fuzzy else "final"
        assert (state.get("state") if state is not None else None) == expected
        if segment.kind == "markdown":
            assert "Markdown: keep **bold**" in unit.getnotes("developer")
    by_id = dict(zip(ids, units))
    assert by_id["about.title"].getnotes("translator") == "machine translation: libre"
    assert "previous English: Main points" in by_id["heading.text"].getnotes()
    assert by_id["subject"].target in (None, "") and not by_id["subject"].isfuzzy()
    assert by_id["report.title"].isapproved() and by_id["report.title"].target == "[pl] Our report"


def test_obsolete_entries_are_left_out(memory_issue):
    path = catalog_path(memory_issue.folder, "pl")
    catalog = polib.pofile(str(path))
    catalog.append(polib.POEntry(msgctxt="old-block.title", msgid="Gone", msgstr="Nie ma", obsolete=True))
    write_catalog(catalog, path)
    store = xlifffile.parsestring(export_memory(memory_issue, "pl").read_bytes())
    assert "old-block.title" not in {u.getid().split(ID_SEPARATOR)[-1] for u in store.units}


def test_a_round_trip_changes_exactly_the_units_the_translator_edited(memory_issue, project_root):
    path = export_memory(memory_issue, "pl", output=project_root / "out" / "pl.xlf")
    before, before_blocks = entries(memory_issue, "pl"), blocks(memory_issue, "pl")

    untouched = import_memory(path)                          # nothing edited: nothing changes
    assert untouched.changed == [] and not untouched.written and untouched.conflicts == []
    assert blocks(memory_issue, "pl") == before_blocks

    edit_xliff(path, "report.title", target="Nasz raport")            # a new text, still final
    edit_xliff(path, "about.title", state="final", approved="yes")    # a machine draft reviewed
    report = import_memory(path)
    assert report.issue_id == ISSUE and report.lang == "pl"
    assert report.changed == ["about.title", "report.title"] and report.written
    assert report.conflicts == [] and report.outdated == [] and report.unknown == []
    assert "pl report.title: '[pl] Our report' -> 'Nasz raport'" in report.lines()
    assert "pl about.title: fuzzy -> reviewed" in report.lines()
    assert f"pl: changed 2 segment(s) in newsletters/{ISSUE}/translations/pl.po, " \
           f"{len(before) - 2} unchanged" in report.lines()
    after = entries(memory_issue, "pl")
    assert after["report.title"][1:3] == ("Nasz raport", ())
    assert after["about.title"][1:3] == ("O nas", ())
    assert after["about.title"][4] == ""                    # the machine's note goes with the review
    assert {k: v for k, v in after.items() if k not in ("report.title", "about.title")} == \
           {k: v for k, v in before.items() if k not in ("report.title", "about.title")}
    changed_blocks = [i for i, (a, b) in enumerate(zip(before_blocks, blocks(memory_issue, "pl"))) if a != b]
    assert len(blocks(memory_issue, "pl")) == len(before_blocks) and len(changed_blocks) == 2
    assert all('msgctxt "report.title"' in before_blocks[i] or 'msgctxt "about.title"' in before_blocks[i]
               for i in changed_blocks)


def test_a_unit_changed_in_the_file_and_in_the_repository_is_a_conflict(memory_issue, project_root):
    path = export_memory(memory_issue, "pl")
    set_entry(memory_issue, "pl", "report.title", "Raport (z repozytorium)")   # a colleague, since the export
    set_entry(memory_issue, "pl", "intro.title", "Witamy (z repozytorium)")    # the file leaves this one alone
    edit_xliff(path, "report.title", target="Nasz raport")
    edit_xliff(path, "about.title", state="final", approved="yes")
    po = catalog_path(memory_issue.folder, "pl")
    before = po.read_bytes()
    with pytest.raises(PipelineError) as caught:
        import_memory(path)
    message = caught.value.message
    assert "import refused, nothing written" in message
    assert f"report.title: changed in {ISSUE}-pl.xlf and in newsletters/{ISSUE}/translations/pl.po" in message
    assert "about.title" not in message and "--force" in message
    assert po.read_bytes() == before

    before_entries = entries(memory_issue, "pl")
    report = import_memory(path, force=True)
    assert report.conflicts == ["report.title"] and report.changed == ["about.title", "report.title"]
    assert report.kept_repo == ["intro.title"]
    assert any(line.startswith("pl report.title: --force:") for line in report.lines())
    after = entries(memory_issue, "pl")
    assert after["report.title"][1] == "Nasz raport"                   # the file wins for that unit
    assert after["intro.title"][1] == "Witamy (z repozytorium)"        # and only for that unit
    assert {k: v for k, v in after.items() if k not in ("report.title", "about.title")} == \
           {k: v for k, v in before_entries.items() if k not in ("report.title", "about.title")}


def test_a_unit_whose_english_changed_since_the_export_is_stored_fuzzy_and_reported(memory_issue, project_root):
    path = export_memory(memory_issue, "pl")
    yaml_path = memory_issue.path
    yaml_path.write_text(yaml_path.read_text("utf-8").replace('body: "Read it."', 'body: "Read the whole report."'),
                         "utf-8")
    update_catalogs(load_issue(ISSUE))    # the sync marks the old translation fuzzy
    edit_xliff(path, "report.body.0", target="Przeczytaj go.")   # still final in the file
    report = import_memory(path)
    assert report.changed == ["report.body.0"] and report.outdated == ["report.body.0"]
    assert report.conflicts == []
    assert any("report.body.0: the English changed since the export: stored as fuzzy" in line
               for line in report.lines())
    msgid, msgstr, flags, previous, *_ = entries(memory_issue, "pl")["report.body.0"]
    assert (msgid, msgstr, flags, previous) == ("Read the whole report.", "Przeczytaj go.", ("fuzzy",), "Read it.")


def test_a_dry_run_reports_and_writes_nothing(memory_issue):
    path = export_memory(memory_issue, "pl")
    edit_xliff(path, "subject", target="Biuletyn nr 7", state="translated")
    po = catalog_path(memory_issue.folder, "pl")
    before, mtime = po.read_bytes(), po.stat().st_mtime_ns
    report = import_memory(path, dry_run=True)
    assert report.changed == ["subject"] and not report.written
    assert "pl subject: '' -> 'Biuletyn nr 7' (fuzzy)" in report.lines()
    assert any(line.startswith("pl: would change 1 segment(s)") for line in report.lines())
    assert po.read_bytes() == before and po.stat().st_mtime_ns == mtime
    report = import_memory(path)
    assert entries(memory_issue, "pl")["subject"][1:3] == ("Biuletyn nr 7", ("fuzzy",))   # translated = fuzzy


def test_unknown_units_are_reported_and_an_empty_target_leaves_the_entry_alone(memory_issue):
    path = export_memory(memory_issue, "pl")
    tree = etree.parse(str(path))
    body = tree.find(".//x:body", NS)
    extra = etree.SubElement(body, f"{{{NS['x']}}}trans-unit", {"id": "old-block.title"})
    etree.SubElement(extra, f"{{{NS['x']}}}source").text = "Gone"
    etree.SubElement(extra, f"{{{NS['x']}}}target", {"state": "final"}).text = "Nie ma"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    edit_xliff(path, "report.title", target="", state="final")
    before = entries(memory_issue, "pl")
    report = import_memory(path)
    assert report.unknown == ["old-block.title"] and report.changed == []
    assert f"pl old-block.title: no such segment in issue {ISSUE} any more: not imported" in report.lines()
    assert entries(memory_issue, "pl") == before


@pytest.mark.parametrize("text, line, says", [
    ('<?xml version="1.0"?>\n<xliff version="1.2">\n  <file original="x/pl.po">\n    <body>\n'
     '      <trans-unit id="subject"><source>A & B</source></trans-unit>\n', 5, "not valid XML"),
    ('<?xml version="1.0"?>\n<xliff version="1.2">\n  <file>\n    <body/>\n  </file>\n</xliff>\n', 3,
     "expected '<issue-id>/<lang>.po'"),
    ("", 1, "not valid XML"),
    ('<?xml version="1.0"?>\n<html/>\n', 2, "neither XLIFF"),
])
def test_a_broken_file_is_an_error_with_file_and_line(good_issue, project_root, text, line, says):
    (project_root / "broken.xlf").write_text(text, "utf-8")
    with pytest.raises(PipelineError) as caught:
        import_memory(project_root / "broken.xlf")
    assert caught.value.message.startswith(f"broken.xlf:{line}:")
    assert says in caught.value.message
    result = CliRunner().invoke(main, ["memory", "import", "broken.xlf"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"broken.xlf:{line}:" in result.output


def test_the_commands_export_and_import(memory_issue, project_root):
    result = CliRunner().invoke(main, ["memory", "export", "--lang", "pl"])
    assert result.exit_code == 0, result.output
    assert f"wrote {ISSUE}-pl.xlf" in result.output
    edit_xliff(project_root / f"{ISSUE}-pl.xlf", "about.title", state="final", approved="yes")
    result = CliRunner().invoke(main, ["memory", "import", f"{ISSUE}-pl.xlf"])
    assert result.exit_code == 0, result.output
    assert "pl about.title: fuzzy -> reviewed" in result.output
    assert entries(memory_issue, "pl")["about.title"][2] == ()


def test_tmx_export_holds_only_reviewed_translations(memory_issue, project_root):
    path = export_memory(memory_issue, "pl", "tmx")
    assert path == project_root / f"{ISSUE}-pl.tmx"
    store = tmxfile(path.read_bytes(), "en", "pl")
    reviewed = {sid: text for sid, (_, text, flags, *_) in entries(memory_issue, "pl").items()
                if text and "fuzzy" not in flags}
    assert {"about.title", "heading.text", "subject"}.isdisjoint(reviewed)
    assert {u.getid(): u.target for u in store.units} == reviewed
    sources = {s.id: s.source for s in extract_segments(memory_issue)}
    assert all(u.source == sources[u.getid()] for u in store.units)
    root = etree.fromstring(path.read_bytes())
    assert root.get("version") == "1.4" and root.find("header").get("srclang") == "en"
    assert {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in root.iter("tuv")} == {"en", "pl"}


def test_tmx_import_adds_fuzzy_suggestions_and_never_touches_translations(good_issue, project_root):
    issue = load_issue(ISSUE)
    update_catalogs(issue)
    set_entry(issue, "pl", "heading.text", "Najważniejsze", fuzzy=True)     # a fuzzy translation
    set_entry(issue, "pl", "spring-workshop.title", "Wiosenne warsztaty")   # a reviewed one
    partner = project_root / "partner.tmx"
    store = tmxfile(sourcelanguage="en", targetlanguage="pl-PL")
    for english, polish in [("About us", "O nas"), ("  Our   report ", "Nasz raport"), ("Highlights", "Inne"),
                            ("Spring workshop", "Warsztaty"), ("Something else", "Coś innego")]:
        store.addtranslation(english, "en", polish, "pl-PL")
    partner.write_bytes(bytes(store))
    before = entries(issue, "pl")

    dry = import_memory(partner, dry_run=True)
    assert dry.added_suggestions == ["about.title", "report.title"] and entries(issue, "pl") == before

    report = import_memory(partner)
    assert report.kind == "tmx" and report.lang == "pl" and report.issue_id == ISSUE
    assert report.added_suggestions == ["about.title", "report.title"] and report.written
    assert report.unchanged == 2
    assert any(line.startswith("pl: added 2 suggestion(s) from partner.tmx") for line in report.lines())
    after = entries(issue, "pl")
    for sid, text in [("about.title", "O nas"), ("report.title", "Nasz raport")]:
        assert after[sid][1:3] == (text, ("fuzzy",))
        assert after[sid][4] == "suggestion from TMX partner.tmx"
    assert {k: v for k, v in after.items() if k not in ("about.title", "report.title")} == \
           {k: v for k, v in before.items() if k not in ("about.title", "report.title")}


def test_a_tmx_of_another_language_is_refused(good_issue, project_root):
    update_catalogs(load_issue(ISSUE))
    store = tmxfile(sourcelanguage="en", targetlanguage="fr")
    store.addtranslation("About us", "en", "À propos", "fr")
    (project_root / "fr.tmx").write_bytes(bytes(store))
    with pytest.raises(PipelineError, match="it has fr: none of them is"):
        import_memory(project_root / "fr.tmx")


def test_a_file_rewritten_by_translate_toolkit_imports_only_its_edit(memory_issue):
    path = export_memory(memory_issue, "pl")
    store = xlifffile.parsestring(path.read_bytes())
    unit = next(u for u in store.units if u.getid().endswith("report.title"))
    unit.target = "Nasz raport"          # settarget: the toolkit keeps it approved, state "final"
    unit.markfuzzy(True)                 # and this sends it back to review
    path.write_bytes(bytes(store))
    before = entries(memory_issue, "pl")
    report = import_memory(path)
    assert report.changed == ["report.title"] and report.unknown == [] and report.kept_repo == []
    after = entries(memory_issue, "pl")
    assert after["report.title"][1:3] == ("Nasz raport", ("fuzzy",))
    assert {k: v for k, v in after.items() if k != "report.title"} == \
           {k: v for k, v in before.items() if k != "report.title"}
