"""Per-recipient messages from one prepared edition: the expensive parts are done once.

For a list of thousands, building an EmailMessage per reader spends its time re-encoding
the same images and re-folding the same headers. Here an edition is prepared once: its
images base64-encoded, its MIME skeleton and shared headers as bytes, the transfer encoding
of each text part chosen. Per reader only what differs is made: To, Message-ID, the signed
unsubscribe link (in both parts and in List-Unsubscribe), and the two text parts encoded
with binascii's C encoders.

The message is the one `build_message` (the .eml) makes, in structure and headers; the
send tests parse what the relay received to check it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.policy import SMTP
from email.utils import format_datetime

from .message import Draft, Image, choose_encoding, encode_body, fold_html, no_line_breaks
from .smtp import ascii_address

PLACEHOLDER = "[[unsubscribe_url]]"


def _header(name: str, value) -> bytes:
    """One header, encoded and folded by the email package (RFC 2047 for non-ASCII)."""
    return SMTP.fold_binary(name, SMTP.header_factory(name, str(value)))


@dataclass
class Prepared:
    """One edition ready to be filled per reader."""

    draft: Draft
    html: str
    text: str
    html_cte: str
    text_cte: str
    shared_headers: bytes
    image_parts: bytes
    boundary: str
    one_click: bool
    mailto: str | None = None
    stats: dict = field(default_factory=lambda: {"messages": 0})


def prepare(draft: Draft, eight_bit: bool, one_click: bool, mailto: str | None = None) -> Prepared:
    """Everything the readers of one edition share, encoded once."""
    html = fold_html(draft.html)
    sample_html, sample_text = html.replace(PLACEHOLDER, "https://x/" + "u" * 120), draft.text.replace(PLACEHOLDER, "u" * 130)
    no_line_breaks("the subject", draft.subject)
    no_line_breaks("the sender's name", draft.sender_name)
    headers = b"".join([
        _header("From", Address(display_name=draft.sender_name, addr_spec=draft.sender_address)),
        _header("Reply-To", Address(addr_spec=draft.reply_to)) if draft.reply_to else b"",
        _header("Subject", draft.subject),
        _header("Date", format_datetime(draft.date)),
        *(_header(k, v) for k, v in draft.headers.items() if k.lower() not in ("list-unsubscribe",)),
        b"MIME-Version: 1.0\r\n",
        _header("Content-Language", draft.lang),
    ])
    token = hashlib.sha256(draft.message_id.encode()).hexdigest()[:24]
    images = b"".join(_image_part(image, f"=_{token}_r") for image in draft.images)
    return Prepared(draft, html, draft.text, choose_encoding(sample_html, eight_bit),
                    choose_encoding(sample_text, eight_bit), headers, images, token, one_click, mailto)


def _image_part(image: Image, boundary: str) -> bytes:
    return (f"--{boundary}\r\nContent-Type: image/{image.subtype}\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-ID: <{image.cid}>\r\nContent-Disposition: inline; filename=\"{image.path.rsplit('/', 1)[-1]}\"\r\n"
            "\r\n").encode("ascii") + base64.encodebytes(image.data).replace(b"\n", b"\r\n")


def _text_part(content: str, subtype: str, cte: str) -> bytes:
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
            ).encode("ascii") + encode_body(content, cte)


def message_bytes(prepared: Prepared, to_address: str, to_name: str, message_id: str,
                  unsubscribe_url: str | None) -> bytes:
    """The whole message for one reader, CRLF line endings, ready for DATA."""
    no_line_breaks("the recipient's name", to_name)
    link = unsubscribe_url or (f"mailto:{prepared.mailto}?subject=unsubscribe" if prepared.mailto else "")
    from html import escape

    html = prepared.html.replace(PLACEHOLDER, escape(link, quote=True))
    text = prepared.text.replace(PLACEHOLDER, link)
    unsubscribe = [f"<{unsubscribe_url}>"] if unsubscribe_url else []
    if prepared.mailto:
        unsubscribe.append(f"<mailto:{prepared.mailto}?subject=unsubscribe>")
    b = prepared.boundary
    head = [prepared.shared_headers,
            _header("To", Address(display_name=to_name, addr_spec=ascii_address(to_address))),
            _header("Message-ID", message_id)]
    if unsubscribe:
        head.append(_header("List-Unsubscribe", ", ".join(unsubscribe)))
        if unsubscribe_url and prepared.one_click:
            head.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    head.append(f"Content-Type: multipart/alternative; boundary=\"=_{b}_a\"\r\n\r\n".encode("ascii"))
    body = [f"--=_{b}_a\r\n".encode("ascii"), _text_part(text, "plain", prepared.text_cte)]
    html_part = _text_part(html, "html", prepared.html_cte)
    if prepared.image_parts:
        body += [f"--=_{b}_a\r\nContent-Type: multipart/related; boundary=\"=_{b}_r\"\r\n\r\n--=_{b}_r\r\n".encode(),
                 html_part, prepared.image_parts, f"--=_{b}_r--\r\n".encode()]
    else:
        body += [f"--=_{b}_a\r\n".encode(), html_part]
    body.append(f"--=_{b}_a--\r\n".encode())
    prepared.stats["messages"] += 1
    return b"".join(head) + b"".join(body)


def html_part_size(prepared: Prepared, link_length: int = 160) -> int:
    """The HTML part's body as it travels, with an unsubscribe link of typical length."""
    return len(encode_body(prepared.html.replace(PLACEHOLDER, "u" * link_length), prepared.html_cte))


__all__ = ["html_part_size", "prepare", "message_bytes", "Prepared", "PLACEHOLDER"]
