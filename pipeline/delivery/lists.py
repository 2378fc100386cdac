"""Mailing lists (`newsletters/lists.yaml`): who sends which language to whom, and how to leave.

Settings only, never people: recipients are a file given to `newsletter send` and kept out
of git. What a list says is what a reader's inbox and the law need from the sender: a name
and address the message comes from, a contact, a privacy notice, a way to unsubscribe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ValidationError
from ..files import shown_path
from ..schema import Context, EmailAddress, LangCode, PartnerId, Slug, Text, Url, build, needs
from ..yamlsource import load_yaml

LISTS_FILE = "lists.yaml"
TOKEN = "{token}"   # in an unsubscribe URL: each reader's signed token, filled in by `send`


@dataclass
class Sender:
    name: str           # a header's display name: one line (a CR/LF there would start a new header)
    address: EmailAddress

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass
class Unsubscribe:
    """How a reader leaves: a page (its URL may carry {token}) and/or an address to write to."""

    url: str | None = None
    mailto: EmailAddress | None = None

    @needs("url", "mailto")
    def _some_way_out(self, report) -> None:
        if not self.url and not self.mailto:
            report("url", "give an unsubscribe url, a mailto address, or both: every edition must offer one")

    @needs("url")
    def _url_is_a_url(self, report) -> None:
        from ..schema import _check_url

        if self.url and (problem := _check_url(self.url.replace(TOKEN, "token"))):
            report("url", f"{self.url!r} {problem}")
        elif self.url and not self.url.startswith("https://") and "://localhost" not in self.url:
            report("url", "must be https:// (mail clients and the one-click unsubscribe of RFC 8058 require it)")

    @property
    def per_reader(self) -> bool:
        return bool(self.url and TOKEN in self.url)


@dataclass
class Rate:
    """A relay's quota, as relays quote it; `send` never goes faster than either."""

    per_second: int | None = None
    per_hour: int | None = None

    @needs("per_second", "per_hour")
    def _positive(self, report) -> None:
        for name in ("per_second", "per_hour"):
            value = getattr(self, name)
            if value is not None and value < 1:
                report(name, "must be 1 or more (leave it out for no limit)")


@dataclass
class Relay:
    """The partner's own mail server (or an ESP's SMTP endpoint) that `send` submits to.

    smtp://host:587 upgrades with STARTTLS (required unless the host is this machine);
    smtps://host:465 is TLS from the first byte. The password never appears here: only the
    name of the environment variable that holds it.
    """

    url: str
    username: str | None = None
    password_env: str | None = None
    rate: Rate = field(default_factory=Rate)
    messages_per_connection: int = 100
    timeout: int = 30

    @needs("url")
    def _smtp_url(self, report) -> None:
        from .smtp import parse_relay_url

        try:
            parse_relay_url(self.url)
        except ValueError as exc:
            report("url", str(exc))

    @needs("username", "password_env")
    def _password_from_the_environment(self, report) -> None:
        if self.username and not self.password_env:
            report("password_env", "a username needs the name of the environment variable holding its password "
                                   "(the password itself never goes in a file)")
        if self.password_env and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", self.password_env):
            report("password_env", f"{self.password_env!r} is not an environment variable name (like SMTP_PASSWORD)")

    @needs("messages_per_connection", "timeout")
    def _sane_numbers(self, report) -> None:
        if self.messages_per_connection is not None and self.messages_per_connection < 1:
            report("messages_per_connection", "must be 1 or more")
        if self.timeout is not None and self.timeout < 1:
            report("timeout", "must be 1 second or more")


@dataclass
class MailingList:
    id: Slug
    partner: PartnerId
    languages: list[LangCode]
    sender: Sender
    contact: Text                 # the sender's postal address or other contact, shown in the footer
    privacy_url: Url
    unsubscribe: Unsubscribe
    reply_to: EmailAddress | None = None
    smtp: Relay | None = None

    def list_id_header(self, acronym: str) -> str:
        """RFC 2919 List-Id: a name and an identifier under the sender's domain."""
        return f"{acronym} {self.id} <{self.id}.{acronym.lower()}.{self.sender.domain}>"


@dataclass
class Lists:
    lists: list[MailingList] = field(default_factory=list)

    @needs("lists")
    def _ids_once(self, report) -> None:
        ids = [m.id for m in self.lists or [] if m and m.id]
        for list_id in sorted({i for i in ids if ids.count(i) > 1}):
            report("lists", f"list id {list_id!r} is used twice")

    def get(self, list_id: str) -> MailingList:
        for mailing_list in self.lists:
            if mailing_list.id == list_id:
                return mailing_list
        from ..errors import PipelineError

        known = ", ".join(m.id for m in self.lists) or "none"
        raise PipelineError(f"no list {list_id!r} in {LISTS_FILE} (lists: {known})")


def load_lists(project) -> Lists | None:
    """lists.yaml beside project.yaml, validated against the project; None when there is none."""
    path = project.root / LISTS_FILE
    if not path.is_file():
        return None
    doc = load_yaml(path, shown_path(path))
    ctx = Context(doc, partner_ids=frozenset(p.id for p in project.partners))
    lists = build(Lists, doc.data if doc.data is not None else {}, (), ctx)
    if lists is not None:
        languages = {project.source_language, *project.target_languages}
        for i, mailing_list in enumerate(lists.lists or []):
            for j, lang in enumerate((mailing_list and mailing_list.languages) or []):
                if lang and lang not in languages:
                    ctx.report(("lists", i, "languages", j), f"{lang!r} is not one of the project's languages "
                                                             f"({', '.join(sorted(languages))})")
    if ctx.problems:
        raise ValidationError(ctx.problems)
    return lists


def lists_path(newsletters_dir: Path) -> Path:
    return newsletters_dir / LISTS_FILE


__all__ = ["Lists", "MailingList", "Sender", "Unsubscribe", "load_lists", "TOKEN"]
