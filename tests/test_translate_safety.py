"""`newsletter translate` while people work: a translator saving in the middle of a run, a
colleague starting a second run, Ctrl-C at any moment. Real processes, a real HTTP server on
127.0.0.1 that counts requests, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import polib
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.issue import load_issue
from pipeline.memory import catalog_path, update_catalogs
from pipeline.translate import TranslateOptions, translate_issue
from tests.fake_libretranslate import FakeLibreTranslate

ISSUE = "2025-03-test-issue"


def distinct_texts(lang: str) -> int:
    """Requests an uninterrupted run sends with --pack 1: one per distinct English text."""
    update_catalogs(load_issue(ISSUE), [lang])
    return len({e.msgid for e in polib.pofile(str(catalog_path(load_issue(ISSUE).folder, lang)))})


def pl_path():
    return catalog_path(load_issue(ISSUE).folder, "pl")


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def cli_translate(project_root, server, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "translate", "--engine", "libre", "--url", server.url, *extra],
        cwd=project_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
def test_a_translators_save_during_a_run_survives(good_issue):
    issue = load_issue(ISSUE)
    update_catalogs(issue, ["pl"])
    path = pl_path()
    catalog = polib.pofile(str(path))
    catalog.find("About us", msgctxt="about.title").msgstr = "O nas"                # reviewed before the run
    draft = catalog.find("Highlights", msgctxt="heading.text")
    draft.msgstr, draft.flags, draft.tcomment = "Wyróżnienia", ["fuzzy"], "machine translation: libre"
    catalog.save(str(path))
    last = [e for e in catalog if not e.msgstr][-1].msgctxt                          # sent last

    with FakeLibreTranslate(latency=0.05) as server:
        options = TranslateOptions(engine="libre", url=server.url, jobs=1, pack=1, timeout=5, progress=False)
        outcome = {}
        run = threading.Thread(target=lambda: outcome.update(report=translate_issue(issue, ["pl"], options)))
        run.start()
        assert wait_for(lambda: server.requests >= 5)
        # the translator saves in Poedit (in place, not atomically) while the run goes on
        theirs = polib.pofile(str(path))
        theirs.find("About us", msgctxt="about.title").msgstr = "O naszym projekcie"    # reviewed, changed
        theirs.find("Highlights", msgctxt="heading.text").flags = []                    # draft reviewed
        next(e for e in theirs if e.msgctxt == last).msgstr = "ręcznie"                  # by hand
        theirs.save(str(path))
        run.join(60)
    report = outcome["report"].languages[0]
    saved = {e.msgctxt: e for e in polib.pofile(str(path))}
    assert saved["about.title"].msgstr == "O naszym projekcie" and "fuzzy" not in saved["about.title"].flags
    assert saved["heading.text"].msgstr == "Wyróżnienia" and "fuzzy" not in saved["heading.text"].flags
    assert saved[last].msgstr == "ręcznie" and "fuzzy" not in saved[last].flags
    assert last in report.kept_translator
    # A machine draft the editor's save replaced with its older copy (the editor read the file
    # just before the run saved it) is reported too; it is simply translated again.
    for context, entry in saved.items():
        if context not in ("about.title", "heading.text", last):
            assert entry.msgstr.startswith("[pl] ") or context in report.kept_translator, context
    with FakeLibreTranslate() as server:
        options = TranslateOptions(engine="libre", url=server.url, pack=1, timeout=5, progress=False)
        translate_issue(load_issue(ISSUE), ["pl"], options)
    final = {e.msgctxt: e.msgstr for e in polib.pofile(str(path))}
    assert final["about.title"] == "O naszym projekcie" and final[last] == "ręcznie"
    assert all(text.startswith("[pl] ") for c, text in final.items() if c not in ("about.title", "heading.text", last))


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
def test_two_runs_at_once_do_not_both_send(good_issue, project_root):
    expected = distinct_texts("pl")
    with FakeLibreTranslate(latency=0.05) as server:
        first = cli_translate(project_root, server, "--lang", "pl", "--jobs", "1", "--pack", "1")
        assert wait_for(lambda: server.requests >= 1)
        second = CliRunner().invoke(main, ["translate", "--engine", "libre", "--url", server.url, "--lang", "pl"])
        assert second.exit_code == 1
        assert "pl.po is being changed by another newsletter command right now" in second.output
        assert first.wait(60) == 0
        assert server.requests == expected
        again = CliRunner().invoke(main, ["translate", "--engine", "libre", "--url", server.url, "--lang", "pl"])
        assert again.exit_code == 0 and "0 request(s) sent" in again.output
    assert server.requests == expected


def _leftovers(project_root):
    return [p.name for p in (project_root / "newsletters" / ISSUE / "translations").iterdir()
            if p.name.endswith(".tmp")]


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
@pytest.mark.parametrize("at", [0.3, 0.7])
def test_ctrl_c_stops_at_once_saves_every_answer_and_the_resume_sends_only_the_rest(good_issue, project_root, at):
    """Requests of the interrupted run plus its resume, against an uninterrupted run's."""
    languages = ["--lang", "pl", "--lang", "de"]
    uninterrupted = distinct_texts("pl") + distinct_texts("de")
    with FakeLibreTranslate(latency=0.15) as server:
        run = cli_translate(project_root, server, *languages, "--jobs", "4", "--pack", "1")
        assert wait_for(lambda: server.requests >= at * uninterrupted)
        os.killpg(run.pid, signal.SIGINT)
        stopped = time.monotonic()
        _, err = run.communicate(timeout=30)
        took = time.monotonic() - stopped
        sent_by_interrupted = server.requests
        assert run.returncode == 1 and b"Traceback" not in err, err
        assert b"interrupted: stopped sending" in err
        assert took < 3.0, f"took {took:.1f} s to stop"
        assert not _leftovers(project_root)
        resume = CliRunner().invoke(main, ["translate", "--engine", "libre", "--url", server.url, *languages,
                                           "--pack", "1"])
        assert resume.exit_code == 0, resume.output
    ratio = server.requests / uninterrupted
    print(f"\ninterrupted at {at:.0%}: {sent_by_interrupted} + {server.requests - sent_by_interrupted} "
          f"requests = {ratio:.3f} x an uninterrupted run; stopped in {took:.2f} s")
    assert ratio <= 1.05
    for lang in ("pl", "de"):
        done = polib.pofile(str(catalog_path(load_issue(ISSUE).folder, lang)))
        assert all(e.msgstr.startswith(f"[{lang}] ") for e in done if not e.obsolete)


@pytest.mark.slow  # a real process stopped mid-run, or a real program: `pytest -m slow`
def test_a_second_ctrl_c_is_not_a_traceback(good_issue, project_root):
    with FakeLibreTranslate(latency=0.3) as server:
        run = cli_translate(project_root, server, "--lang", "pl", "--jobs", "2", "--pack", "1")
        assert wait_for(lambda: server.requests >= 4)
        os.killpg(run.pid, signal.SIGINT)
        time.sleep(0.1)
        os.killpg(run.pid, signal.SIGINT)
        _, err = run.communicate(timeout=30)
    assert run.returncode == 1 and b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    assert not _leftovers(project_root)
    saved = [e for e in polib.pofile(str(pl_path())) if e.msgstr]
    assert saved, "the answers that had arrived are saved"
