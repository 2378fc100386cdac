"""One edition as an RFC 5322 message: headers from the list, text and HTML, images inside.

Built with the standard library's `email` package (EmailMessage, headerregistry), never by
string concatenation: header values are encoded and folded by it, and a CR or LF in a
subject or a sender's name is refused here instead of becoming a header of its own.

Each text part travels in the transfer encoding that makes it smallest: quoted-printable
suits Latin script (most bytes are ASCII), base64 suits Greek and Cyrillic (every letter
is two bytes, six characters in quoted-printable), and 8bit, the raw bytes, when the relay
offers 8BITMIME and no line is longer than SMTP's 998 octets.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import PurePosixPath

from ..errors import PipelineError

# The HTML part as it travels stays under this, leaving room below Gmail's clipping point
# (about 102 KB) for the tracking a mailing tool adds to every link.
BUDGET = 90 * 1024
MAX_LINE = 998          # octets per line, RFC 5322 2.1.1
_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.I)
_HREF = re.compile(r'\shref="([^"]*)"', re.I)
_TAG_START = re.compile(r"(<[A-Za-z][A-Za-z0-9]*) ")
_IMAGE_TYPES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}


@dataclass
class Image:
    cid: str            # without the angle brackets
    path: str           # relative to newsletters/, e.g. assets/logos/riga.png
    data: bytes

    @property
    def subtype(self) -> str:
        return _IMAGE_TYPES.get(PurePosixPath(self.path).suffix.lower(), "png")


@dataclass
class Draft:
    """What a message is made of, before the email package encodes it."""

    subject: str
    sender_name: str
    sender_address: str
    html: str
    text: str
    lang: str
    message_id: str
    date: dt.datetime
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)   # List-Id, List-Unsubscribe, X-Unsent…
    images: list[Image] = field(default_factory=list)


def embed_images(html: str, read_asset, assets_url: str | None = None) -> tuple[str, list[Image]]:
    """Every image that is a file of the project (assets/… or under assets_url) as a cid: part.

    `read_asset(path)` returns the bytes of a path relative to newsletters/. The same file
    used twice travels once.
    """
    base = (assets_url or "").rstrip("/")
    images: dict[str, Image] = {}

    def replace(match: re.Match) -> str:
        src = match.group(2)
        path = None
        if base and src.startswith(base + "/"):
            path = "assets/" + src[len(base) + 1:]
        elif not re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) and not src.startswith("//"):
            path = src
        if path is None:
            return match.group(0)
        if path not in images:
            digest = hashlib.sha256(path.encode()).hexdigest()[:16]
            images[path] = Image(f"{PurePosixPath(path).stem}.{digest}@newsletter", path, read_asset(path))
        return f"{match.group(1)}cid:{images[path].cid}{match.group(3)}"

    return _SRC.sub(replace, html), list(images.values())


def unreachable_images(html: str, images: list[Image] = ()) -> list[str]:
    """Image addresses an inbox cannot load: relative paths, or a cid: without its part."""
    cids = {image.cid for image in images}
    bad = []
    for match in _SRC.finditer(html):
        src = match.group(2)
        if src.lower().startswith("cid:"):
            if src[4:] not in cids:
                bad.append(src)
        elif not src.lower().startswith(("https://", "http://")):
            bad.append(src)
    return bad


def relative_links(html: str) -> list[str]:
    """Links that are not absolute: in a message there is no page for them to be relative to."""
    return [href for href in _HREF.findall(html)
            if not href.lower().startswith(("https://", "http://", "mailto:")) and not _is_merge_tag(href)]


def _is_merge_tag(href: str) -> bool:
    from .mergetags import ALL_TAGS

    return href in ALL_TAGS


def fold_html(html: str) -> str:
    """Lines short enough for SMTP: a line break inside tags, before their attributes.

    A line break there is whitespace between attributes, so nothing a reader sees changes
    (between tags it would be a text node, and a gap between MJML's inline-block columns).
    """
    return _TAG_START.sub("\\1\n", html)


def no_line_breaks(field_name: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise PipelineError(f"{field_name} {value[:60]!r}… contains a line break (CR/LF): in a mail header that "
                            "would start a header of its own; fix the text (it is one line)")


def message_id(domain: str, *parts: str) -> str:
    """A Message-ID on the sender's domain, the same for the same edition (builds are deterministic)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def encode_body(text: str, cte: str) -> bytes:
    """A text part's body as it travels, CRLF line ends (binascii's C encoders: fast per reader)."""
    data = text.encode("utf-8")
    if cte == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    if cte == "quoted-printable":
        encoded = binascii.b2a_qp(data.replace(b"\r\n", b"\n"), istext=True)
        return encoded.replace(b"\n", b"\r\n") + (b"" if encoded.endswith(b"\n") else b"\r\n")
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + (b"" if data.endswith(b"\n") else b"\r\n")


def choose_encoding(content: str, eight_bit: bool) -> str:
    """The transfer encoding that makes this part smallest; 8bit only if offered and every line fits."""
    candidates = ["quoted-printable", "base64"]
    if eight_bit and all(len(line.encode("utf-8")) <= MAX_LINE for line in content.splitlines()):
        candidates.insert(0, "8bit")
    return min(candidates, key=lambda cte: len(encode_body(content, cte)))


def build_message(draft: Draft, eight_bit: bool = False) -> EmailMessage:
    """multipart/alternative (text, then HTML); the HTML with its images as multipart/related."""
    no_line_breaks("the subject", draft.subject)
    no_line_breaks("the sender's name", draft.sender_name)
    for name, value in draft.headers.items():
        no_line_breaks(name, value)
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = draft.subject
    try:
        msg["From"] = Address(display_name=draft.sender_name, addr_spec=draft.sender_address)
        if draft.reply_to:
            msg["Reply-To"] = Address(addr_spec=draft.reply_to)
    except (ValueError, IndexError) as exc:
        raise PipelineError(f"sender {draft.sender_name!r} <{draft.sender_address}>: {exc}") from None
    msg["Date"] = format_datetime(draft.date)
    msg["Message-ID"] = draft.message_id
    for name, value in draft.headers.items():
        msg[name] = value
    html = fold_html(draft.html)
    msg.set_content(draft.text, subtype="plain", charset="utf-8", cte=choose_encoding(draft.text, eight_bit))
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=choose_encoding(html, eight_bit))
    msg["Content-Language"] = draft.lang     # after set_content, which clears Content-* headers
    if draft.images:
        html_part = msg.get_payload()[1]
        for image in draft.images:
            html_part.add_related(image.data, maintype="image", subtype=image.subtype, cid=f"<{image.cid}>",
                                  filename=PurePosixPath(image.path).name, disposition="inline")
    # MIME boundaries from the message's own identity, not random: the same edition is the
    # same bytes (and a boundary can never occur in the parts, which are base64/QP or folded).
    token = draft.message_id.strip("<>").partition("@")[0]
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_{token}_{i}")
    return msg


def html_part(msg: EmailMessage) -> EmailMessage:
    return msg.get_body(preferencelist=("html",))


def encoded_size(part: EmailMessage) -> int:
    """Bytes of a part's body as it travels (after its transfer encoding)."""
    if part.is_multipart():
        return 0
    body = part.get_payload().replace("\r\n", "\n")
    return len(body.encode("utf-8", "surrogateescape")) + body.count("\n")   # lines end in CRLF on the wire


__all__ = ["Draft", "Image", "BUDGET", "build_message", "embed_images", "unreachable_images", "relative_links",
           "fold_html", "message_id", "html_part", "encoded_size", "encode_body",
           "choose_encoding", "no_line_breaks"]
