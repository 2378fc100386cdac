"""Translate benchmark and markup survival, against a local LibreTranslate-compatible server.

    python benchmarks/translate.py [--latency 0.1] [--jobs 8]

1. One new issue (the latest example issue with an empty memory) into the 9 target
   languages, the server answering each request after `--latency` seconds:
   deep-translator's own serial `translate_batch` on the same segments, versus
   `newsletter translate`; then a second run with nothing changed (requests sent).
2. Markup and do-not-translate names: both example issues, empty memory, every
   segment into every language, with the local server and the pseudo engine: the share
   of segments whose Markdown markers, link targets and SECON/Interreg Europe/KMOP
   come back exactly as in the English.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.engines import EngineSettings, LibreEngine  # noqa: E402
from pipeline.issue import PSEUDO_LOCALE, issue_ids, load_issue  # noqa: E402
from pipeline.segments import extract_segments  # noqa: E402
from pipeline.translate import TranslateOptions, translate_issue  # noqa: E402
from tests.fake_libretranslate import FakeLibreTranslate  # noqa: E402

LANGS = ["el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg"]


def glossary_phrases() -> dict[str, dict[str, str]]:
    """A server that knows the approved terms, as a good engine (or a DeepL glossary) would."""
    from pipeline.glossary.termbase import load_termbase

    termbase = load_termbase(ROOT / "glossary")
    return {lang: {c.english: termbase.term(lang, cid).term for cid, c in termbase.concepts.items()
                   if termbase.term(lang, cid) and termbase.term(lang, cid).term and not c.do_not_translate}
            for lang in LANGS}


def empty_memory_copy() -> Path:
    root = Path(tempfile.mkdtemp(prefix="nl-translate-bench-"))
    shutil.copytree(ROOT / "newsletters", root / "newsletters")
    shutil.copytree(ROOT / "glossary", root / "glossary")
    for po in (root / "newsletters").rglob("*.po"):
        po.unlink()
    return root / "newsletters"


def markup_signature(text: str, names: list[str]) -> tuple:
    return (text.count("**"), text.replace("**", "").count("*"), re.findall(r"\]\(([^)]*)\)", text),
            tuple(text.count(n) for n in names))


def survival(newsletters: Path, engine: str, url: str | None) -> tuple[int, int]:
    names = ["SECON", "Interreg Europe", "KMOP"]
    kept = total = 0
    langs = [PSEUDO_LOCALE] if engine == "pseudo" else LANGS   # pseudo text has its own edition
    for issue_id in issue_ids(newsletters):
        issue = load_issue(issue_id, newsletters)
        translate_issue(issue, langs, TranslateOptions(engine=engine, url=url, jobs=8, backoff=0.01))
        import polib
        for lang in langs:
            for entry in polib.pofile(str(issue.folder / "translations" / f"{lang}.po")):
                total += 1
                kept += bool(entry.msgstr) and markup_signature(entry.msgstr, names) == markup_signature(entry.msgid, names)
    return kept, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()

    with FakeLibreTranslate(latency=args.latency, phrases=glossary_phrases()) as server:
        newsletters = empty_memory_copy()
        issue = load_issue(None, newsletters)
        texts = [s.source for s in extract_segments(issue)]
        print(f"issue {issue.id}: {len(texts)} segments x {len(LANGS)} languages, "
              f"server latency {args.latency * 1000:.0f} ms per request\n")

        start = time.perf_counter()
        engine = LibreEngine(EngineSettings(url=server.url))
        for lang in LANGS:  # deep-translator's LibreTranslator.translate_batch: one request per text, in turn
            engine.client("en", lang).translate_batch(texts)
        baseline = time.perf_counter() - start
        baseline_requests = server.requests

        before = server.requests
        start = time.perf_counter()
        report = translate_issue(issue, LANGS, TranslateOptions(engine="libre", url=server.url, jobs=args.jobs))
        ours = time.perf_counter() - start
        ours_requests = server.requests - before

        before = server.requests
        start = time.perf_counter()
        again = translate_issue(load_issue(None, newsletters), LANGS,
                                TranslateOptions(engine="libre", url=server.url, jobs=args.jobs))
        second = time.perf_counter() - start

        print(f"  deep-translator translate_batch, serial   {baseline:7.2f} s  {baseline_requests:4d} requests")
        print(f"  newsletter translate --jobs {args.jobs:<2}            {ours:7.2f} s  {ours_requests:4d} requests "
              f"({report.requests} incl. retries)")
        print(f"  speed-up                                   {baseline / ours:7.1f}x  (goal >= 10x)")
        print(f"  second run, nothing changed                {second:7.2f} s  {server.requests - before:4d} requests "
              f"({again.requests})")

    print("\nmarkup and do-not-translate names kept, both example issues, empty memory:")
    with FakeLibreTranslate(phrases=glossary_phrases()) as server:
        kept, total = survival(empty_memory_copy(), "libre", server.url)
        print(f"  local LibreTranslate-compatible server   {kept}/{total} segments ({kept / total:.1%})")
    kept, total = survival(empty_memory_copy(), "pseudo", None)
    print(f"  pseudo engine                            {kept}/{total} segments ({kept / total:.1%})")


if __name__ == "__main__":
    main()
