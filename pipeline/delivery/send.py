"""`newsletter send`: each reader of a list gets its edition once, through the partner's relay.

The run, in order: refuse an edition that is not ready (not --strict clean, not sendable,
over the size budget); read and check the recipients file; prepare each language's edition
once; then, for every pending reader in the journal, one SMTP transaction with one
recipient, its outcome committed before the next. A second run of the same campaign
resumes: the journal says who has been served (see journal.py for how "unknown" arises).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PipelineError
from ..files import shown_path, write_atomic
from .compose import PLACEHOLDER, Prepared, html_part_size, message_bytes, prepare
from .journal import CampaignLock, Entry, Journal, journal_path
from .lists import LISTS_FILE, TOKEN, MailingList, load_lists
from .message import BUDGET
from .smtp import Connection, RateLimiter, RelayAddress, RelayError, TransientRelayError, parse_relay_url
from .suppression import normalise, read_suppressed, state_dir, suppression_path


@dataclass
class SendOptions:
    dry_run: bool = False
    test: tuple[str, ...] = ()
    per_second: int | None = None
    per_hour: int | None = None
    jobs: int = 1
    smtp: str | None = None
    retry_unknown: bool = False
    attempts: int = 4            # per reader, for 4xx answers and connections lost before the message
    backoff: float = 1.0         # seconds, doubled per attempt
    progress: bool = False


@dataclass
class SendReport:
    list_id: str
    issue_id: str
    journal: Path | None
    to_send: int = 0
    sent_now: int = 0
    counts: dict = field(default_factory=dict)
    failed: list[Entry] = field(default_factory=list)
    unknown: list[Entry] = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    suppressed: list = field(default_factory=list)
    dry_run_message: Path | None = None
    test_sent: list[str] = field(default_factory=list)
    stopped: str = ""


# --- the edition, prepared once per language ---------------------------------------------

def _prepare_editions(issue, mailing_list: MailingList, one_click: bool, eight_bit: bool, test: bool) -> dict:
    from ..build import edition_statuses
    from ..localize import FooterLinks, make_edition
    from ..render import Renderer, templates_dir_for
    from .editions import eml_draft, view_online_url

    project = issue.project
    gathered = edition_statuses(issue, list(mailing_list.languages))
    incomplete = [s for s, _ in gathered if not s.complete]
    if incomplete:
        lines = "\n".join(f"  {s.lang}: {s.summary()}" for s in incomplete)
        raise PipelineError(f"not sending: {len(incomplete)} edition(s) of {issue.id} are not ready "
                            f"(what `newsletter build --strict` refuses):\n{lines}")
    renderer = Renderer(templates_dir_for(project.root))
    prepared = {}
    for status, texts in gathered:
        lang = status.lang
        footer = FooterLinks(partner=mailing_list.partner, contact=mailing_list.contact, unsubscribe=PLACEHOLDER,
                             view_online=view_online_url(project, issue.id, lang), privacy=mailing_list.privacy_url)
        edition = make_edition(issue, lang, lambda seg, texts=texts: texts.get(seg.id, seg.source), footer)
        html, text = renderer.html(edition), renderer.text(edition)
        draft = eml_draft(issue, mailing_list, lang, html, text, edition.subject)   # checks images and links
        draft.headers.pop("X-Unsent", None)
        draft.date = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)   # sent now, not the issue's date
        if test:
            draft.subject = f"[TEST] {draft.subject}"
        ready = prepare(draft, eight_bit=eight_bit, one_click=one_click, mailto=mailing_list.unsubscribe.mailto)
        size = html_part_size(ready)
        if size > BUDGET:
            raise PipelineError(f"not sending: the {lang} edition's HTML part is {size / 1024:.0f} KB as sent, over "
                                f"the {BUDGET // 1024} KB budget (Gmail clips near 102 KB); shorten the issue")
        prepared[lang] = ready
    return prepared


def _unsubscribe_link(mailing_list: MailingList, secret: bytes | None, address: str, lang: str) -> str | None:
    from .tokens import make_token

    url = mailing_list.unsubscribe.url
    if not url:
        return None
    if TOKEN in url:
        return url.replace(TOKEN, make_token(secret, mailing_list.id, address, lang))
    return url


def _message_id(domain: str, issue_id: str, list_id: str, address: str, test: bool = False) -> str:
    digest = hashlib.sha256(f"{issue_id}\x00{list_id}\x00{address}\x00{'test' if test else ''}".encode()).hexdigest()
    return f"<{digest[:32]}@{domain}>"


# --- the relay ------------------------------------------------------------------------------

def _relay(mailing_list: MailingList, override: str | None) -> tuple[RelayAddress, str | None, object]:
    settings = mailing_list.smtp
    if override:
        try:
            address = parse_relay_url(override)
        except ValueError as exc:
            raise PipelineError(f"--smtp: {exc}") from None
    elif settings:
        address = parse_relay_url(settings.url)
        if settings.username and not address.username:
            address = RelayAddress(address.scheme, address.host, address.port, settings.username)
    else:
        raise PipelineError(f"{LISTS_FILE}: list {mailing_list.id!r} has no smtp relay: add smtp: {{url: "
                            "smtp://your-mail-server:587, username: …, password_env: …}, or give --smtp for a trial")
    password = None
    if address.username:
        variable = settings.password_env if settings else None
        if not variable:
            raise PipelineError(f"{address}: a username needs password_env in {LISTS_FILE} (the name of the "
                                "environment variable with the password)")
        password = os.environ.get(variable)
        if not password:
            raise PipelineError(f"{address}: set the environment variable {variable} to the relay's password "
                                "(it is read from the environment only and written nowhere)")
    return address, password, settings


# --- the run ----------------------------------------------------------------------------------

def send(issue_ref: str | None, list_id: str, recipients_path: Path, options: SendOptions | None = None,
         newsletters_dir: Path | None = None, context=None) -> SendReport:
    from ..issue import load_issue
    from .recipients import load_recipients
    from .tokens import secret_from_environment

    options = options or SendOptions()
    issue = load_issue(issue_ref, newsletters_dir)
    project = issue.project
    lists = load_lists(project)
    if lists is None:
        raise PipelineError(f"there are no lists to send to: write newsletters/{LISTS_FILE} (README, 'Sending an "
                            "edition')")
    mailing_list = lists.get(list_id)
    secret = secret_from_environment() if mailing_list.unsubscribe.per_reader else None
    one_click = bool(mailing_list.unsubscribe.url and mailing_list.unsubscribe.per_reader)
    relay, password, settings = (None, None, mailing_list.smtp) if options.dry_run else _relay(mailing_list,
                                                                                               options.smtp)
    report = SendReport(list_id, issue.id, None)
    domain = mailing_list.sender.domain

    if options.test:
        prepared = _prepare_editions(issue, mailing_list, one_click, eight_bit=False, test=True)
        lang = mailing_list.languages[0]
        for address in options.test:
            data = message_bytes(prepared[lang], address, "", _message_id(domain, issue.id, list_id, address, True),
                                 _unsubscribe_link(mailing_list, secret, address, lang))
            connection = _connection(relay, password, settings, context)
            outcome = connection.send(mailing_list.sender.address, address, data, lambda: None)
            connection.close()
            if outcome.state != "sent":
                raise PipelineError(f"test message to {address}: {outcome.reply}")
            report.test_sent.append(address)
        return report

    suppressed = read_suppressed(suppression_path(project.root, list_id))
    recipients = load_recipients(recipients_path, mailing_list, suppressed, checkout=project.root.parent)
    report.duplicates, report.suppressed = recipients.duplicates, recipients.suppressed

    if options.dry_run:
        prepared = _prepare_editions(issue, mailing_list, one_click, eight_bit=False, test=False)
        report.to_send = len(recipients.recipients)
        if recipients.recipients:
            first = recipients.recipients[0]
            data = message_bytes(prepared[first.lang], first.address, first.name,
                                 _message_id(domain, issue.id, list_id, first.address),
                                 _unsubscribe_link(mailing_list, secret, first.address, first.lang))
            target = state_dir(project.root) / issue.id / f"{list_id}-dry-run.eml"
            write_atomic(target, data)
            report.dry_run_message = target
        return report

    path = journal_path(project.root, issue.id, list_id)
    report.journal = path
    path.parent.mkdir(parents=True, exist_ok=True)
    with CampaignLock(path):
        journal = Journal(path)
        try:
            journal.settle_interrupted()
            if options.retry_unknown:
                journal.retry_unknown()
            journal.add(recipients.recipients)
            probe = _connection(relay, password, settings, context)
            try:
                probe.open()        # the relay's settings and 8BITMIME, before anything is marked
            except TransientRelayError as exc:
                raise PipelineError(f"{exc.message}; nothing was sent: run the same command again later") from None
            eight_bit = probe.eight_bit
            prepared = _prepare_editions(issue, mailing_list, one_click, eight_bit=eight_bit, test=False)
            report.to_send = journal.counts()["pending"]
            _run(journal, prepared, mailing_list, issue.id, secret, suppressed, relay, password, settings,
                 options, report, context, probe)
            report.counts = journal.counts()
            report.failed = list(journal.entries(("failed",)))
            report.unknown = list(journal.entries(("unknown",)))
        finally:
            journal.close()
    return report


def _connection(relay, password, settings, context) -> Connection:
    timeout = settings.timeout if settings else 30
    limit = settings.messages_per_connection if settings else 100
    return Connection(relay, password, timeout, limit, context=context)


def _run(journal: Journal, prepared: dict[str, Prepared], mailing_list: MailingList, issue_id: str, secret,
         suppressed: set[str], relay, password, settings, options: SendOptions, report: SendReport, context,
         probe: Connection) -> None:
    rate = settings.rate if settings else None
    limiter = RateLimiter(options.per_second or (rate.per_second if rate else None),
                          options.per_hour or (rate.per_hour if rate else None))
    stop = threading.Event()
    fatal: list[BaseException] = []
    queue = journal.pending()
    queue_lock = threading.Lock()
    sent_lock = threading.Lock()
    domain = mailing_list.sender.domain
    progress = _Progress(report.to_send, options.progress)

    def next_entry():
        with queue_lock:
            return next(queue, None)

    def worker(connection: Connection) -> None:
        try:
            while not stop.is_set():
                entry = next_entry()
                if entry is None:
                    return
                if normalise(entry.address) in suppressed:
                    journal.mark(entry.address, "failed", "not sent: unsubscribed (suppression file) before sending")
                    progress.advance()
                    continue
                _serve(entry, connection)
                progress.advance()
        except RelayError as exc:
            fatal.append(exc)
            stop.set()
        except Exception as exc:    # a bug must stop the run loudly, never end one worker in silence
            fatal.append(PipelineError(f"stopped by an unexpected error: {exc.__class__.__name__}: {exc}"))
            stop.set()
        finally:
            connection.close()

    def _serve(entry: Entry, connection: Connection) -> None:
        message_id = _message_id(domain, issue_id, mailing_list.id, entry.address)
        data = message_bytes(prepared[entry.lang], entry.address, entry.name, message_id,
                             _unsubscribe_link(mailing_list, secret, entry.address, entry.lang))
        for attempt in range(options.attempts):
            if stop.is_set():
                return
            limiter.wait(stop)
            try:
                outcome = connection.send(mailing_list.sender.address, entry.address, data,
                                          lambda: journal.mark(entry.address, "sending", message_id=message_id,
                                                               attempt=True))
            except TransientRelayError as exc:
                outcome = None
                reply = exc.message
            else:
                reply = outcome.reply
                if outcome.state in ("sent", "failed", "unknown"):
                    journal.mark(entry.address, outcome.state, outcome.reply)
                    if outcome.state == "sent":
                        with sent_lock:
                            report.sent_now += 1
                    return
            journal.mark(entry.address, "pending", reply)       # nothing reached the relay: safe to retry
            if stop.wait(options.backoff * 2 ** attempt):
                return
        report.stopped = report.stopped or "some readers are still pending after temporary failures: run again later"

    connections = [probe] + [_connection(relay, password, settings, context) for _ in range(max(1, options.jobs) - 1)]
    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in connections]
    for thread in threads:
        thread.start()
    try:
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        report.stopped = "interrupted: the messages in flight were finished; run the same command to resume"
        for thread in threads:
            thread.join(30)
    finally:
        progress.close()
    if fatal:
        raise PipelineError(f"{fatal[0].message}\n(the journal keeps what was sent; fix this and run the same "
                            "command to resume)")


class _Progress:
    """A bar on a terminal, nothing in pipes and CI."""

    def __init__(self, total: int, wanted: bool):
        import click

        self.bar = None
        if wanted and total and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="sending", file=sys.stderr)
            self.bar.__enter__()
        self.lock = threading.Lock()

    def advance(self) -> None:
        if self.bar:
            with self.lock:
                self.bar.update(1)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


def status(issue_ref: str | None, list_id: str, newsletters_dir: Path | None = None) -> tuple[Journal, Path]:
    from ..issue import load_issue

    issue = load_issue(issue_ref, newsletters_dir)
    path = journal_path(issue.project.root, issue.id, list_id)
    if not path.is_file():
        raise PipelineError(f"no send of {issue.id} to list {list_id!r} yet ({shown_path(path)} does not exist)")
    return Journal(path), path


def write_status_csv(journal: Journal, path: Path) -> int:
    """Every reader's state as CSV (personal data: refused inside the checkout unless git-ignored)."""
    import csv
    import io

    from ..issue import find_newsletters_dir
    from .recipients import refuse_unless_git_ignores

    refuse_unless_git_ignores(path.resolve(), find_newsletters_dir().parent.resolve())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "language", "state", "message_id", "reply", "attempts", "updated"])
    rows = 0
    for e in journal.entries():
        updated = dt.datetime.fromtimestamp(e.updated, dt.timezone.utc).isoformat(timespec="seconds")
        writer.writerow([e.address, e.name, e.lang, e.state, e.message_id or "", e.reply, e.attempts, updated])
        rows += 1
    write_atomic(path, out.getvalue().encode("utf-8"))
    return rows


def suppress_addresses(list_id: str, addresses: list[str], source: Path | None = None,
                       newsletters_dir: Path | None = None) -> tuple[list[str], Path]:
    """By hand or from a mailing tool's export: a file with one address per line, or a CSV/XLSX
    whose address column the recipients reader finds."""
    from types import SimpleNamespace

    from email_validator import EmailNotValidError, validate_email

    from ..issue import find_newsletters_dir
    from ..project import load_project
    from .recipients import load_recipients
    from .suppression import suppress

    root = newsletters_dir or find_newsletters_dir()
    project = load_project(root)
    lists = load_lists(project)
    if lists is None:
        raise PipelineError(f"there are no lists: write newsletters/{LISTS_FILE}")
    mailing_list = lists.get(list_id)
    found = list(addresses)
    if source is not None and source.suffix.lower() in (".csv", ".xlsx"):
        everyone = SimpleNamespace(id=mailing_list.id, languages=list(mailing_list.languages))
        found += [r.address for r in load_recipients(source, everyone).recipients]
    elif source is not None:
        found += [line.strip() for line in source.read_text("utf-8-sig").splitlines()
                  if line.strip() and not line.startswith("#")]
    checked, bad = [], []
    for address in found:
        try:
            checked.append(validate_email(address, check_deliverability=False, allow_smtputf8=True).normalized)
        except EmailNotValidError:
            bad.append(address)
    if bad:
        raise PipelineError(f"not e-mail addresses: {', '.join(map(repr, bad[:5]))}; nothing was added")
    path = suppression_path(project.root, mailing_list.id)
    return suppress(path, checked), path


__all__ = ["send", "status", "SendOptions", "SendReport", "write_status_csv", "suppress_addresses"]
