"""Benchmark `newsletter send`: messages per second and peak memory to a loopback SMTP sink.

    python benchmarks/send.py                 # 10,000 and 100,000 readers, plus the naive loop
    python benchmarks/send.py --sizes 2000    # quicker

Each size runs in a fresh process (peak RSS is per process), sending the shipped Polish
edition of the latest issue through `pipeline.delivery.send.send` to a minimal SMTP sink in
another process: it answers each command and discards the data, so it costs less than the
sender and the figure is the sender's (aiosmtpd, the test server, is slower than this
sender; measured too, for reference). The baseline is the naive loop: for each reader a new
smtplib connection and a freshly built EmailMessage (`delivery.message.build_message`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


# --- a sink that costs little -----------------------------------------------------------------

def _sink_session(conn: socket.socket) -> None:
    f = conn.makefile("rb")
    conn.sendall(b"220 sink ready\r\n")
    try:
        while True:
            line = f.readline()
            if not line:
                return
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                conn.sendall(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 50000000\r\n")
            elif command == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                while True:
                    chunk = f.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                conn.sendall(b"250 2.0.0 queued\r\n")
            elif command == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")
    except OSError:
        return
    finally:
        conn.close()


def fast_sink(port_queue) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port_queue.put(server.getsockname()[1])
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_sink_session, args=(conn,), daemon=True).start()


def aiosmtpd_sink(port_queue) -> None:
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    port_queue.put(port)
    while True:
        time.sleep(3600)


def start_sink(kind: str):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=fast_sink if kind == "fast" else aiosmtpd_sink, args=(queue,),
                                      daemon=True)
    process.start()
    return process, queue.get(timeout=20)


# --- a project copy with N readers --------------------------------------------------------------

def make_project(folder: Path, readers: int) -> Path:
    shutil.copytree(REPO / "newsletters", folder / "newsletters")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", folder / "templates")
    path = folder.parent / f"readers-{readers}.csv"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as out:
            out.write("email;name;language\n")
            for i in range(readers):
                out.write(f"reader{i}@example.org;Czytelnik {i};pl\n")
    return path


def run_send(readers: int, port: int, jobs: int) -> dict:
    """In this (fresh) process: load, send, and report time and peak memory."""
    os.environ.setdefault("NEWSLETTER_UNSUBSCRIBE_SECRET", "benchmark-secret-0123456789")
    from pipeline.delivery.recipients import load_recipients
    from pipeline.delivery.send import SendOptions, send
    from pipeline.delivery.lists import load_lists
    from pipeline.project import load_project

    work = Path(tempfile.mkdtemp(prefix="send-bench-"))
    try:
        csv = make_project(work / "repo", readers)
        os.chdir(work / "repo")
        started = time.perf_counter()
        mailing_list = load_lists(load_project(Path("newsletters"))).get("mazowieckie")
        load_recipients(csv, mailing_list)          # what send does first: timed on its own
        loaded = time.perf_counter()
        rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report = send(None, "mazowieckie", csv, SendOptions(smtp=f"smtp://127.0.0.1:{port}", jobs=jobs))
        done = time.perf_counter()
        assert report.counts["sent"] == readers, report.counts
        send_seconds = (done - loaded) - (loaded - started)      # send() reads the file again
        return {"readers": readers, "jobs": jobs, "load_s": loaded - started, "send_s": send_seconds,
                "per_s": readers / send_seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                / 1024, "rss_after_load_mb": rss_loaded / 1024}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_naive(readers: int, port: int) -> dict:
    """The baseline: a new connection and a freshly built EmailMessage for every reader."""
    import datetime as dt
    import smtplib

    from pipeline.build import edition_statuses
    from pipeline.delivery.editions import eml_draft, view_online_url
    from pipeline.delivery.lists import load_lists
    from pipeline.delivery.message import build_message
    from pipeline.issue import load_issue
    from pipeline.localize import FooterLinks, make_edition
    from pipeline.render import Renderer, templates_dir_for

    work = Path(tempfile.mkdtemp(prefix="send-naive-"))
    try:
        make_project(work / "repo", 1)
        issue = load_issue(None, work / "repo" / "newsletters")
        mailing_list = load_lists(issue.project).get("mazowieckie")
        (status, texts), = edition_statuses(issue, ["pl"])
        renderer = Renderer(templates_dir_for(issue.project.root))
        footer = FooterLinks("mazowieckie", mailing_list.contact, "[[unsubscribe_url]]",
                             view_online_url(issue.project, issue.id, "pl"), mailing_list.privacy_url)
        edition = make_edition(issue, "pl", lambda seg: texts.get(seg.id, seg.source), footer)
        html, text = renderer.html(edition), renderer.text(edition)      # rendered once, as send does
        started = time.perf_counter()
        for i in range(readers):
            address = f"reader{i}@example.org"
            link = f"https://example.org/u?t={i:040d}"
            draft = eml_draft(issue, mailing_list, "pl", html.replace("[[unsubscribe_url]]", link),
                              text.replace("[[unsubscribe_url]]", link), edition.subject)
            draft.date = dt.datetime.now(dt.timezone.utc)
            msg = build_message(draft)
            msg["To"] = address
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail(mailing_list.sender.address, [address], msg.as_bytes())
        seconds = time.perf_counter() - started
        return {"readers": readers, "send_s": seconds, "per_s": readers / seconds}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def in_child(function: str, *args) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); import send as b; "
            f"print(json.dumps(b.{function}(*{args!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600, cwd=REPO)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the first size (median reported)")
    parser.add_argument("--naive", type=int, default=500, help="readers for the naive loop")
    args = parser.parse_args()

    sink, port = start_sink("fast")
    try:
        results = []
        for n, size in enumerate(args.sizes):
            runs = [in_child("run_send", size, port, args.jobs) for _ in range(args.repeat if n == 0 else 1)]
            rate = statistics.median(r["per_s"] for r in runs)
            best = runs[0]
            results.append((size, rate, best))
            print(f"send    {size:>7} readers, {args.jobs} connections: {rate:7.0f} messages/s (median of "
                  f"{len(runs)}), send {best['send_s']:.1f} s, reading the file {best['load_s']:.1f} s, "
                  f"peak RSS {best['peak_rss_mb']:.0f} MB (after reading the file {best['rss_after_load_mb']:.0f} MB)")
        naive = in_child("run_naive", args.naive, port)
        print(f"naive   {args.naive:>7} readers: {naive['per_s']:7.0f} messages/s")
        print(f"ratio   send / naive: {results[0][1] / naive['per_s']:.1f}x")
    finally:
        sink.terminate()
    slow, port = start_sink("aiosmtpd")
    try:
        size = min(args.sizes[0], 2000)
        reference = in_child("run_send", size, port, args.jobs)
        print(f"(for reference, to aiosmtpd, the test server: {reference['per_s']:.0f} messages/s with {size} readers)")
    finally:
        slow.terminate()


if __name__ == "__main__":
    main()
