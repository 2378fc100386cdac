"""Ctrl-C benchmark: how many requests an interrupted `newsletter translate` plus its resume
send, against one uninterrupted run, and how long the interrupted run takes to stop.

    python benchmarks/interrupt.py [--latency 0.4] [--points 0.25 0.5 0.75] [--pack 25]

The shipped project is copied to a temp folder with every catalog removed, so all nine
languages are translated from nothing, by the real CLI in a subprocess, against the
LibreTranslate-compatible test server on 127.0.0.1 answering each request after --latency
seconds. SIGINT is sent when the server has seen the given share of the uninterrupted run's
requests; the same command then resumes. Goal: ratio <= 1.05.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_libretranslate import FakeLibreTranslate  # noqa: E402


def fresh_project() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="nl-interrupt-"))
    for name in ("newsletters", "glossary", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    for catalog in (folder / "newsletters").glob("*/translations/*.po"):
        catalog.unlink()
    return folder


def command(server: FakeLibreTranslate, pack: int) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "translate", "--engine", "libre", "--url", server.url,
            "--pack", str(pack)]


def run(server: FakeLibreTranslate, pack: int, stop_after: int | None) -> tuple[int, float]:
    """(requests sent by this run, seconds from SIGINT to exit)."""
    project = fresh_project()
    start = server.requests
    process = subprocess.Popen(command(server, pack), cwd=project, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    stopped_in = 0.0
    if stop_after is not None:
        while server.requests - start < stop_after and process.poll() is None:
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGINT)
        signalled = time.monotonic()
        process.wait()
        stopped_in = time.monotonic() - signalled
        interrupted = server.requests - start
        subprocess.run(command(server, pack), cwd=project, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
        total = server.requests - start
        print(f"  stopped after {interrupted:4d} requests, resumed with {total - interrupted:4d}: "
              f"{total} in all; stopped in {stopped_in:.2f} s")
    else:
        process.wait()
    shutil.rmtree(project, ignore_errors=True)
    return server.requests - start, stopped_in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.4)
    parser.add_argument("--points", type=float, nargs="+", default=[0.25, 0.5, 0.75])
    parser.add_argument("--pack", type=int, default=25)
    args = parser.parse_args()
    with FakeLibreTranslate(latency=args.latency) as server:
        baseline, _ = run(server, args.pack, None)
        print(f"uninterrupted: {baseline} requests (9 languages, --pack {args.pack}, latency {args.latency} s)")
        ratios, stops = [], []
        for point in args.points:
            total, stopped_in = run(server, args.pack, max(1, round(point * baseline)))
            ratios.append(total / baseline)
            stops.append(stopped_in)
            print(f"  at {point:.0%}: ratio {total / baseline:.3f}")
    print(f"ratio median {statistics.median(ratios):.3f}, worst {max(ratios):.3f} (goal <= 1.05); "
          f"stop time median {statistics.median(stops):.2f} s, worst {max(stops):.2f} s")


if __name__ == "__main__":
    main()
