"""QA benchmark: `run_qa` on the shipped latest issue (every edition at 320, 375 and 600 px,
axe, images off, styles stripped, gallery screenshots), median of N runs, in seconds.

    python benchmarks/qa.py [--rounds 3] [--issue ISSUE] [--jobs N] [--no-gallery]

Built into a temporary folder each round (the checkout's dist/ is left alone); the target is
10 editions x 3 widths under 30 s on a 2-core machine. A round's time includes the build and
the browser's start, as `newsletter qa` spends them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.inspect import run_qa  # noqa: E402
from pipeline.inspect.browser import find_chromium  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--issue", default=None, help="issue id (default: the latest)")
    parser.add_argument("--jobs", type=int, default=None, help="browser pages in parallel (default: one per core)")
    parser.add_argument("--no-gallery", action="store_true", help="skip the screenshots and gallery")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if find_chromium() is None:
        sys.exit("no Chromium found: apt install chromium (or set NEWSLETTER_CHROMIUM)")
    times, report = [], None
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="qa-bench-") as out:
            start = time.perf_counter()
            report = run_qa(args.issue, None, False, newsletters_dir=ROOT / "newsletters", out_dir=Path(out),
                            gallery=not args.no_gallery, jobs=args.jobs)
            times.append(time.perf_counter() - start)
    figures = {
        "issue": report.issue_id,
        "editions": len(report.languages),
        "widths": list(report.widths),
        "rounds": args.rounds,
        "median_s": round(statistics.median(times), 2),
        "runs_s": [round(t, 2) for t in times],
        "errors": len(report.errors),
        "warnings": len(report.warnings),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"qa {figures['issue']}: {figures['editions']} editions x {len(figures['widths'])} widths "
          f"({', '.join(map(str, figures['widths']))} px), median of {args.rounds}: {figures['median_s']:.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in figures['runs_s'])}); "
          f"{figures['errors']} error(s), {figures['warnings']} warning(s)")


if __name__ == "__main__":
    main()
