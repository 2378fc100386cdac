"""Measure the term checks on labelled sentences: recall and false alarms per language.

A labelled file (tests/data/termqa/<lang>.csv) has columns english, target, expect,
comment; `expect` lists the findings a careful reviewer expects, as `code:concept`
separated by |, empty for a correct translation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .qa import TermChecker
from .termbase import Termbase, split_list


@dataclass
class Score:
    lang: str
    rows: int = 0
    clean_rows: int = 0
    expected: int = 0
    caught: int = 0
    reported: int = 0
    false_alarms: int = 0
    clean_rows_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.expected if self.expected else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of reported findings that a reviewer would not have raised."""
        return self.false_alarms / self.reported if self.reported else 0.0

    @property
    def clean_flag_rate(self) -> float:
        """Share of correct translations that got any finding."""
        return self.clean_rows_flagged / self.clean_rows if self.clean_rows else 0.0


def evaluate(termbase: Termbase, lang: str, labelled: Path) -> Score:
    checker = TermChecker(termbase, lang)
    score = Score(lang)
    with labelled.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            expected = set(split_list(row.get("expect", "")))
            found = {f"{f.code}:{f.concept}" for f in checker.check(row["english"], row["target"])}
            score.rows += 1
            score.expected += len(expected)
            score.caught += len(expected & found)
            score.reported += len(found)
            wrong = found - expected
            score.false_alarms += len(wrong)
            if not expected:
                score.clean_rows += 1
                score.clean_rows_flagged += bool(found)
            for item in sorted(expected - found):
                score.misses.append(f"{labelled.name}:{line}: missed {item}: {row['target']}")
            for item in sorted(wrong):
                score.alarms.append(f"{labelled.name}:{line}: false alarm {item}: {row['target']}")
    return score
