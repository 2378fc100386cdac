"""The shipped glossary follows what the partners write on their own pages, and the
checks hold translations to it: official names of the programme per language, the
partners' established terms, and the English or a superlative never passing as the term.

The sentences are written for these tests in the partners' usage; none is a partner's text.
"""

from pathlib import Path

import pytest

from pipeline.errors import ValidationError
from pipeline.glossary.qa import TermChecker
from pipeline.glossary.termbase import load_termbase

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def termbase():
    return load_termbase(ROOT / "glossary")


def findings(termbase, lang, english, target):
    return sorted(f"{f.code}:{f.concept}" for f in TermChecker(termbase, lang).check(english, target))


# --- Interreg Europe: not translated, but official names in Polish and Bulgarian ------------

@pytest.mark.parametrize("lang, target", [
    ("pl", "SECON to projekt programu Interreg Europa."),   # as the Mazowieckie partner writes it
    ("bg", "SECON е проект по програма Интеррег Европа."),  # as the Haskovo partner writes it
    ("de", "SECON ist ein Projekt im Rahmen von Interreg Europe."),
    ("es", "SECON es un proyecto Interreg Europe."),
])
def test_interreg_europe_is_written_as_its_official_name_in_each_language(termbase, lang, target):
    assert findings(termbase, lang, "SECON is an Interreg Europe project.", target) == []


@pytest.mark.parametrize("lang, target", [
    ("pl", "SECON to projekt programu Interreg Europe."),
    ("pl", "SECON - PROJEKT PROGRAMU INTERREG EUROPE"),
    ("bg", "SECON е проект по програма Interreg Europe."),
])
def test_the_english_name_is_an_error_where_the_language_has_an_official_one(termbase, lang, target):
    # The English here is not "altered": it is the wrong name for this language.
    assert findings(termbase, lang, "SECON is an Interreg Europe project.", target) == \
        ["forbidden-term:interreg-europe"]


@pytest.mark.parametrize("lang, target", [
    ("de", "SECON ist ein Projekt im Rahmen von Interreg Europa."),   # German keeps the English
    ("pl", "SECON to projekt programu Interreg Europy."),              # the official name is not inflected
    ("bg", "SECON е проект по програма Интеррег Европе."),
])
def test_any_other_form_of_the_name_is_altered(termbase, lang, target):
    assert findings(termbase, lang, "SECON is an Interreg Europe project.", target) == \
        ["dnt-altered:interreg-europe"]


def test_an_official_name_must_say_where_it_comes_from(tmp_path):
    # Typing a translation into the term of a do-not-translate concept makes it required in
    # that language, so the row must say why; a row without a note is refused.
    (tmp_path / "concepts.csv").write_text(
        "id,english,definition,part_of_speech,do_not_translate,case_sensitive,english_variants,note\n"
        "interreg-europe,Interreg Europe,The programme.,proper noun,yes,yes,,\n", "utf-8")
    (tmp_path / "lv.csv").write_text(
        "concept,term,status,variants,forbidden,forbidden_reason,note\n"
        "interreg-europe,Interreg Eiropa,approved,,,,\n", "utf-8")
    with pytest.raises(ValidationError, match=r"lv.csv:2.*note.*official name"):
        load_termbase(tmp_path)
    (tmp_path / "lv.csv").write_text(
        "concept,term,status,variants,forbidden,forbidden_reason,note\n"
        "interreg-europe,Interreg Europe,approved,,,,\n", "utf-8")
    assert load_termbase(tmp_path).official_name("lv", "interreg-europe") is None


# --- the partners' established terms -----------------------------------------------------

@pytest.mark.parametrize("lang, english, target", [
    # The German partner keeps Social Economy and Good Practices in English ...
    ("de", "The social economy is growing in the Rhine-Neckar region.",
     "Die Social Economy wächst in der Region Rhein-Neckar."),
    ("de", "Partners exchanged good practices.", "Die Partner tauschten Good Practices aus."),
    # ... and writes soziale Unternehmen and politische Instrumente.
    ("de", "Social enterprises employ people with disabilities.",
     "Soziale Unternehmen beschäftigen Menschen mit Behinderungen."),
    ("de", "Each region improves one policy instrument.", "Jede Region verbessert ein politisches Instrument."),
    ("de", "Two policy instruments were improved.", "Zwei politische Instrumente wurden verbessert."),
    # The Polish partner writes budowanie zdolności for capacity building.
    ("pl", "The project invests in capacity building.", "Projekt inwestuje w budowanie zdolności."),
    ("pl", "A survey on capacity building.", "Ankieta dotycząca budowania zdolności."),
    # The Bulgarian partner writes начална среща, регион Мазовецкие, Район за планиране на Рига.
    ("bg", "The kick-off meeting took place in Kalamata.", "Началната среща се състоя в Каламата."),
    ("bg", "Mazowieckie Region hosted the study visit.", "Регион Мазовецкие беше домакин на учебното посещение."),
    ("bg", "Riga Planning Region will host the conference.",
     "Район за планиране на Рига ще бъде домакин на конференцията."),
])
def test_the_partners_own_usage_passes(termbase, lang, english, target):
    assert findings(termbase, lang, english, target) == []


def test_the_earlier_terms_stay_accepted_where_they_were_not_wrong(termbase):
    assert findings(termbase, "bg", "The kick-off meeting took place in Kalamata.",
                    "Встъпителната среща се състоя в Каламата.") == []
    assert findings(termbase, "pl", "The project invests in capacity building.",
                    "Projekt inwestuje w budowanie potencjału.") == []


def test_a_partner_name_is_written_one_way(termbase):
    # An earlier rendering of the partner's name is not the name the partner uses.
    assert findings(termbase, "bg", "Riga Planning Region will host the conference.",
                    "Регион за планиране Рига ще бъде домакин на конференцията.") == ["missing-term:partner-riga"]


# --- what never passes as the term -------------------------------------------------------

def test_the_english_partner_name_is_not_the_german_one(termbase):
    # "Region of Peloponnese" would pass as "Region Peloponnes" if "of" were a short
    # inserted word and -e an ending.
    assert findings(termbase, "de", "The Region of Peloponnese hosted the meeting.",
                    "Die Region of Peloponnese war Gastgeberin des Treffens.") == ["missing-term:partner-peloponnese"]
    assert findings(termbase, "de", "The Region of Peloponnese hosted the meeting.",
                    "Die Region Peloponnes war Gastgeberin des Treffens.") == []


@pytest.mark.parametrize("lang, target, expected", [
    ("bg", "Партньорите обмениха най-добри практики.", ["missing-term:good-practice"]),
    ("pl", "Partnerzy wymienili się najlepszymi praktykami.", ["forbidden-term:good-practice"]),
    ("pl", "Partnerzy wymienili się lepszymi praktykami.", ["missing-term:good-practice"]),
    ("de", "Die Partner tauschten die besten Praktiken aus.", ["forbidden-term:good-practice"]),
])
def test_best_practices_are_not_good_practices(termbase, lang, target, expected):
    assert findings(termbase, lang, "Partners exchanged good practices.", target) == expected


def test_inflection_the_glossary_no_longer_lists(termbase):
    # zamówień publicznych was a typed-in variant; the genitive plural is now a rule.
    assert findings(termbase, "pl", "The law on public procurement changed.",
                    "Zmieniło się prawo zamówień publicznych.") == []
    assert findings(termbase, "pl", "Regional policies support the social economy.",
                    "Regionalne polityki wspierają ekonomię społeczną.") == []
    assert findings(termbase, "de", "Partners exchanged good practices.",
                    "Die Partner tauschten gute Praktiken aus.") == []
