"""Recall and false alarms of the glossary term checks on the labelled sentences.

    python benchmarks/term_qa.py [-v] [--exact | --no-lemmas] [--no-variants]

Three sets: tests/data/termqa/<lang>.csv (the development set, written with the
glossary), tests/data/termqa/heldout/<lang>.csv (written later by people who never saw the
checker) and tests/data/termqa/real/ (real human translations, the consortium's own
Portuguese Newsletter #2 aligned with its English, labelled by a reviewer who never saw the
checker; see its README). -v lists every miss and false alarm. --exact measures the baseline
most tools use, exact (case-insensitive) word matching, for comparison. --no-lemmas
measures the stem + ending rules alone, without simplemma's lemmas (the second signal),
to see what the lemmas add. --no-variants drops every glossary variant of translated
concepts, so that inflections must be found by the matcher itself (a stress test of how
far it generalises: variants that are synonyms then raise false alarms with any matcher).
The time printed includes loading simplemma's dictionaries.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.glossary.evaluate import Score, evaluate  # noqa: E402
from pipeline.glossary.termbase import load_termbase  # noqa: E402

HEADER = (f"{'lang':<6} {'rows':>5} {'planted':>8} {'caught':>7} {'recall':>7} {'reported':>9} "
          f"{'false':>6} {'false-alarm rate':>17} {'clean rows flagged':>19}")


def line(label: str, s: Score) -> str:
    return (f"{label:<6} {s.rows:>5} {s.expected:>8} {s.caught:>7} {s.recall:>7.1%} {s.reported:>9} "
            f"{s.false_alarms:>6} {s.false_alarm_rate:>17.1%} {s.clean_flag_rate:>19.1%}")


def main() -> None:
    verbose = "-v" in sys.argv
    started = time.perf_counter()
    from pipeline.glossary import matching
    if "--exact" in sys.argv:
        exact = lambda term_word, text_word, lang: term_word.rstrip("*") == text_word  # noqa: E731
        matching.words_match = exact
        matching.LEMMAS = False
        print("BASELINE: exact word matching (no inflection handling)")
    elif "--no-lemmas" in sys.argv:
        matching.LEMMAS = False
        print("stem + ending rules only (no simplemma lemmas)")
    termbase = load_termbase(ROOT / "glossary")
    if "--no-variants" in sys.argv:
        import dataclasses

        termbase = dataclasses.replace(termbase, languages={
            lang: {cid: t if termbase.concepts[cid].do_not_translate else dataclasses.replace(t, variants=())
                   for cid, t in terms.items()} for lang, terms in termbase.languages.items()},
            source_concepts={}, check_results={})
        print("without the glossary's variants")
    for name, folder in (("development set", ""), ("held-out set", "heldout"),
                         ("real human translations, labelled blind (tests/data/termqa/real)", "real")):
        files = sorted((ROOT / "tests" / "data" / "termqa" / folder).glob("*.csv"))
        if not files:
            continue
        print(f"\n{name}\n{HEADER}")
        total = Score("all")
        for labelled in files:
            s = evaluate(termbase, labelled.stem.split("-")[0], labelled)   # real/pt-newsletter2.csv: pt
            print(line(s.lang, s))
            for attr in ("rows", "clean_rows", "expected", "caught", "reported", "false_alarms", "clean_rows_flagged"):
                setattr(total, attr, getattr(total, attr) + getattr(s, attr))
            if verbose:
                for item in s.misses + s.alarms:
                    print("   ", item)
        print(line("all", total))
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
