"""A LibreTranslate-compatible HTTP server on 127.0.0.1, for tests and the benchmark.

It speaks the real API (POST /translate with q, source, target, format, api_key as
query or form fields; GET /languages), so deep-translator's LibreTranslator runs
unmodified against it, and DeepL's (POST /v2/translate with text, source_lang,
target_lang, key in `Authorization: DeepL-Auth-Key ...`). It can add latency and inject
faults, scripted per request: 429, 500 or any status with the provider's error body, a
response slower than the client's timeout, a connection dropped before or in the middle
of the answer, mangled placeholders, dropped markup, or a glossary term swapped for a
wrong one. With `api_key` set it refuses requests without that key where each provider
wants it, as the real servers do; every request is recorded (`received`) so a test can
check where a key travelled. With `tls` (cert, key) it serves https.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLACEHOLDER = re.compile(r"\{\d+\}")

# What each provider says with a status, in its own error body ({"error": ...} / {"message": ...}).
MESSAGES = {
    "libre": {400: "Invalid request: missing q parameter", 401: "Unauthorized", 403: "Invalid API key",
              404: "Not Found", 429: "Slowdown: 30 per 1 minute", 500: "Internal server error",
              503: "Service Unavailable"},
    "deepl": {400: "Value for 'target_lang' not supported.", 401: "Unauthorized",
              403: "Authorization failed. Please supply a valid auth_key parameter.", 404: "Not found",
              429: "Too many requests", 456: "Quota Exceeded", 500: "Internal server error",
              503: "Service Unavailable"},
}


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str                 # with the query string, as sent
    headers: dict[str, str]   # names in lower case
    body: str
    api: str = ""             # "libre", "deepl" or "" (neither)
    fields: dict = field(default_factory=dict)


def default_translation(text: str, source: str, target: str, phrases: dict[str, str]) -> str:
    """"[pl] " + each line of the text, with English phrases replaced from a phrase table."""
    for english, translated in sorted(phrases.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(r"\b" + re.escape(english) + r"\b", translated, text, flags=re.IGNORECASE)
    return "\n".join(line if PLACEHOLDER.fullmatch(line.strip()) or not line.strip() else f"[{target}] {line}"
                     for line in text.split("\n"))


class FakeLibreTranslate:
    def __init__(self, latency: float = 0.0, phrases: dict[str, dict[str, str]] | None = None,
                 slow_seconds: float = 2.0, api_key: str | None = None, tls: tuple[str, str] | None = None):
        self.latency = latency
        self.api_key = api_key                  # required if set: in the fields (libre), the header (deepl)
        self.tls = tls                          # (certificate file, key file): serve https
        self.received: list[Received] = []
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
    def fail_next(self, *faults) -> None:
        """Faults for the next requests, one each: a name ("429", "500", "slow", "drop", "cut",
        "mangle", ...), any status as digits ("456") or (status, message) for that status with
        the provider's error body."""
        self.faults.extend(faults)

    def always(self, fault, when: str = "") -> None:
        self.fault_when.append((when, fault))

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/"

    def start(self) -> "FakeLibreTranslate":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._record(self, "", "")
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
        server = self._server

        def handle_error(request, address):   # a client that hung up or refused the certificate is no news
            if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
                ThreadingHTTPServer.handle_error(server, request, address)

        self._server.handle_error = handle_error
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            # The handshake happens in the handler's thread, so a client that gives up on it stalls no one.
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True,
                                                      do_handshake_on_connect=False)
        # A short poll: shutdown() waits for the loop to look, and every test stops a server.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
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
    def _record(self, handler, body: str, api: str, fields: dict | None = None) -> None:
        with self._lock:
            self.received.append(Received(handler.command, handler.path,
                                          {k.lower(): v for k, v in handler.headers.items()}, body, api,
                                          dict(fields or {})))

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
        path = parts.path.rstrip("/")
        api = {"/translate": "libre", "/v2/translate": "deepl"}.get(path, "")
        self._record(handler, body, api, fields)
        if not api:
            handler._json(404, {"error": "Not Found"})
            return

        def error(status: int, message: str | None = None) -> None:
            message = message or MESSAGES[api].get(status, "error")
            handler._json(status, {"error": message} if api == "libre" else {"message": message})

        if api == "deepl":
            text = fields.get("text", "")
            text = text[0] if isinstance(text, list) and text else text
            source, target = str(fields.get("source_lang", "")).lower(), str(fields.get("target_lang", "")).lower()
            if self.api_key and handler.headers.get("Authorization") != f"DeepL-Auth-Key {self.api_key}":
                error(403)
                return
        else:
            text, source, target = fields.get("q", ""), fields.get("source", ""), fields.get("target", "")
            if self.api_key and fields.get("api_key") != self.api_key:
                if fields.get("api_key"):
                    error(403)
                else:
                    error(400, "Please contact the server operator to get an API key")
                return
        with self._lock:
            self.requests += 1
            self.texts.append(text)
            fault = self.faults.popleft() if self.faults else ""
            for needle, always in self.fault_when:
                if needle in text:
                    fault = fault or always
        if self.latency:
            time.sleep(self.latency)
        if isinstance(fault, tuple):
            error(*fault)
        elif isinstance(fault, str) and fault.isdigit():
            error(int(fault))
        elif fault == "slow":
            time.sleep(self.slow_seconds)
            handler._json(200, self._answer(api, text))
        elif fault == "drop":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        elif fault == "cut":        # the headers and part of the body, then the connection is gone
            handler.close_connection = True
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            handler.wfile.write(b'{"translat')
            handler.wfile.flush()
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
            handler._json(200, self._answer(api, translated))

    @staticmethod
    def _answer(api: str, translated: str) -> dict:
        if api == "deepl":
            return {"translations": [{"detected_source_language": "EN", "text": translated}]}
        return {"translatedText": translated}
