"""How well can a glossary term be inserted into machine output, given inflection?

    python benchmarks/term_insertion.py

For every approved term the translators used in the reviewed example newsletters
(each occurrence, in its inflected form), two measures per language:
- base form right: the share of occurrences written in the term's base form, i.e. how
  often inserting the base form (what pinning does when the engine used another word)
  is grammatically right as it stands;
- ending transfer: the share of occurrences our stem + ending model reproduces from
  the base form (ekonomia -> ekonomii społecznej), which is what replacing a forbidden
  alternative relies on: the replacement takes the ending the engine gave the wrong word.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.glossary.matching import ending_of, find_term, inflect_like, tokenize_with_offsets  # noqa: E402
from pipeline.glossary.qa import TermChecker, plain  # noqa: E402
from pipeline.glossary.termbase import load_termbase  # noqa: E402
from pipeline.issue import issue_ids, load_issue  # noqa: E402
from pipeline.memory import catalog_path, read_entries, translations  # noqa: E402
from pipeline.segments import extract_segments  # noqa: E402

LANGS = ["el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg"]


def main() -> None:
    termbase = load_termbase(ROOT / "glossary")
    newsletters = ROOT / "newsletters"
    issues = [load_issue(i, newsletters) for i in issue_ids(newsletters)]
    print(f"{'lang':<5} {'occurrences':>11} {'base form right':>16} {'ending transfer':>16}")
    totals = [0, 0, 0]
    for lang in LANGS:
        checker = TermChecker(termbase, lang)
        seen = base_ok = transfer_ok = 0
        for issue in issues:
            segments = extract_segments(issue)
            valid = translations(read_entries(catalog_path(issue.folder, lang)), segments)
            for segment in segments:
                if segment.id not in valid:
                    continue
                text = plain(valid[segment.id].text)
                words = tokenize_with_offsets(text, lang)
                tokens = [w for w, _, _ in words]
                for concept in checker.concepts_in_source(segment.source):
                    row = termbase.term(lang, concept.id)
                    if concept.do_not_translate or row is None or not row.usable:
                        continue
                    for span in find_term(row.term, tokens, lang):
                        used = text[words[span.start][1]:words[span.end - 1][2]]
                        seen += 1
                        base_ok += used.casefold() == row.term.casefold()
                        base_words, used_words = row.term.split(), used.split()
                        if len(base_words) == len(used_words):
                            rebuilt = []
                            for base, form in zip(base_words, used_words):
                                pair = ending_of(form, base, lang)
                                rebuilt.append(inflect_like(base, *pair, lang) if pair else None)
                            transfer_ok += all(r is not None and r.casefold() == f.casefold()
                                               for r, f in zip(rebuilt, used_words))
        totals = [totals[0] + seen, totals[1] + base_ok, totals[2] + transfer_ok]
        print(f"{lang:<5} {seen:>11} {base_ok / max(seen, 1):>16.0%} {transfer_ok / max(seen, 1):>16.0%}")
    print(f"{'all':<5} {totals[0]:>11} {totals[1] / totals[0]:>16.0%} {totals[2] / totals[0]:>16.0%}")


if __name__ == "__main__":
    main()
