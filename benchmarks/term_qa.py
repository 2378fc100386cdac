"""Recall and false alarms of the glossary term checks on the labelled sentences.

    python benchmarks/term_qa.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.glossary.evaluate import evaluate  # noqa: E402
from pipeline.glossary.termbase import load_termbase  # noqa: E402


def main() -> None:
    verbose = "-v" in sys.argv
    termbase = load_termbase(ROOT / "glossary")
    print(f"{'lang':<5} {'rows':>5} {'planted':>8} {'caught':>7} {'recall':>7} {'reported':>9} "
          f"{'false':>6} {'false-alarm rate':>17} {'clean rows flagged':>19}")
    for labelled in sorted((ROOT / "tests" / "data" / "termqa").glob("*.csv")):
        s = evaluate(termbase, labelled.stem, labelled)
        print(f"{s.lang:<5} {s.rows:>5} {s.expected:>8} {s.caught:>7} {s.recall:>7.1%} {s.reported:>9} "
              f"{s.false_alarms:>6} {s.false_alarm_rate:>17.1%} {s.clean_flag_rate:>19.1%}")
        if verbose:
            for line in s.misses + s.alarms:
                print("   ", line)


if __name__ == "__main__":
    main()
