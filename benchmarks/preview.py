"""Preview benchmark: save-to-reload, from writing a file to the `reload` event on /events.

    python benchmarks/preview.py [--rounds N] [--issue ISSUE]

Runs the real thing on a temporary copy of newsletters/, templates/ and glossary/ (the
repository's files are never touched): `run_preview` in its own process on 127.0.0.1 (real
watcher, real server), and here a client connected to its /events stream. Each save is an
atomic write (temp file + fsync + rename), as the pipeline and most editors save.

- PO save, layout unchanged: one entry of one catalog, alternating between two texts.
- issue.yaml save, layout changed: alternating between the issue and the issue with one more
  block (a heading), so both layouts are compiled once and then warm in memory.
- issue.yaml save, layout never seen before (extra figure): each save adds a block with a new
  button URL (a layout value), so every save compiles MJML and inlines CSS once.

Goals: < 100 ms for the first, < 300 ms for the second (medians).
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.files import write_atomic  # noqa: E402
from pipeline.issue import resolve_issue_path  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT) + os.pathsep + ENV.get("PYTHONPATH", "")


class Server:
    """`run_preview` in a child process; its log lines are collected (rebuild times)."""

    def __init__(self, root: Path, issue: str):
        code = ("import sys; from pathlib import Path; from pipeline.preview import run_preview; "
                f"run_preview({issue!r}, port=0, newsletters_dir=Path({str(root / 'newsletters')!r}))")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, env=ENV, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.port: int | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(60) or self.port is None:
            self.stop()
            raise SystemExit("the preview did not start:\n" + "".join(self.lines))

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            found = re.search(r"on http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                self._ready.set()
        self._ready.set()

    def rebuild_times(self, since: int) -> list[float]:
        return [float(m.group(1)) for line in self.lines[since:]
                if (m := re.search(r"^rebuilt \d+ of \d+ edition\(s\) in (\d+) ms", line))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """A page's EventSource: puts (arrival time, token) on a queue for every reload event."""

    def __init__(self, port: int):
        self.events: queue.Queue = queue.Queue()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/events")
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = None
        try:
            for raw in self.response:
                line = raw.decode()
                if line.startswith("event: "):
                    event = line[7:].strip()
                elif line.startswith("data: ") and event == "reload":
                    self.events.put((time.perf_counter(), line[6:].strip()))
                    event = None
        except OSError:
            pass

    def drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()


def save_to_reload(client: Client, path: Path, versions: list[bytes], rounds: int, pause: float = 0.25) -> list[float]:
    """Write the versions in turn; milliseconds from the write to the reload event, per save."""
    times = []
    for i in range(rounds):
        time.sleep(pause)           # let the previous save's events settle
        client.drain()
        data = versions[i % len(versions)]
        start = time.perf_counter()
        write_atomic(path, data)
        try:
            arrived, _ = client.events.get(timeout=10)
        except queue.Empty:
            raise SystemExit(f"no reload event within 10 s after saving {path.name}") from None
        times.append((arrived - start) * 1000)
    return times


def _po_versions(path: Path) -> list[bytes]:
    text = path.read_text("utf-8")
    found = re.search(r'^msgstr "(.+)"$', text, re.M)    # the first entry with a one-line translation
    if found is None:
        raise SystemExit(f"{path}: no translated entry to edit")
    changed = text[:found.start(1)] + found.group(1) + " (bis)" + text[found.end(1):]
    return [changed.encode(), text.encode()]


def _with_block(issue_text: str, block: str) -> str:
    head, sep, rest = issue_text.partition("\nblocks:\n")
    if not sep:
        raise SystemExit("issue.yaml has no top-level 'blocks:' list")
    indent = re.match(r"[ ]*", rest).group(0)
    lines = block.strip("\n").splitlines()
    inserted = "\n".join(indent + line for line in lines) + "\n"
    return head + sep + inserted + rest


def summary(name: str, times: list[float], goal: float | None) -> str:
    med = statistics.median(times)
    verdict = "" if goal is None else (f"  goal < {goal:.0f} ms: " + ("met" if med < goal else "NOT met"))
    return (f"  {name:<46} median {med:6.1f} ms   (min {min(times):5.1f}, max {max(times):6.1f}, "
            f"n={len(times)}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--issue", default=None)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="nl-preview-bench-"))
    server = None
    try:
        for name in ("newsletters", "templates", "glossary"):
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, tmp / name)
        issue_path = resolve_issue_path(args.issue, tmp / "newsletters")
        issue_id = issue_path.parent.name
        catalogs = sorted((issue_path.parent / "translations").glob("*.po"))
        catalogs = [p for p in catalogs if p.stem != "qps-ploc"]
        if not catalogs:
            raise SystemExit(f"{issue_id} has no catalogs to edit")
        po = catalogs[0]

        started = time.perf_counter()
        server = Server(tmp, issue_id)
        startup = (time.perf_counter() - started) * 1000
        client = Client(server.port)
        time.sleep(1.0)   # the watcher is in place once the server logs its address; margin

        issue_text = issue_path.read_text("utf-8")
        layouts = [_with_block(issue_text, '- type: heading\n  text: "One more heading"').encode(),
                   issue_text.encode()]
        save_to_reload(client, po, _po_versions(po), 2)            # warm-up: not counted
        save_to_reload(client, issue_path, layouts, 2)

        mark = len(server.lines)
        po_times = save_to_reload(client, po, _po_versions(po), args.rounds)
        po_rebuilds = server.rebuild_times(mark)
        mark = len(server.lines)
        layout_times = save_to_reload(client, issue_path, layouts, args.rounds)
        layout_rebuilds = server.rebuild_times(mark)
        fresh = []
        for i in range(max(3, args.rounds // 4)):
            block = (f'- type: report\n  title: "Benchmark {i}"\n  body: "A report."\n  button:\n'
                     f'    label: "Read"\n    url: https://example.org/bench-{i}-{time.time_ns()}')
            fresh.append(_with_block(issue_text, block).encode())
        mark = len(server.lines)
        fresh_times = save_to_reload(client, issue_path, fresh, len(fresh))
        fresh_rebuilds = server.rebuild_times(mark)
        write_atomic(issue_path, issue_text.encode())

        print(f"issue {issue_id}: {len(catalogs)} target catalogs + source + qps-ploc; server started (first "
              f"build, cold cache) in {startup:.0f} ms\n")
        print("save -> SSE reload event, client on 127.0.0.1 (real watcher, real server):")
        print(summary(f"PO save ({po.name}), layout unchanged", po_times, 100))
        print(summary("issue.yaml save, layout changed (2 alternating)", layout_times, 300))
        print(summary("issue.yaml save, layout never seen (compile)", fresh_times, None))
        print("\nof which the rebuild itself (server log):")
        for name, values, saves in (("PO save", po_rebuilds, len(po_times)),
                                    ("layout changed", layout_rebuilds, len(layout_times)),
                                    ("layout never seen", fresh_rebuilds, len(fresh_times))):
            if values:
                print(f"  {name:<46} median {statistics.median(values):6.1f} ms   "
                      f"({len(values)} rebuilds for {saves} saves)")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
