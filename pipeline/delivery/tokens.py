"""Signed unsubscribe tokens: the list, the address and the reader's language, with an HMAC.

A token in an unsubscribe link says who wants to leave which list; the HMAC (SHA-256, key
from NEWSLETTER_UNSUBSCRIBE_SECRET) makes it impossible to write one for somebody else's
address, or to take a reader's token from one list to another. Nothing is stored: the
unsubscribe page needs only the secret to check a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from ..errors import PipelineError

SECRET_VARIABLE = "NEWSLETTER_UNSUBSCRIBE_SECRET"
_MIN_SECRET = 16      # bytes: a short secret could be guessed from a few tokens


@dataclass(frozen=True)
class Reader:
    """Who a valid token names."""

    list_id: str
    address: str
    lang: str


class BadToken(Exception):
    """Not a token this secret signed (forged, cut short, or for another list)."""


def secret_from_environment(environ=os.environ) -> bytes:
    value = environ.get(SECRET_VARIABLE, "")
    if len(value.encode()) < _MIN_SECRET:
        raise PipelineError(f"set {SECRET_VARIABLE} to a random secret of at least {_MIN_SECRET} characters "
                            "(e.g. the output of `python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"`); "
                            "the unsubscribe page needs the same one. It is read from the environment only and "
                            "written nowhere")
    return value.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, b"newsletter-unsubscribe\x00" + payload, hashlib.sha256).digest()[:18]


def make_token(secret: bytes, list_id: str, address: str, lang: str) -> str:
    """URL-safe: letters, digits, '-', '_' and one '.'."""
    payload = "\x00".join((list_id, address.strip().lower(), lang)).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def read_token(secret: bytes, token: str, list_id: str | None = None) -> Reader:
    """The reader a token names; BadToken unless this secret signed it (and for `list_id`, if given)."""
    try:
        encoded, signature = token.strip().split(".")
        payload = _unb64(encoded)
        given = _unb64(signature)
        parts = payload.decode("utf-8").split("\x00")
    except (ValueError, UnicodeDecodeError):
        raise BadToken("malformed") from None
    if len(parts) != 3 or not hmac.compare_digest(given, _signature(secret, payload)):
        raise BadToken("not signed with this secret")
    reader = Reader(*parts)
    if list_id is not None and reader.list_id != list_id:
        raise BadToken("for another list")
    return reader


__all__ = ["Reader", "BadToken", "make_token", "read_token", "secret_from_environment", "SECRET_VARIABLE"]
