"""Each mailing tool's merge tags for the footer's per-reader links (`build --for TOOL`).

A partner that sends through a mailing tool imports the edition's HTML there; the tool then
writes each reader's unsubscribe link and its own web copy where its tags stand. The tags,
from each tool's documentation:

- Mailchimp: `*|UNSUB|*` (unsubscribe page), `*|ARCHIVE|*` (the campaign's web copy).
- Brevo (new template language): `{{ unsubscribe }}`, `{{ mirror }}`.
- MailerLite: `{$unsubscribe}`, `{$url}` (web version).
- listmonk: `{{ UnsubscribeURL }}`, `{{ MessageURL }}`.
- Mautic: `{unsubscribe_url}`, `{webview_url}`.
- generic: `[[unsubscribe_url]]`, which `newsletter send` fills with each reader's signed
  link (or a script of your own does); the web copy is the edition published at
  editions_url, the same for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flavour:
    name: str
    unsubscribe: str
    view_online: str | None   # None: the edition published at editions_url
    tool: str                 # how the README and messages name it


GENERIC_UNSUBSCRIBE = "[[unsubscribe_url]]"

FLAVOURS = {f.name: f for f in (
    Flavour("mailchimp", "*|UNSUB|*", "*|ARCHIVE|*", "Mailchimp"),
    Flavour("brevo", "{{ unsubscribe }}", "{{ mirror }}", "Brevo"),
    Flavour("mailerlite", "{$unsubscribe}", "{$url}", "MailerLite"),
    Flavour("listmonk", "{{ UnsubscribeURL }}", "{{ MessageURL }}", "listmonk"),
    Flavour("mautic", "{unsubscribe_url}", "{webview_url}", "Mautic"),
    Flavour("generic", GENERIC_UNSUBSCRIBE, None, "newsletter send (or your own script)"),
)}

# Every tag any flavour writes: an edition for one tool must carry none of another's.
ALL_TAGS = sorted({t for f in FLAVOURS.values() for t in (f.unsubscribe, f.view_online) if t})

__all__ = ["Flavour", "FLAVOURS", "GENERIC_UNSUBSCRIBE", "ALL_TAGS"]
