"""A real SMTP server on 127.0.0.1 for the send tests (aiosmtpd), with faults on demand.

What it received is kept in order (`messages`: envelope sender, recipients, raw bytes), so a
test can ask "did every address get exactly one message". Faults, each the way real relays
behave: a temporary or permanent refusal at RCPT, the connection dropped after the final dot
(the message received, the answer lost), a session closed after N messages, an answer slower
than the client's timeout, 421 at connect (a separate tiny server: aiosmtpd always greets).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Faults:
    rcpt: dict[str, str] = field(default_factory=dict)         # address -> reply, e.g. "451 4.7.1 try later"
    rcpt_once: dict[str, str] = field(default_factory=dict)    # the same, the first time only
    drop_after_data: set[str] = field(default_factory=set)     # keep the message, lose the answer
    close_after: int | None = None                            # per session: close at the next MAIL
    slow_data: float = 0.0                                     # seconds before answering the final dot


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, options):
        count = getattr(session, "delivered", 0)
        limit = self.sink.faults.close_after
        if limit is not None and count >= limit:
            server.transport.close()
            return "421 4.7.0 closing after too many messages"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        faults = self.sink.faults
        if address in faults.rcpt_once:
            return faults.rcpt_once.pop(address)
        if address in faults.rcpt:
            return faults.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        faults = self.sink.faults
        with self.sink.lock:
            self.sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                               envelope.original_content or envelope.content))
        session.delivered = getattr(session, "delivered", 0) + 1
        if faults.slow_data:
            await asyncio.sleep(faults.slow_data)
        if set(envelope.rcpt_tos) & faults.drop_after_data:
            server.transport.abort()
            return "250 never seen"
        return "250 2.0.0 queued"


class SmtpSink:
    """`with SmtpSink() as sink:` an SMTP server at sink.url; optional STARTTLS and AUTH."""

    def __init__(self, tls: tuple[Path, Path] | None = None, auth: tuple[str, str] | None = None,
                 require_starttls: bool = False):
        self.faults = Faults()
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.tls, self.auth = tls, auth
        self.require_starttls = require_starttls
        self.port = free_port()
        self.controller = None
        self.logins: list[str] = []

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and self.auth and \
                (auth_data.login.decode(), auth_data.password.decode()) == self.auth:
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> "SmtpSink":
        kwargs = {}
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.tls))
            kwargs.update(tls_context=context, require_starttls=self.require_starttls)
        if self.auth:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=bool(self.tls))
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", decode_data=False, data_size_limit=10_000_000,
                                     **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def addresses(self) -> list[str]:
        with self.lock:
            return [r for m in self.messages for r in m.recipients]


class RefusingServer:
    """Greets every connection with 421 (busy) and hangs up, as a relay at its limit does."""

    def __init__(self, greeting: bytes = b"421 4.3.2 too busy, try later\r\n"):
        self.greeting = greeting
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.sendall(self.greeting)
                time.sleep(0.05)
            finally:
                conn.close()

    def close(self) -> None:
        self.running = False
        self.sock.close()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 (openssl), for STARTTLS tests."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
