"""`newsletter check` and `newsletter status` as the comms officer and translators use them."""

from __future__ import annotations

import json

import polib
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.memory import catalog_path, write_catalog


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def set_translation(issue, lang, segment_id, text, fuzzy=False):
    path = catalog_path(issue.folder, lang)
    catalog = polib.pofile(str(path))
    entry = next(e for e in catalog if e.msgctxt == segment_id)
    entry.msgstr = text
    entry.flags = ["fuzzy"] if fuzzy else []
    write_catalog(catalog, path)


def test_check_reports_each_kind_of_finding_with_its_segment(translated_issue, glossary_dir):
    set_translation(translated_issue, "pl", "about.body.0", "Promujemy ekonomię społeczną.")        # correct
    set_translation(translated_issue, "pl", "spring-workshop.place", "Chaskowo, Bułgaria")
    set_translation(translated_issue, "pl", "project.partners.haskovo.name", "Gmina Chaskowo")
    set_translation(translated_issue, "de", "about.body.0", "Wir fördern die Sozialökonomie.")      # forbidden
    set_translation(translated_issue, "el", "about.body.0", "Προωθούμε την αλληλέγγυα οικονομία.")  # missing
    result = run("check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    found = {(f["lang"], f["segment"], f["code"], f["concept"]) for f in report["findings"]}
    assert ("de", "about.body.0", "forbidden-term", "social-economy") in found
    assert ("el", "about.body.0", "missing-term", "social-economy") in found
    assert not any(lang == "pl" and seg == "about.body.0" for lang, seg, _, _ in found)
    assert ("pl", "project.partners.haskovo.name", "missing-term", "haskovo") not in found
    assert ("de", "subject", "dnt-altered", "testcon") not in found  # "[de] Newsletter #7..." has no TESTCON
    assert all(f["issue"] == "2025-03-test-issue" for f in report["findings"])


def test_check_text_output_and_exit_codes(translated_issue, newsletters_dir, glossary_dir):
    result = run("check", "--lang", "el")
    assert result.exit_code == 1
    assert "newsletters/2025-03-test-issue/translations/el.po:45: about.body.0: error missing-term: " \
           "'social economy' should be 'κοινωνική οικονομία' (approved), not found" in result.output
    set_translation(translated_issue, "el", "about.body.0", "Προωθούμε την κοινωνική οικονομία.")
    set_translation(translated_issue, "el", "project.name", "Δοκιμαστικό έργο για την Κοινωνική Οικονομία")
    result = run("check", "--lang", "el")
    assert result.exit_code == 0 and "0 error(s), 0 warning(s)" in result.output


def test_proposed_terms_warn_and_strict_makes_warnings_fail(translated_issue, project_root, glossary_dir):
    issue_file = translated_issue.path
    issue_file.write_text(issue_file.read_text("utf-8").replace('body: "We visit Warsaw."',
                                                                'body: "Our study visit to Warsaw."'), "utf-8")
    run("sync", "--lang", "pl")
    from pipeline.issue import load_issue
    issue = load_issue("2025-03-test-issue")
    set_translation(issue, "pl", "whats_next.items.0.body.0", "Nasza podróż do Warszawy.")
    result = run("check", "--lang", "pl")
    assert "warning missing-term: 'study visit' should be 'wizyta studyjna' (proposed)" in result.output
    errors_only = result.exit_code
    assert run("check", "--lang", "pl", "--strict").exit_code == 1
    assert errors_only == 1  # the [pl] placeholder translations also break approved terms


def test_status_counts_segments_and_glossary_coverage(translated_issue, glossary_dir):
    set_translation(translated_issue, "de", "heading.text", "")
    set_translation(translated_issue, "de", "intro.title", "[de] Welcome to issue seven", fuzzy=True)
    result = run("status", "--json")
    assert result.exit_code == 0
    rows = {r["lang"]: r for r in json.loads(result.output)["languages"]}
    assert rows["de"]["segments"] == 43
    assert rows["de"]["translated"] == 42 and rows["de"]["reviewed"] == 41
    assert rows["de"]["fuzzy"] == 1 and rows["de"]["missing"] == 1
    assert (rows["de"]["approved"], rows["de"]["proposed"], rows["de"]["no_term"]) == (4, 0, 2)  # + TESTCON
    assert (rows["pl"]["approved"], rows["pl"]["proposed"], rows["pl"]["no_term"]) == (5, 1, 0)
    table = run("status").output
    assert "2025-03-test-issue: 43 segments, 6 glossary concepts" in table
    assert table.splitlines()[2].split() == ["de", "42", "41", "1", "1", "4", "0", "2"]


def test_build_warns_about_glossary_findings_and_strict_refuses(translated_issue, glossary_dir, project_root):
    result = run("build", "--lang", "de")
    assert result.exit_code == 0
    assert "warning: de: 2 glossary finding(s) (about.body.0, project.name; see `newsletter check`)" in result.output
    result = run("build", "--lang", "de", "--strict")
    assert result.exit_code == 1 and "glossary-clean; nothing written" in result.output
