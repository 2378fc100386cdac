"""A LibreTranslate-compatible HTTP server on 127.0.0.1, for tests and the benchmark.

It speaks the real API (POST /translate with q, source, target, format, api_key as
query or form fields; GET /languages), so deep-translator's LibreTranslator runs
unmodified against it. It can add latency and inject faults, scripted per request:
429, 500, a response slower than the client's timeout, a dropped connection,
mangled placeholders, dropped markup, or a glossary term swapped for a wrong one.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLACEHOLDER = re.compile(r"\{\d+\}")


def default_translation(text: str, source: str, target: str, phrases: dict[str, str]) -> str:
    """"[pl] " + each line of the text, with English phrases replaced from a phrase table."""
    for english, translated in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(r"\b" + re.escape(english) + r"\b", translated, text, flags=re.IGNORECASE)
    return "\n".join(line if PLACEHOLDER.fullmatch(line.strip()) or not line.strip() else f"[{target}] {line}"
                     for line in text.split("\n"))


class FakeLibreTranslate:
    def __init__(self, latency: float = 0.0, phrases: dict[str, dict[str, str]] | None = None,
                 slow_seconds: float = 2.0):
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.phrases = phrases or {}           # target language -> {English: translation}
        self.swaps: dict[str, dict[str, str]] = {}   # for "swap-term": target -> {right: wrong}
        self.faults: deque[str] = deque()       # consumed one per request
        self.fault_when: list[tuple[str, str]] = []   # (substring of q, fault): every time
        self.requests = 0
        self.texts: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # control -------------------------------------------------------------------------------
    def fail_next(self, *faults: str) -> None:
        self.faults.extend(faults)

    def always(self, fault: str, when: str = "") -> None:
        self.fault_when.append((when, fault))

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "FakeLibreTranslate":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                if urlsplit(self.path).path.rstrip("/") == "/languages":
                    codes = ["en", "el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg", "hu"]
                    self._json(200, [{"code": c, "name": c, "targets": codes} for c in codes])
                else:
                    self._json(404, {"error": "Not Found"})

            def do_POST(self):
                fake.handle(self)

            def _json(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # serving -------------------------------------------------------------------------------
    def handle(self, handler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if body:
            try:
                fields.update(json.loads(body))
            except ValueError:
                fields.update({k: v[0] for k, v in parse_qs(body).items()})
        if parts.path.rstrip("/") != "/translate":
            handler._json(404, {"error": "Not Found"})
            return
        text, source, target = fields.get("q", ""), fields.get("source", ""), fields.get("target", "")
        with self._lock:
            self.requests += 1
            self.texts.append(text)
            fault = self.faults.popleft() if self.faults else ""
            for needle, always in self.fault_when:
                if needle in text:
                    fault = fault or always
        if self.latency:
            time.sleep(self.latency)
        if fault == "429":
            handler._json(429, {"error": "Slowdown: 30 per 1 minute"})
        elif fault == "500":
            handler._json(500, {"error": "Internal server error"})
        elif fault == "slow":
            time.sleep(self.slow_seconds)
            handler._json(200, {"translatedText": text})
        elif fault == "drop":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        else:
            translated = default_translation(text, source, target, self.phrases.get(target, {}))
            if fault == "mangle":        # one placeholder lost, another doubled
                found = PLACEHOLDER.findall(translated)
                if found:
                    translated = translated.replace(found[0], "", 1) + (f" {found[-1]}" if len(found) > 1 else "")
            elif fault == "drop-markup":
                translated = PLACEHOLDER.sub("", translated)
            elif fault == "swap-term":
                for right, wrong in self.swaps.get(target, {}).items():
                    translated = translated.replace(right, wrong)
            handler._json(200, {"translatedText": translated})
