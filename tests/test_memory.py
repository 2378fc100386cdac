"""The translation memory as a translator and the comms officer meet it: PO files that
round-trip, invalidate only what changed, reuse reviewed text and are never half-written."""

from __future__ import annotations

import os

import polib
import pytest

from pipeline.errors import PipelineError
from pipeline.issue import load_issue
from pipeline.memory import catalog_path, read_catalog, update_catalogs, write_catalog
from pipeline.segments import extract_segments
from tests.conftest import DATA, write_issue


def fill(path, lang, fuzzy=False):
    catalog = polib.pofile(str(path))
    for entry in catalog:
        entry.msgstr = f"{lang.upper()}: {entry.msgid}"
        if fuzzy:
            entry.flags.append("fuzzy")
    write_catalog(catalog, path)


def test_sync_creates_one_catalog_per_language_with_segment_ids(good_issue):
    issue = load_issue("2025-03-test-issue")
    reports = update_catalogs(issue)
    assert [r.lang for r in reports] == ["de", "pl", "el"]
    catalog = polib.pofile(str(catalog_path(issue.folder, "pl")))
    ids = [e.msgctxt for e in catalog]
    assert ids == [s.id for s in extract_segments(issue)]
    assert "spring-workshop.body.0" in ids and "intro.body.1" in ids
    assert catalog.metadata["Language"] == "pl"
    assert all(e.msgstr == "" for e in catalog)


def test_catalog_round_trips_and_a_second_sync_changes_nothing(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    path = catalog_path(issue.folder, "de")
    fill(path, "de")
    before = path.read_bytes()
    reports = update_catalogs(issue, ["de"])
    assert reports[0].written is False
    assert path.read_bytes() == before
    again = polib.pofile(str(path))
    assert again.find("Welcome to issue seven", msgctxt="intro.title").msgstr == "DE: Welcome to issue seven"


def test_editing_one_paragraph_invalidates_only_that_segment(good_issue, newsletters_dir):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    path = catalog_path(issue.folder, "pl")
    fill(path, "pl")

    text = good_issue.read_text("utf-8").replace("Second paragraph:", "Second paragraph, edited:")
    good_issue.write_text(text, "utf-8")
    report = update_catalogs(load_issue("2025-03-test-issue"), ["pl"])[0]

    assert report.invalidated == ["intro.body.1"]
    catalog = polib.pofile(str(path))
    changed = next(e for e in catalog if e.msgctxt == "intro.body.1")
    assert "fuzzy" in changed.flags
    assert changed.msgid.startswith("Second paragraph, edited:")
    assert changed.previous_msgid.startswith("Second paragraph:")
    assert changed.msgstr.startswith("PL: Second paragraph:")  # kept as a suggestion
    others = [e for e in catalog if e.msgctxt != "intro.body.1"]
    assert others and all("fuzzy" not in e.flags and e.msgstr.startswith("PL: ") for e in others)


def test_a_translators_entry_is_never_overwritten(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    path = catalog_path(issue.folder, "el")
    catalog = polib.pofile(str(path))
    catalog.find("Highlights", msgctxt="heading.text").msgstr = "Στιγμιότυπα"
    write_catalog(catalog, path)
    update_catalogs(load_issue("2025-03-test-issue"), ["el"])
    assert polib.pofile(str(path)).find("Highlights", msgctxt="heading.text").msgstr == "Στιγμιότυπα"


def test_reviewed_text_is_reused_by_the_next_issue_and_fuzzy_text_is_not(good_issue, newsletters_dir):
    first = load_issue("2025-03-test-issue")
    update_catalogs(first)
    fill(catalog_path(first.folder, "de"), "de")
    fill(catalog_path(first.folder, "pl"), "pl", fuzzy=True)

    write_issue(newsletters_dir, "2025-06-next", (DATA / "good-issue.yaml").read_text("utf-8")
                .replace("number: 7", "number: 8").replace("Welcome to issue seven", "Welcome to issue eight"))
    second = load_issue("2025-06-next")
    reports = {r.lang: r for r in update_catalogs(second)}

    de = polib.pofile(str(catalog_path(second.folder, "de")))
    assert de.find("We promote the social economy.", msgctxt="about.body.0").msgstr == \
        "DE: We promote the social economy."
    assert de.find("Welcome to issue eight", msgctxt="intro.title").msgstr == ""
    assert "about.body.0" in reports["de"].reused
    assert reports["pl"].reused == []  # unreviewed text is not spread to other issues


def test_removed_segments_become_obsolete_not_lost(good_issue):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    path = catalog_path(issue.folder, "de")
    fill(path, "de")
    good_issue.write_text(good_issue.read_text("utf-8").replace(
        '  - type: heading\n    text: "Highlights"\n', ""), "utf-8")
    report = update_catalogs(load_issue("2025-03-test-issue"), ["de"])[0]
    assert report.obsoleted == ["heading.text"]
    obsolete = [e for e in polib.pofile(str(path)) if e.obsolete]
    assert [e.msgstr for e in obsolete] == ["DE: Highlights"]


def test_an_interrupted_write_leaves_the_previous_catalog(good_issue, monkeypatch):
    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    path = catalog_path(issue.folder, "de")
    before = path.read_bytes()
    catalog = polib.pofile(str(path))
    catalog[0].msgstr = "changed"

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_catalog(catalog, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["de.po", "el.po", "pl.po"]


def test_a_broken_po_file_is_a_clear_error(tmp_path):
    path = tmp_path / "de.po"
    path.write_text('msgid "a"\nmsgstr "b"\nthis is not PO\n', "utf-8")
    with pytest.raises(PipelineError, match=r"de\.po:3: cannot read this PO file \(syntax error\)"):
        read_catalog(path)
