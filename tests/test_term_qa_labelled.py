"""The term checks measured on labelled sentences in every language (tests/data/termqa/).

Each file holds correct translations in many inflected forms and planted mistakes;
the checks must catch >= 95 % of the mistakes and raise <= 5 % false alarms.
`python benchmarks/term_qa.py -v` prints the table and every miss.
"""

from pathlib import Path

import pytest

from pipeline.glossary.evaluate import evaluate
from pipeline.glossary.termbase import load_termbase

ROOT = Path(__file__).resolve().parent.parent
LABELLED = sorted((ROOT / "tests" / "data" / "termqa").glob("*.csv"))
HELD_OUT = sorted((ROOT / "tests" / "data" / "termqa" / "heldout").glob("*.csv"))


LANGUAGES = sorted(["el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg"])


def test_every_target_language_has_a_development_and_a_held_out_set():
    assert sorted(p.stem for p in LABELLED) == LANGUAGES
    assert sorted(p.stem for p in HELD_OUT) == LANGUAGES


@pytest.mark.parametrize("labelled", LABELLED + HELD_OUT,
                         ids=[p.stem for p in LABELLED] + [f"heldout-{p.stem}" for p in HELD_OUT])
def test_recall_and_false_alarms(labelled):
    score = evaluate(load_termbase(ROOT / "glossary"), labelled.stem, labelled)
    # >= 20 clean rows: the glossary review (Interreg Europa in Polish) turned two held-out
    # Polish rows that keep the English programme name into planted errors; rows are not
    # added to a held-out set by people who know the checker.
    assert score.rows >= 40 and score.expected >= 15 and score.clean_rows >= 20
    details = "\n".join(score.misses + score.alarms)
    assert score.recall >= 0.95, details
    assert score.false_alarm_rate <= 0.05, details
