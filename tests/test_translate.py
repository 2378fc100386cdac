"""Machine translation as the comms officer runs it, against a real HTTP server on 127.0.0.1
that speaks LibreTranslate's API (driven through deep-translator's LibreTranslator), with faults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse

import polib
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.engines import EngineError, EngineSettings, MyMemoryEngine, backoff_delays, make_engine
from pipeline.issue import load_issue
from pipeline.memory import catalog_path
from pipeline.translate import TranslateOptions, translate_issue
from tests.conftest import DATA, write_issue
from tests.fake_libretranslate import FakeLibreTranslate

FAST = dict(timeout=0.5, backoff=0.01, attempts=4, pack=1)  # one text per request unless a test packs


@pytest.fixture
def server():
    fake = FakeLibreTranslate(slow_seconds=1.5)
    fake.phrases = {"pl": {"social economy": "ekonomii społecznej"}}
    fake.swaps = {"pl": {"ekonomii społecznej": "gospodarki społecznej"}}
    with fake:
        yield fake


def translate(server, langs=("pl",), **options):
    issue = load_issue("2025-03-test-issue")
    return translate_issue(issue, list(langs), TranslateOptions(engine="libre", url=server.url, jobs=4,
                                                                **{**FAST, **options}))


def entries(lang):
    issue = load_issue("2025-03-test-issue")
    return {e.msgctxt: e for e in polib.pofile(str(catalog_path(issue.folder, lang)))}


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def test_short_texts_share_requests_and_a_lost_separator_falls_back(good_issue, server):
    report = translate(server, pack=25)
    assert report.languages[0].translated == 43 and report.requests < 43 / 2
    assert any("\n{" in t for t in server.texts)          # several texts in one request
    pl = entries("pl")
    assert pl["heading.text"].msgstr == "[pl] Highlights"
    assert pl["intro.body.0"].msgstr.endswith("[link](https://example.org/a?b=1&c=2).")

    good_issue.write_text(good_issue.read_text("utf-8").replace("Highlights", "Latest highlights")
                          .replace("About us", "About our project"), "utf-8")
    server.always("drop-markup", when="\n{")                 # the separators get lost in packs
    report = translate(server, pack=25)
    pl = entries("pl")
    assert pl["heading.text"].msgstr == "[pl] Latest highlights"   # sent on its own instead
    assert pl["about.title"].msgstr == "[pl] About our project"


def test_pseudo_localization_is_its_own_edition_and_never_touches_a_real_catalog(good_issue, project_root):
    result = run("translate", "--engine", "pseudo")
    assert result.exit_code == 0, result.output
    assert "qps-ploc: pseudo: 43 machine-translated" in result.output
    assert not catalog_path(load_issue("2025-03-test-issue").folder, "pl").exists()
    pseudo = entries("qps-ploc")
    assert all("fuzzy" in e.flags and e.msgstr.startswith("⟦") for e in pseudo.values())
    assert pseudo["intro.body.0"].msgstr.count("**") == 2 and "](https://example.org/a?b=1&c=2)" in pseudo["intro.body.0"].msgstr
    assert run("translate", "--engine", "pseudo").output.endswith("0 request(s) sent, 0 answered\n")
    assert run("build").exit_code == 0
    assert not (project_root / "dist/2025-03-test-issue/qps-ploc.html").exists()   # only on request
    assert run("build", "--lang", "qps-ploc").exit_code == 0
    html = (project_root / "dist/2025-03-test-issue/qps-ploc.html").read_text("utf-8")
    assert "⟦Wéłçömé tö îššüé šévéñ ~~~~~~~⟧" in html  # ~35 % longer, accented, bracketed
    assert '<html lang="qps-ploc"' in html and "13–14 November 2025" in html   # dates as in English


def test_the_pseudo_engine_is_refused_for_a_real_language(good_issue):
    result = run("translate", "--engine", "pseudo", "--lang", "pl")
    assert result.exit_code == 1 and "never goes into a real language's catalog (pl)" in result.output
    result = run("translate", "--engine", "libre", "--lang", "qps-ploc")
    assert result.exit_code == 1 and "only --engine pseudo fills it" in result.output


def test_pseudo_then_libre_fills_real_drafts(good_issue, server):
    run("translate", "--engine", "pseudo")
    report = translate(server)
    assert report.languages[0].translated == 43
    assert all(e.msgstr.startswith("[pl] ") for e in entries("pl").values() if e.msgstr)


def test_discarding_one_engines_drafts_cleans_a_poisoned_catalog(good_issue, server, newsletters_dir):
    """Catalogs filled with pseudo text before it had its own edition: discard, then translate."""
    translate(server)
    path = catalog_path(load_issue("2025-03-test-issue").folder, "pl")
    catalog = polib.pofile(str(path))
    for entry in catalog:
        if entry.msgctxt == "about.title":
            entry.flags = []   # a translator reviewed this one: it stays
            entry.msgstr = "O nas (sprawdzone)"
        elif entry.msgctxt.startswith("intro"):
            entry.msgstr, entry.tcomment = "⟦Wéłçömé ~~~⟧", "machine translation: pseudo"
    catalog.save(str(path))
    result = run("discard", "--engine", "pseudo", "--lang", "pl")
    assert result.exit_code == 0, result.output
    assert "pl: 3 unreviewed pseudo draft(s) discarded" in result.output
    pl = entries("pl")
    assert pl["about.title"].msgstr == "O nas (sprawdzone)"
    assert pl["intro.title"].msgstr == "" and "fuzzy" not in pl["intro.title"].flags
    assert pl["heading.text"].msgstr.startswith("[pl]")     # libre's drafts are untouched
    before = server.requests
    assert translate(server).languages[0].translated == 3 and server.requests - before == 3


def test_libre_translates_all_nine_languages_deep_translator_refuses(good_issue, server):
    issue = load_issue("2025-03-test-issue")
    for lang in ["el", "nl", "ro", "lv", "bg", "de", "pl", "pt", "es"]:
        assert make_engine("libre", EngineSettings(url=server.url)).translate("Hello", "en", lang) == f"[{lang}] Hello"
    report = translate(server, langs=["el", "pl"])
    assert {r.lang: r.translated for r in report.languages} == {"el": 43, "pl": 43}
    assert entries("el")["heading.text"].msgstr == "[el] Highlights"
    assert issue.id == "2025-03-test-issue"


def test_markup_and_names_survive_and_results_are_fuzzy_with_the_engine(good_issue, glossary_dir, server):
    translate(server)
    pl = entries("pl")
    intro = pl["intro.body.0"]
    assert intro.msgstr == ("[pl] First paragraph with **bold**, *italics* and a "
                            "[link](https://example.org/a?b=1&c=2).")
    assert "fuzzy" in intro.flags and intro.tcomment.startswith("machine translation: libre")
    assert pl["indicators.items.0.label"].msgstr == "[pl] euros of budget"
    # numbers and URLs never reach the engine; do-not-translate names neither
    assert not any("1842680" in t or "example.org" in t or "TESTCON" in t for t in server.texts)


def test_reviewed_translations_are_never_sent_or_overwritten(good_issue, glossary_dir, server):
    run("sync", "--lang", "pl")
    issue = load_issue("2025-03-test-issue")
    path = catalog_path(issue.folder, "pl")
    catalog = polib.pofile(str(path))
    catalog.find("Highlights", msgctxt="heading.text").msgstr = "Wydarzenia"
    catalog.save(str(path))
    translate(server)
    assert entries("pl")["heading.text"].msgstr == "Wydarzenia"
    assert "Highlights" not in server.texts


def test_identical_texts_are_sent_once_and_a_second_run_sends_nothing(good_issue, server, newsletters_dir):
    text = (DATA / "good-issue.yaml").read_text("utf-8").replace('place: "Warsaw"', 'place: "Haskovo, Bulgaria"')
    good_issue.write_text(text, "utf-8")
    report = translate(server)
    assert server.texts.count("Haskovo, Bulgaria") == 1
    assert report.requests == server.requests == len(set(server.texts))
    before = server.requests
    assert translate(server).requests == 0 and server.requests == before


def test_an_earlier_issues_memory_is_reused_without_requests(good_issue, server, newsletters_dir):
    translate(server)
    write_issue(newsletters_dir, "2025-06-next", (DATA / "good-issue.yaml").read_text("utf-8")
                .replace("Welcome to issue seven", "Welcome to issue eight"))
    before = server.requests
    report = translate_issue(load_issue("2025-06-next"), ["pl"],
                             TranslateOptions(engine="libre", url=server.url, **FAST))
    assert server.requests - before == 1 == report.requests          # only the new title
    assert report.languages[0].reused == 42


@pytest.mark.parametrize("fault", ["429", "500", "slow", "drop"])
def test_transient_faults_are_retried_and_nothing_is_lost(good_issue, server, fault):
    server.fail_next(fault, fault)
    report = translate(server)
    assert report.languages[0].translated == 43 and not report.languages[0].failed
    assert report.requests == 43 + 2
    assert all(e.msgstr for e in entries("pl").values())


@pytest.mark.slow  # every retry with its real backoff: `pytest -m slow`
def test_a_server_that_keeps_failing_is_reported_clearly_and_the_rest_is_saved(good_issue, server):
    server.always("500", when="Highlights")
    result = run("translate", "--engine", "libre", "--url", server.url, "--lang", "pl", "--timeout", "1")
    assert result.exit_code == 1
    assert "failed after retries: heading.text" in result.output
    assert "  pl: libre: " in result.output and "500" in result.output and "gave up after" in result.output  # why
    pl = entries("pl")  # still a valid catalog
    assert pl["heading.text"].msgstr == "" and pl["intro.title"].msgstr == "[pl] Welcome to issue seven"


def test_mangled_placeholders_are_retried_sentence_by_sentence(good_issue, server):
    server.fail_next("mangle")                         # once: the retry per sentence succeeds
    translate(server)
    assert entries("pl")["intro.title"].msgstr == "[pl] Welcome to issue seven"
    server.always("mangle", when="First paragraph")     # always: handed to a translator
    good_issue.write_text(good_issue.read_text("utf-8").replace("First paragraph", "First paragraph, new"), "utf-8")
    translate(server)
    text = entries("pl")["intro.body.0"]
    assert text.msgstr == "[pl] First paragraph with **bold**, *italics* and a [link](https://example.org/a?b=1&c=2)."
    assert "fuzzy" in text.flags and text.previous_msgid.startswith("First paragraph with")  # old kept, marked
    assert "lost markup" in text.tcomment and "translate this segment by hand" in " ".join(text.tcomment.split())


def test_dropped_markup_in_one_long_request_is_recovered_per_sentence(good_issue, server):
    good_issue.write_text(good_issue.read_text("utf-8").replace(
        'body: "We promote the social economy."',
        'body: "We promote the **social economy**. We also publish [reports](https://example.org/r)."'), "utf-8")
    server.always("drop-markup", when="{2}. We also")  # only the whole paragraph, not single sentences
    translate(server)
    about = entries("pl")["about.body.0"]
    assert about.msgstr == ("[pl] We promote the **ekonomii społecznej**. "
                            "[pl] We also publish [reports](https://example.org/r).")


def test_a_wrong_glossary_term_is_replaced_with_the_approved_one_inflected(good_issue, glossary_dir, server):
    server.always("swap-term", when="We promote")
    translate(server)
    about = entries("pl")["about.body.0"]
    assert about.msgstr == "[pl] We promote the ekonomii społecznej."        # not gospodarki społecznej
    assert "glossary" not in about.tcomment


def test_a_missing_glossary_term_is_pinned_and_noted(good_issue, glossary_dir, server):
    translate(server, langs=["el"])
    about = entries("el")["about.body.0"]
    assert about.msgstr == "[el] We promote the κοινωνική οικονομία."
    assert "inserted in its base form; check its ending" in " ".join(about.tcomment.split())


def test_long_texts_are_cut_at_sentence_ends_to_fit_the_request_limit(good_issue, server, monkeypatch):
    from pipeline.engines import LibreEngine

    monkeypatch.setattr(LibreEngine, "max_request_chars", 60)
    good_issue.write_text(good_issue.read_text("utf-8").replace(
        'body: "Read it."', 'body: "First sentence of the report text. Second sentence of it. Third one here."'),
        "utf-8")
    translate(server)
    sent = [t for t in server.texts if "sentence" in t or "Third" in t]
    assert sent == ["First sentence of the report text.", "Second sentence of it. Third one here."]
    assert all(len(urllib.parse.quote(t, safe="")) <= 60 for t in server.texts)
    assert entries("pl")["report.body.0"].msgstr == \
        "[pl] First sentence of the report text. [pl] Second sentence of it. Third one here."


def test_engine_choice_errors_are_clear_before_any_request(good_issue, monkeypatch):
    monkeypatch.delenv("DEEPL_API_KEY", raising=False)
    result = run("translate", "--engine", "deepl", "--lang", "pl")
    assert result.exit_code == 1 and "set the environment variable DEEPL_API_KEY" in result.output
    result = run("translate", "--engine", "babelfish")
    assert result.exit_code == 1 and "unknown engine 'babelfish'" in result.output
    result = run("translate", "--engine", "libre", "--lang", "pl")  # fixture project sets no url
    assert result.exit_code == 1 and "give the server's address with --url" in result.output


def test_an_api_key_is_used_but_never_written(good_issue, server, monkeypatch, newsletters_dir):
    monkeypatch.setenv("LIBRETRANSLATE_API_KEY", "secret-key-123")
    translate(server)
    files = [p for p in newsletters_dir.rglob("*") if p.is_file()]
    assert files and not any(b"secret-key-123" in p.read_bytes() for p in files)


def test_mymemory_gets_region_codes():
    engine = MyMemoryEngine(EngineSettings())
    assert [engine._region_code(lang) for lang in ["en", "bg", "el", "lv", "pt", "es"]] == \
        ["en-GB", "bg-BG", "el-GR", "lv-LV", "pt-PT", "es-ES"]
    assert engine.max_request_chars == 500


def test_backoff_grows_exponentially_with_full_jitter():
    assert backoff_delays(4, 0.5, rng=lambda: 1.0) == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delays(3, 0.5, cap=1.5, rng=lambda: 1.0) == [0.5, 1.0, 1.5]
    assert all(0 <= d <= 0.5 * 2 ** i for i, d in enumerate(backoff_delays(5, 0.5)))


def test_an_unknown_engine_in_project_yaml_is_a_validation_error(good_issue, newsletters_dir):
    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8") + "translation:\n  engine: babelfish\n", "utf-8")
    result = run("validate")
    assert result.exit_code == 1 and "translation.engine: unknown engine 'babelfish'" in result.output


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["crash", "ctrl-c"])
def test_a_stopped_run_resumes_with_only_what_is_missing(good_issue, project_root, stop):
    with FakeLibreTranslate(latency=0.4) as slow:  # time to stop it between two requests
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "translate", "--engine", "libre", "--url", slow.url,
             "--lang", "pl", "--jobs", "1"], cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        path = project_root / "newsletters/2025-03-test-issue/translations/pl.po"
        deadline = time.time() + 30
        done = 0
        while time.time() < deadline and done < 5:
            time.sleep(0.05)
            try:
                done = sum(1 for e in polib.pofile(str(path)) if e.msgstr)
            except (OSError, ValueError):
                done = 0
        os.killpg(process.pid, stop)
        _, err = process.communicate(timeout=30)
        if stop == signal.SIGINT:
            assert process.returncode == 1 and b"Traceback" not in err
            assert b"interrupted: stopped sending;" in err and b"received are saved" in err
        saved = sum(1 for e in polib.pofile(str(path)) if e.msgstr)   # the file is whole
        assert 5 <= saved < 43
        before = slow.requests
        # The server answers in 0.4 s: with FAST's 0.5 s timeout a loaded machine times out and retries,
        # and each retry is one more request than the texts missing.
        report = translate(slow, progress=True, timeout=5)
        assert report.requests == slow.requests - before == 43 - saved
        assert all(e.msgstr for e in entries("pl").values())


def test_unsupported_language_is_named(good_issue):
    engine = make_engine("mymemory", EngineSettings())
    assert not engine.supports("xx")
    with pytest.raises(EngineError, match="unknown engine"):
        make_engine("nope", EngineSettings())


def test_the_engine_can_be_chosen_per_language_in_project_yaml(good_issue, newsletters_dir, server):
    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8") + f"translation:\n  engine: deepl\n  url: {server.url}\n"
                       "  engines: {pl: libre}\n", "utf-8")
    result = run("translate", "--lang", "pl")      # deepl has no key here, but pl uses libre
    assert result.exit_code == 0 and "pl: libre: 43 machine-translated" in result.output


def test_new_issue_starts_from_the_latest_and_reuses_reviewed_translations(good_issue, newsletters_dir, server):
    translate(server)
    issue = load_issue("2025-03-test-issue")
    path = catalog_path(issue.folder, "pl")
    catalog = polib.pofile(str(path))
    for entry in catalog:
        entry.flags = []  # a translator reviewed everything
    catalog.save(str(path))

    result = run("new", "2025-06-test-issue-8")
    assert result.exit_code == 0, result.output
    new = load_issue("2025-06-test-issue-8")
    assert new.number == 8 and [b.kind for b in new.blocks] == ["intro", "about", "heading", "consortium", "footer"]
    assert new.blocks[1].body == issue.blocks[1].body
    assert "pl: 21 segment(s) already translated, 5 to translate" in result.output
    assert run("translate", "--engine", "libre", "--url", server.url, "--lang", "pl").output.startswith(
        "pl: libre: 5 machine-translated, 0 reused")
    assert run("new", "2025-06-test-issue-8").exit_code == 1
    assert "must look like YYYY-MM-short-name" in run("new", "issue nine").output
    assert "sorts before the latest issue" in run("new", "2020-01-old").output
