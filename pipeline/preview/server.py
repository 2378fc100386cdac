"""`newsletter preview`: every edition of one issue, live, on http://127.0.0.1:8000/.

An app factory separate from the serve loop (as mkdocs' livereload and blackd do it):
`make_app()` gives a WSGI application holding a warm `Session` (tests drive it in process:
`app.rebuild()`, `app.state`, `app.subscribe()`), `make_server()`/`serve()` put it behind the
standard library's server (threaded: each /events stream holds one thread), and `run_preview()`
adds the file watcher and blocks until Ctrl-C.

Routes: `/` (all editions side by side), `/edition/<lang>` (`?marks=0` as readers get it,
`?embed=1` inside the overview), `/events` (server-sent events: `reload` after every rebuild),
`/edition/assets/...` and `/assets/...` (the images under newsletters/assets/).

Only loopback: the preview serves unpublished drafts without any login, so `make_server`
refuses any host but 127.0.0.1 (or another 127.x address, or "localhost"), and the app answers
403 to a request whose Host header names another machine (a web page cannot reach it through
DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import mimetypes
import queue
import socketserver
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from ..emblem import EMBLEM_PATH, eu_emblem_png
from ..errors import PipelineError
from ..issue import find_newsletters_dir
from . import pages
from .session import Session, State

HEARTBEAT_SECONDS = 15.0


class PreviewApp:
    """The WSGI application. `state` is the last rebuild's (replaced whole, never mutated)."""

    def __init__(self, session: Session):
        self.session = session
        self._subscribers: set[queue.Queue] = set()
        self._subscribers_lock = threading.Lock()
        self.closed = threading.Event()

    # --- state and events ------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.session.state

    @property
    def renderer(self):
        return self.session.renderer

    def rebuild(self, changed: list[Path] | None = None) -> State:
        """Rebuild what changed (None: check everything), then tell every page to reload."""
        state = self.session.rebuild(changed)
        self.publish(state.token)
        return state

    def subscribe(self) -> queue.Queue:
        """A queue that receives each rebuild's token (and None when the app closes)."""
        q: queue.Queue = queue.Queue()
        with self._subscribers_lock:
            self._subscribers.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._subscribers_lock:
            self._subscribers.discard(q)

    def publish(self, token: str) -> None:
        with self._subscribers_lock:
            for q in self._subscribers:
                q.put(token)

    def close(self) -> None:
        """End every /events stream (their threads return)."""
        self.closed.set()
        with self._subscribers_lock:
            for q in self._subscribers:
                q.put(None)

    # --- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if not _local_host(environ.get("HTTP_HOST", "")):
            return _respond(start_response, "403 Forbidden", "text/plain", b"the preview answers only on 127.0.0.1\n")
        if method not in ("GET", "HEAD"):
            return _respond(start_response, "405 Method Not Allowed", "text/plain", b"GET only\n",
                            [("Allow", "GET, HEAD")])
        head = method == "HEAD"
        state = self.state
        if path == "/":
            return _page(start_response, pages.overview_page(state), head)
        if path == "/events":
            return self._events(start_response, query.get("since", [""])[0])
        if path in ("/favicon.ico",):
            return _respond(start_response, "204 No Content", "text/plain", b"")
        if path.startswith("/edition/assets/") or path.startswith("/assets/"):
            return self._asset(start_response, path.split("/assets/", 1)[1], head)
        if path.startswith("/edition/"):
            lang = path[len("/edition/"):].strip("/")
            view = state.editions.get(lang)
            if view is None and not (state.error and not state.editions):
                known = " ".join(state.languages)
                return _respond(start_response, "404 Not Found", "text/plain",
                                f"no edition {lang!r} (editions: {known})\n".encode())
            marks = query.get("marks", ["1"])[0] not in ("0", "false", "no")
            embed = query.get("embed", ["0"])[0] not in ("0", "false", "no")
            html = None
            if view is not None:
                html = view.html if marks else self.session.clean_html(view)
            return _page(start_response, pages.edition_page(state, view, html, embed=embed, marks=marks), head)
        return _respond(start_response, "404 Not Found", "text/plain", b"not found\n")

    def _events(self, start_response, since: str):
        q = self.subscribe()   # before reading the token: no rebuild can slip between the two
        start_response("200 OK", [("Content-Type", "text/event-stream; charset=utf-8"),
                                  ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")])

        def stream():
            try:
                yield b"retry: 500\n\n"
                token = self.state.token
                if since and since != token:   # rebuilt (or restarted) after the page was served
                    yield _event(token)
                while not self.closed.is_set():
                    try:
                        item = q.get(timeout=HEARTBEAT_SECONDS)
                    except queue.Empty:
                        yield b": ping\n\n"    # finds closed connections, keeps proxies open
                        continue
                    if item is None:
                        return
                    yield _event(item)
            finally:
                self.unsubscribe(q)
        return stream()

    def _asset(self, start_response, relative: str, head: bool):
        root = (self.session.newsletters_dir / "assets").resolve()
        path = (root / relative).resolve()
        if root not in path.parents or not path.is_file():
            if f"assets/{relative}" == EMBLEM_PATH:
                return _respond(start_response, "200 OK", "image/png", b"" if head else eu_emblem_png())
            return _respond(start_response, "404 Not Found", "text/plain", b"no such asset\n")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return _respond(start_response, "200 OK", kind, b"" if head else path.read_bytes())


def _event(token: str) -> bytes:
    return f"event: reload\ndata: {token}\n\n".encode()


def _respond(start_response, status: str, kind: str, body: bytes, extra=()):
    start_response(status, [("Content-Type", kind if "charset" in kind or not kind.startswith("text/")
                              else f"{kind}; charset=utf-8"),
                             ("Content-Length", str(len(body))), ("Cache-Control", "no-store"), *extra])
    return [body]


def _page(start_response, html: str, head: bool = False):
    body = html.encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                              ("Cache-Control", "no-store")])
    return [b"" if head else body]


def _local_host(header: str) -> bool:
    """A Host header naming this computer (or none: HTTP/1.0 clients)."""
    if not header:
        return True
    name = header.rsplit(":", 1)[0] if not header.endswith("]") else header
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def make_app(newsletters_dir: Path | None = None, issue_ref: str | None = None, *, log=None,
             use_cache: bool = True, cache_dir: Path | None = None) -> PreviewApp:
    """A preview of one issue (default: the latest), built once now; errors show as an overlay.

    An issue that does not exist is a PipelineError here (nothing to preview). Compiled layouts
    are kept in `cache_dir` (default: .cache/ beside newsletters/, as `newsletter build` does).
    """
    session = Session(Path(newsletters_dir) if newsletters_dir else find_newsletters_dir(), issue_ref,
                      use_cache=use_cache, log=log, cache_dir=cache_dir)
    app = PreviewApp(session)
    app.rebuild()
    return app


# --- serving ---------------------------------------------------------------------------------

class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True       # an open /events stream never keeps the process alive
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """Logs only failures: a page, its images and its event stream on every save are noise."""

    def log_request(self, code="-", size="-") -> None:
        if str(code)[:1] in ("4", "5"):
            super().log_request(code, size)


def loopback_host(host: str) -> str:
    """The address to bind, if it is this computer's; anything else is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise PipelineError(f"--host {host}: the preview shows unpublished drafts to anyone who can reach it, "
                            "without a login, so it only listens on this computer (127.0.0.1)")
    return host


def make_server(app, host: str = "127.0.0.1", port: int = 8000) -> WSGIServer:
    """A threaded wsgiref server for `app`, not yet serving (port 0: any free one, see server_port)."""
    host = loopback_host(host)
    try:
        server = _ThreadingServer((host, port), _QuietHandler)
    except OSError as exc:
        raise PipelineError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); is another preview "
                            "running? choose another --port") from None
    server.set_app(app)
    return server


def serve(app, host: str = "127.0.0.1", port: int = 8000, *, ready=None) -> None:
    """Serve until Ctrl-C (or `server.shutdown()`); `ready(server)` is called once listening."""
    server = make_server(app, host, port)
    try:
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if hasattr(app, "close"):
            app.close()
        server.server_close()


def run_preview(issue_ref: str | None = None, host: str = "127.0.0.1", port: int = 8000,
                newsletters_dir: Path | None = None) -> None:
    """`newsletter preview`: build, watch, serve; blocks until Ctrl-C."""
    from .watcher import Watcher

    loopback_host(host)   # refused before any work

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    app = make_app(newsletters_dir, issue_ref, log=log)
    watcher = Watcher(app, log=log)

    def ready(server) -> None:
        port_shown = server.server_address[1]
        log(f"preview of {app.session.issue_id} on http://{host}:{port_shown}/ "
            f"(watching {', '.join(watcher.shown_paths())}; Ctrl-C stops)")
        watcher.start()

    try:
        serve(app, host, port, ready=ready)
    finally:
        watcher.stop()


__all__ = ["PreviewApp", "make_app", "make_server", "serve", "run_preview", "loopback_host"]
