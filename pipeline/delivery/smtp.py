"""Talking to the partner's relay: TLS that verifies, a rate the relay allows, honest outcomes.

Every SMTP transaction ends in one of four outcomes, and the journal records which:
- sent: the relay answered 250 to the message's final dot; it now owns delivery;
- retry: a 4xx answer or a connection lost *before* the message was complete; the relay
  has nothing, so sending again is safe (with backoff);
- failed: a 5xx answer; the relay's words are kept;
- unknown: the connection was lost after the final dot went out and before its answer.
  The relay may have queued it; sending again could give that reader two copies, so it is
  never retried unless the partner asks (`--retry-unknown`).

smtplib's `sendmail` hides that last distinction, so the DATA exchange is done here in its
two halves, with a hook between them for the journal.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..errors import PipelineError

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class RelayAddress:
    scheme: str          # "smtp" (STARTTLS) or "smtps" (implicit TLS)
    host: str
    port: int
    username: str | None = None

    @property
    def local(self) -> bool:
        return self.host in LOOPBACK

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_relay_url(url: str) -> RelayAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"{url!r}: use smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS)")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host")
    if parts.password:
        raise ValueError("no password in the URL: name its environment variable in password_env")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise ValueError(f"{url!r}: the port is not a number") from None
    return RelayAddress(parts.scheme, parts.hostname, port, unquote(parts.username) if parts.username else None)


class RateLimiter:
    """Sliding windows (per second, per hour) shared by every connection of a run."""

    def __init__(self, per_second: int | None = None, per_hour: int | None = None, clock=time.monotonic,
                 sleep=time.sleep):
        self.windows = [(limit, span, deque()) for limit, span in ((per_second, 1.0), (per_hour, 3600.0)) if limit]
        self.clock, self.sleep = clock, sleep
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event | None = None) -> None:
        while True:
            with self.lock:
                now = self.clock()
                delay = 0.0
                for limit, span, stamps in self.windows:
                    while stamps and stamps[0] <= now - span:
                        stamps.popleft()
                    if len(stamps) >= limit:
                        delay = max(delay, stamps[0] + span - now)
                if delay <= 0:
                    for _, _, stamps in self.windows:
                        stamps.append(now)
                    return
            if stop is not None and stop.wait(min(delay, 1.0)):
                return
            if stop is None:
                self.sleep(delay)


@dataclass
class Outcome:
    state: str           # "sent", "retry", "failed", "unknown"
    reply: str

    @staticmethod
    def of(code: int, message) -> "Outcome":
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        reply = f"{code} {text}".strip()
        if 200 <= code < 300:
            return Outcome("sent", reply)
        return Outcome("retry" if 400 <= code < 500 else "failed", reply)


class RelayError(PipelineError):
    """The relay cannot be used at all (no connection, untrusted certificate, login refused)."""


class Connection:
    """One SMTP session, reused for up to `limit` messages, then closed and reopened."""

    def __init__(self, relay: RelayAddress, password: str | None, timeout: float, limit: int,
                 context: ssl.SSLContext | None = None, local_hostname: str | None = None):
        self.relay, self.password, self.timeout, self.limit = relay, password, timeout, limit
        self.context = context or ssl.create_default_context()
        self.local_hostname = local_hostname
        self.smtp: smtplib.SMTP | None = None
        self.used = 0
        self.eight_bit = False

    def open(self) -> None:
        relay = self.relay
        try:
            if relay.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(relay.host, relay.port, timeout=self.timeout, context=self.context,
                                        local_hostname=self.local_hostname)
            else:
                smtp = smtplib.SMTP(relay.host, relay.port, timeout=self.timeout, local_hostname=self.local_hostname)
            smtp.ehlo()
            if relay.scheme == "smtp":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.context)
                    smtp.ehlo()
                elif not relay.local:
                    smtp.close()
                    raise RelayError(f"{relay} offers no STARTTLS: messages and the password would cross the "
                                     "network in clear. Use the relay's TLS port (smtps://…:465) or one that "
                                     "offers STARTTLS")
            if relay.username:
                if self.password is None:
                    raise RelayError(f"{relay}: a username is set but its password variable is empty")
                smtp.login(relay.username, self.password)
        except ssl.SSLCertVerificationError as exc:
            raise RelayError(f"{relay}: its certificate is not trusted ({exc.verify_message}); nothing was sent. "
                             "If it is your institution's own certificate authority, add it to the system's "
                             "trusted certificates (or SSL_CERT_FILE)") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise RelayError(f"{relay}: login as {relay.username!r} refused: {exc.smtp_code} "
                             f"{exc.smtp_error.decode('utf-8', 'replace')}") from None
        except smtplib.SMTPConnectError as exc:
            raise TransientRelayError(f"{relay}: refused the connection: {exc.smtp_code} "
                                      f"{exc.smtp_error.decode('utf-8', 'replace')}") from None
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, RelayError):
                raise
            raise TransientRelayError(f"{relay}: {exc.__class__.__name__}: {exc}") from None
        self.smtp = smtp
        self.used = 0
        self.eight_bit = smtp.has_extn("8bitmime")

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def abandon(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None

    def send(self, sender: str, recipient: str, data: bytes, before_final_dot) -> Outcome:
        """One message to one recipient. `before_final_dot()` runs after the relay accepted
        MAIL, RCPT and DATA, just before the content goes out (the journal's "sending")."""
        if self.smtp is None or self.used >= self.limit:
            self.close()
            self.open()
        smtp = self.smtp
        self.used += 1
        sender, recipient = ascii_address(sender), ascii_address(recipient)
        options = ["BODY=8BITMIME"] if self.eight_bit and _has_8bit(data) else []
        if not (sender + recipient).isascii():
            if not smtp.has_extn("smtputf8"):
                return Outcome("failed", f"{recipient}: an address outside ASCII needs a relay that offers "
                                         "SMTPUTF8, and this one does not")
            options.append("SMTPUTF8")
        try:
            code, message = smtp.mail(sender, options)
            if code != 250:
                smtp.rset()
                return Outcome.of(code, message)
            code, message = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                return Outcome.of(code, message)
            code, message = smtp.docmd("DATA")
            if code != 354:
                smtp.rset()
                return Outcome.of(code, message)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.abandon()
            return Outcome("retry", f"connection lost before the message was sent ({exc.__class__.__name__})")
        before_final_dot()
        try:
            smtp.send(_dot_stuffed(data))
            code, message = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.abandon()
            return Outcome("unknown", f"connection lost after the message was sent, before the relay answered "
                                      f"({exc.__class__.__name__})")
        if code == 421:          # the relay is closing this session: the message was not taken
            self.abandon()
        return Outcome.of(code, message)


class TransientRelayError(PipelineError):
    """The relay could not be reached or refused the session for now (421, timeout, reset)."""


def ascii_address(address: str) -> str:
    """The domain in its ASCII (IDNA) form: `info@bücher.example` -> `info@xn--bcher-kva.example`.
    A local part outside ASCII stays as it is and needs the relay's SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return f"{local}@{domain}"


def _has_8bit(data: bytes) -> bool:
    return any(b > 127 for b in data[:200_000])


def _dot_stuffed(data: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with '.' gets one more; end with CRLF . CRLF."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


__all__ = ["parse_relay_url", "RelayAddress", "RateLimiter", "Connection", "Outcome", "RelayError",
           "TransientRelayError"]
