"""Recall and false alarms of the glossary term checks on the labelled sentences.

    python benchmarks/term_qa.py [-v] [--exact]

Two sets per language: tests/data/termqa/<lang>.csv (the development set, written with
the glossary) and tests/data/termqa/heldout/<lang>.csv (written later by people who never
saw the checker). -v lists every miss and false alarm. --exact measures the baseline
most tools use, exact (case-insensitive) word matching, for comparison.
"""

from __future__ import annotations

import sys
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
    if "--exact" in sys.argv:
        from pipeline.glossary import matching, qa

        exact = lambda term_word, text_word, lang: term_word.rstrip("*") == text_word  # noqa: E731
        matching.words_match = exact
        qa.find_term.__globals__["words_match"] = exact
        print("BASELINE: exact word matching (no inflection handling)")
    termbase = load_termbase(ROOT / "glossary")
    for name, folder in (("development set", ""), ("held-out set", "heldout")):
        files = sorted((ROOT / "tests" / "data" / "termqa" / folder).glob("*.csv"))
        if not files:
            continue
        print(f"\n{name}\n{HEADER}")
        total = Score("all")
        for labelled in files:
            s = evaluate(termbase, labelled.stem, labelled)
            print(line(s.lang, s))
            for attr in ("rows", "clean_rows", "expected", "caught", "reported", "false_alarms", "clean_rows_flagged"):
                setattr(total, attr, getattr(total, attr) + getattr(s, attr))
            if verbose:
                for item in s.misses + s.alarms:
                    print("   ", item)
        print(line("all", total))


if __name__ == "__main__":
    main()
