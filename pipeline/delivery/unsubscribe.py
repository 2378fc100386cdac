"""The unsubscribe page: a small WSGI application, for partners without a mailing tool.

Every message `newsletter send` sends links to `<unsubscribe url>?token=TOKEN` and carries
`List-Unsubscribe: <that URL>` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
(RFC 8058). The token (tokens.py) names the list, the address and the reader's language,
signed with the secret, so this application stores nothing but the suppression files:

  GET  /unsubscribe?token=T   a page in the reader's language asking to confirm, with a button.
                              It never unsubscribes: mail scanners and link previews follow links.
  POST /unsubscribe?token=T   unsubscribes: the address goes into the list's suppression file
                              (suppression.py), which `send` reads before every message. Both the
                              mail client's one-click POST (body `List-Unsubscribe=One-Click`) and
                              the confirmation page's button post here; a second POST changes
                              nothing and answers the same.

A token this secret did not sign, or for a list lists.yaml no longer has, gets a 400 page
and nothing is written. `make_app` builds the application (any WSGI server can host it, e.g.
`gunicorn 'pipeline.delivery.unsubscribe:app_from_environment()'`); `serve` runs it with the
standard library's server for `newsletter unsubscribe-server` or a quick try.

The page's words are project labels (project.yaml, translated in each issue's catalogs like
the rest of an edition): `unsubscribe_question` and `unsubscribed` (both with {address}),
`unsubscribe` (the button) and `privacy_notice` (the link to the list's privacy_url). A
project that sends should set the first two in project.yaml, so translators translate them;
without them every reader sees the English wording below. A translation is taken from the
newest issue whose catalog has a valid one (reviewed before fuzzy), else the English.
"""

from __future__ import annotations

import html
import re
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _make_wsgi_server

from ..errors import PipelineError
from ..project import NAMED_PLACEHOLDER, load_project
from .lists import LISTS_FILE, load_lists
from .suppression import suppress, suppression_path
from .tokens import _MIN_SECRET, BadToken, read_token, secret_from_environment

PATH = "/unsubscribe"
MAX_BODY = 10 * 1024          # a one-click body is 26 bytes; nothing bigger is read
ALLOWED = "GET, HEAD, POST"

# Where project.yaml does not set a label: the page's English in every language.
ENGLISH_DEFAULTS = {
    "unsubscribe_question": "Do you want to stop receiving this newsletter at {address}?",
    "unsubscribed": "Done: {address} will not receive this newsletter any more.",
    "unsubscribe": "Unsubscribe",
    "privacy_notice": "Privacy notice",
}
LABELS = tuple(ENGLISH_DEFAULTS)

# Pages for a request we cannot tie to a reader (so not in anyone's language).
BAD_LINK = ("This unsubscribe link is not valid",
            "The link may have been cut short or changed. Open it again from the newsletter message, "
            "or write to the sender of the newsletter to unsubscribe.")
NOT_FOUND = ("Not found", "There is no page here.")
NOT_ALLOWED = ("Method not allowed", "This page answers GET and POST only.")
FAILED = ("Please try again later",
          "Your request could not be saved just now. Nothing was changed; please try again later.")

_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    # The token in the URL names the reader: never send it on to the privacy notice's site.
    ("Referrer-Policy", "no-referrer"),
    # Nobody can frame the button to trick a reader into pressing it.
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
]

_STYLE = ("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;"
          "background:#f4f4f4;color:#222}main{max-width:32rem;margin:3rem auto;padding:1.5rem 2rem;"
          "background:#fff;border-radius:6px}h1{font-size:1.25rem}p{line-height:1.5;overflow-wrap:anywhere}"
          "button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:4px;background:#003399;"
          "color:#fff;cursor:pointer}small{color:#666}")


def fill(pattern: str, english: str, **values: str) -> str:
    """HTML for a label with its placeholders: the pattern and the values escaped; the English
    pattern where a translation lost or invented a placeholder (as localize.fill_label does)."""
    if set(NAMED_PLACEHOLDER.findall(pattern)) != set(values):
        pattern = english
    escaped = {name: html.escape(value) for name, value in values.items()}
    return NAMED_PLACEHOLDER.sub(lambda m: escaped.get(m.group(1), m.group(0)), html.escape(pattern))


class UnsubscribeApp:
    """The WSGI application `make_app` returns; reads settings once, catalogs once per language."""

    def __init__(self, newsletters_dir: Path, secret: bytes):
        if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET:
            raise PipelineError(f"the unsubscribe secret must be at least {_MIN_SECRET} bytes, "
                                "the same one `newsletter send` signs tokens with")
        self.newsletters_dir = Path(newsletters_dir)
        self.secret = secret
        self.project = load_project(self.newsletters_dir)
        lists = load_lists(self.project)
        if lists is None or not lists.lists:
            raise PipelineError(f"no lists in {self.newsletters_dir / LISTS_FILE}: the unsubscribe page "
                                "needs the lists whose tokens it accepts")
        self.lists = {m.id: m for m in lists.lists}
        labels = self.project.labels
        self.english = {name: getattr(labels, name, None) or default for name, default in ENGLISH_DEFAULTS.items()}
        # Segment ids of the labels this project sets (only those are in the catalogs).
        self._label_ids = {f"project.labels.{name}": name for name in LABELS if getattr(labels, name, None)}
        self._texts: dict[str, dict[str, str]] = {}
        self._issues: list | None = None
        self._lock = threading.Lock()

    # --- the words of the page -------------------------------------------------------------

    def texts(self, lang: str) -> dict[str, str]:
        """The labels in `lang` (patterns, not yet filled), read once per language."""
        with self._lock:
            if lang not in self._texts:
                self._texts[lang] = self._read_texts(lang)
            return self._texts[lang]

    def page_language(self, lang: str) -> str:
        return lang if lang in (self.project.target_languages or []) else self.project.source_language

    def _read_texts(self, lang: str) -> dict[str, str]:
        if lang not in (self.project.target_languages or []) or not self._label_ids:
            return dict(self.english)
        from ..memory import catalog_path, read_entries, translations

        reviewed: dict[str, str] = {}
        fuzzy: dict[str, str] = {}
        for folder, segments in self._issue_segments():
            try:
                entries = read_entries(catalog_path(folder, lang))
            except PipelineError:
                continue        # a broken catalog: `newsletter check` reports it; use the next issue
            for segment_id, translation in translations(entries, segments).items():
                name = self._label_ids[segment_id]
                (fuzzy if translation.fuzzy else reviewed).setdefault(name, translation.text)
            if len(reviewed) == len(self._label_ids):
                break
        return {**self.english, **fuzzy, **reviewed}

    def _issue_segments(self) -> list:
        """(issue folder, the label segments) of every issue that loads, newest first."""
        if self._issues is None:
            from ..issue import issue_ids, load_issue
            from ..segments import extract_segments

            self._issues = []
            for issue_id in reversed(issue_ids(self.newsletters_dir)):
                try:
                    issue = load_issue(issue_id, self.newsletters_dir)
                except PipelineError:
                    continue    # a draft that does not validate yet
                segments = [s for s in extract_segments(issue) if s.id in self._label_ids]
                self._issues.append((issue.folder, segments))
        return self._issues

    # --- requests ------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        head = method == "HEAD"
        if environ.get("PATH_INFO", "") not in (PATH, PATH + "/"):
            return self._plain(start_response, "404 Not Found", *NOT_FOUND, head=head)
        if method not in ("GET", "HEAD", "POST"):
            return self._plain(start_response, "405 Method Not Allowed", *NOT_ALLOWED, [("Allow", ALLOWED)])
        if method == "POST":
            _read_body(environ)
        token = (parse_qs(environ.get("QUERY_STRING", "")).get("token") or [""])[0]
        try:
            reader = read_token(self.secret, token)
        except BadToken:
            return self._plain(start_response, "400 Bad Request", *BAD_LINK, head=head)
        mailing_list = self.lists.get(reader.list_id)
        address = reader.address
        if mailing_list is None or not address or "\n" in address or "\r" in address:
            return self._plain(start_response, "400 Bad Request", *BAD_LINK, head=head)
        if method == "POST":
            try:
                suppress(suppression_path(self.newsletters_dir, mailing_list.id), [address],
                         reason="unsubscribe page")
            except OSError as exc:      # a full disk, a read-only folder: say so, claim nothing
                print(f"unsubscribe: could not write the suppression file of {mailing_list.id}: "
                      f"{type(exc).__name__}: {exc}", file=environ.get("wsgi.errors", sys.stderr))
                return self._plain(start_response, "500 Internal Server Error", *FAILED)
        body = self._reader_page(reader.lang, address, mailing_list, token, done=method == "POST")
        return self._respond(start_response, "200 OK", body, head=head)

    def _reader_page(self, lang: str, address: str, mailing_list, token: str, done: bool) -> str:
        texts, english = self.texts(lang), self.english
        name = "unsubscribed" if done else "unsubscribe_question"
        message = fill(texts[name], english[name], address=address)
        button = fill(texts["unsubscribe"], english["unsubscribe"])
        privacy = fill(texts["privacy_notice"], english["privacy_notice"])
        form = "" if done else (
            f'<form method="post" action="?token={html.escape(quote(token, safe=""))}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{button}</button></form>')
        content = (f"<p>{message}</p>{form}"
                   f'<p><small><a href="{html.escape(mailing_list.privacy_url)}" rel="noreferrer">'
                   f"{privacy}</a></small></p>")
        title = f"{html.escape(self.project.acronym)}: {button}"
        return _page(self.page_language(lang), title, f"<h1>{title}</h1>{content}")

    def _plain(self, start_response, status: str, title: str, text: str, extra=(), head: bool = False):
        body = _page("en", html.escape(title), f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>")
        return self._respond(start_response, status, body, extra, head)

    @staticmethod
    def _respond(start_response, status: str, body: str, extra=(), head: bool = False):
        data = body.encode("utf-8")
        start_response(status, [*_HEADERS, ("Content-Length", str(len(data))), *extra])
        return [] if head else [data]


def _read_body(environ) -> bytes:
    """At most MAX_BODY bytes of the request body; what it says does not matter (the token does)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if length <= 0 or stream is None:
        return b""
    return stream.read(min(length, MAX_BODY))


def _page(lang: str, title: str, content: str) -> str:
    return ("<!DOCTYPE html>\n"
            f'<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex, nofollow">'
            f"<title>{title}</title><style>{_STYLE}</style></head>"
            f"<body><main>{content}</main></body></html>\n")


def make_app(newsletters_dir: Path, secret: bytes) -> UnsubscribeApp:
    """The WSGI application: project.yaml and lists.yaml are read now, catalogs on first use."""
    return UnsubscribeApp(newsletters_dir, secret)


def app_from_environment() -> UnsubscribeApp:
    """For a WSGI server's command line: this checkout's newsletters/, the secret from the environment."""
    from ..issue import find_newsletters_dir

    return make_app(find_newsletters_dir(), secret_from_environment())


class _Handler(WSGIRequestHandler):
    """Logs requests without their query string: a token in a log would name the reader."""

    def log_request(self, code="-", size="-") -> None:
        line = re.sub(r"\?\S*", "", self.requestline)
        self.log_message('"%s" %s %s', line, str(code), str(size))


def make_server(app, host: str = "127.0.0.1", port: int = 8025) -> WSGIServer:
    """A wsgiref server for `app`, not yet serving (port 0: any free port, see server_port)."""
    return _make_wsgi_server(host, port, app, handler_class=_Handler)


def serve(app, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Serve `app` with the standard library's server until interrupted (Ctrl+C).

    It is single-threaded and speaks plain HTTP: in production put it (or any WSGI server
    hosting the app) behind the partner's HTTPS web server, which forwards /unsubscribe.
    """
    with make_server(app, host, port) as server:
        print(f"unsubscribe page on http://{host}:{server.server_port}{PATH}?token=... (Ctrl+C stops)",
              file=sys.stderr)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


__all__ = ["make_app", "serve", "make_server", "app_from_environment", "UnsubscribeApp", "fill",
           "ENGLISH_DEFAULTS", "MAX_BODY", "PATH"]
