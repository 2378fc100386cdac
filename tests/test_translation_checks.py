"""Nothing broken reaches a subscriber: a translator's markup slip, a lost or changed link,
raw HTML, a leftover placeholder or an invisible character stops `build --strict`, pointing
at the PO file and line; a normal build warns and lists them."""

from __future__ import annotations

import polib
import pytest
from click.testing import CliRunner

from pipeline.checks import check_translation
from pipeline.cli import main
from pipeline.memory import catalog_path, read_catalog, write_catalog

ENGLISH = "First paragraph with **bold**, *italics* and a [link](https://example.org/a?b=1&c=2)."
GOOD = "Pierwszy akapit z **pogrubieniem**, *kursywą* i [odnośnikiem](https://example.org/a?b=1&c=2)."


def run(*args):
    result = CliRunner().invoke(main, list(args))   # output holds stdout and stderr
    assert "Traceback" not in result.output
    return result


def reviewed(issue, lang, segment_id, text) -> int:
    """Save `text` as a reviewed translation; the line its entry starts on."""
    path = catalog_path(issue.folder, lang)
    catalog = polib.pofile(str(path))
    entry = next(e for e in catalog if e.msgctxt == segment_id)
    entry.msgstr, entry.flags = text, []
    write_catalog(catalog, path)
    return next(e for e in read_catalog(path) if e.msgctxt == segment_id).linenum


BROKEN = {
    "emphasis": GOOD.replace("**pogrubieniem**", "**pogrubieniem"),
    "link-syntax": GOOD.replace("](https", "] (https"),
    "raw-html": GOOD.replace("**pogrubieniem**", "<b>pogrubieniem</b>"),
    "placeholder": GOOD.replace("*kursywą*", "*kursywą* {1}"),
    "link-changed": GOOD.replace("https://example.org/a?b=1&c=2", "https://evil.example/phish"),
    "link-lost": "Pierwszy akapit z **pogrubieniem**, *kursywą* i odnośnikiem.",
    "control-character": GOOD.replace("akapit", "akapit\x1b\u202e"),
}


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_a_broken_reviewed_translation_fails_strict_with_file_and_line(translated_issue, code):
    line = reviewed(translated_issue, "pl", "intro.body.0", BROKEN[code])
    result = run("build", "--strict")
    assert result.exit_code == 1
    shown = f"newsletters/2025-03-test-issue/translations/pl.po:{line}: intro.body.0: error {code}: "
    assert shown in result.output, result.output
    assert "nothing written" in result.output


def test_a_changed_link_never_ships_silently(translated_issue, project_root):
    reviewed(translated_issue, "pl", "intro.body.0", BROKEN["link-changed"])
    result = run("build")       # a preview build still writes, and says so
    assert result.exit_code == 0
    assert "pl: " in result.output and "translation error(s)" in result.output
    assert "link-changed: a link to https://evil.example/phish" in result.output
    check = run("check", "--lang", "pl")
    assert check.exit_code == 1 and "link-changed" in check.output


def test_a_correct_translation_passes(translated_issue):
    reviewed(translated_issue, "pl", "intro.body.0", GOOD)
    assert check_translation(ENGLISH, GOOD) == []


@pytest.mark.parametrize("text, code", [
    ("Biuletyn nr 7\r\nBcc: everyone@example.org", "line-break"),
    ("Biuletyn\u2028nr 7", "control-character"),
    ("Biuletyn nr 7\x00", "control-character"),
])
def test_a_one_line_text_stays_one_line_in_a_catalog(translated_issue, text, code):
    reviewed(translated_issue, "pl", "subject", text)
    result = run("check", "--lang", "pl")
    assert result.exit_code == 1 and f"subject: error {code}" in result.output


def test_length_far_from_the_english_is_a_warning_not_an_error():
    problems = check_translation(ENGLISH, "Akapit.")
    assert ("length", "warning") in [(code, severity) for code, severity, _ in problems]
    assert all(severity == "warning" for code, severity, _ in problems if code == "length")


def test_markup_the_english_itself_has_is_not_a_finding():
    english = "Use the tag <b> as written, and keep {1} and a * star."
    assert check_translation(english, "Użyj znacznika <b> tak, jak jest, i zachowaj {1} oraz * gwiazdkę.") == []


# --- what machine translation stores ------------------------------------------------------

def _greek_translator():
    from pathlib import Path

    from pipeline.engines import EngineSettings, make_engine
    from pipeline.glossary.termbase import load_termbase
    from pipeline.translate import TranslateOptions, Translator, _Counter

    termbase = load_termbase(Path(__file__).resolve().parent.parent / "glossary")
    return Translator(make_engine("pseudo", EngineSettings()), "en", "el", termbase, TranslateOptions(), _Counter())


@pytest.mark.parametrize("engine_said, expected", [
    ("Το 2ο διαπεριφερειακό workshop έγινε στο Χάσκοβο.", "Το 2ο διαπεριφερειακό εργαστήριο έγινε στο Χάσκοβο."),
    ("Το 2ο workshop έγινε στο Χάσκοβο.", "Το 2ο διαπεριφερειακό εργαστήριο έγινε στο Χάσκοβο."),
])
def test_term_enforcement_replaces_the_whole_span_and_never_doubles_a_word(engine_said, expected):
    from pipeline.translate import _Result, _Unit

    translator = _greek_translator()
    result = _Result(_Unit("el", "The 2nd interregional workshop took place in Haskovo.", []), engine_said)
    translator.fix_terms(result)
    assert result.text == expected
    assert "διαπεριφερειακό διαπεριφερειακό" not in result.text


def test_a_replacement_that_would_repeat_a_word_is_refused_with_a_note():
    from pipeline.translate import _Result, _Unit

    translator = _greek_translator()
    said = "Το εργαστήριο workshop έγινε στο Χάσκοβο."   # the term beside a forbidden word
    result = _Result(_Unit("el", "The 2nd interregional workshop took place in Haskovo.", []), said)
    translator.fix_terms(result)
    assert "εργαστήριο εργαστήριο" not in result.text
    assert any("not replaced automatically" in note for note in result.notes)


def test_engine_output_identical_to_the_english_is_kept_fuzzy_with_a_note(good_issue, monkeypatch):
    from pipeline import engines
    from pipeline.issue import load_issue
    from pipeline.translate import UNCHANGED_NOTE, TranslateOptions, translate_issue

    class Echo(engines.PseudoEngine):
        """An engine that gives the English back for texts it cannot translate."""
        name = "echo"

        def _translate(self, text, source, target):
            return text if "issue seven" in text or "SECON" in text else super()._translate(text, source, target)

    monkeypatch.setitem(engines.ENGINES, "echo", Echo)
    report = translate_issue(load_issue("2025-03-test-issue"), ["pl"], TranslateOptions(engine="echo", pack=1))
    pl = {e.msgctxt: e for e in polib.pofile(str(catalog_path(load_issue("2025-03-test-issue").folder, "pl")))}
    assert pl["intro.title"].msgstr == "Welcome to issue seven"
    assert "fuzzy" in pl["intro.title"].flags and UNCHANGED_NOTE in pl["intro.title"].tcomment
    assert "intro.title" in report.languages[0].unchanged
    assert report.languages[0].translated == len(pl) - len(report.languages[0].unchanged)
    assert report.requests == report.answered
