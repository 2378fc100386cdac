"""Watch what an issue's editions are made of; rebuild and reload on every save.

`watchfiles.watch` runs in a background thread with a stop event. What is watched: newsletters/
(filtered to project.yaml, lists.yaml, the issue's issue.yaml and translations/*.po, and
assets/), glossary/ and the project's own templates/ when they exist. Ignored: temp files of
atomic saves (`.name.xxxx.tmp`), lock and editor backup files, anything hidden, dist/ and
.cache/ (neither is inside a watched folder's relevant part anyway).

Debounce: watchfiles yields once no further change arrived for `step_ms` (an editor's save,
or an atomic write's temp file + rename, is one burst of events), at most `debounce_ms` after
the first. The rebuild runs in the watcher's thread; saves arriving meanwhile are picked up by
the next iteration.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..files import shown_path
from ..render import TEMPLATES_DIR

_IGNORED_SUFFIXES = (".tmp", ".lock", ".swp", ".swo", ".swx", ".part", ".crdownload", ".bak", "~", ".orig")
_IGNORED_PARTS = {"dist", ".cache", ".git", "__pycache__", "node_modules", ".newsletter-send"}


class Watcher:
    """Rebuilds `app` (anything with `.rebuild(changed)` and `.session`) when its inputs change."""

    def __init__(self, app, *, step_ms: int = 20, debounce_ms: int = 400, log=None, force_polling: bool | None = None):
        self.app = app
        session = app.session
        self.newsletters_dir = session.newsletters_dir.resolve()
        self.issue_folder = session.issue_path.resolve().parent
        self.glossary_dir = (session.newsletters_dir.parent / "glossary").resolve()
        templates = session.templates_dir.resolve()
        # The project's own templates (in a checkout, the shipped ones are the project's); not
        # an installed package's copy, which no one edits.
        self.templates_dir = templates if templates != TEMPLATES_DIR.resolve() or _in_checkout(templates) else None
        self.step_ms, self.debounce_ms, self.force_polling = step_ms, debounce_ms, force_polling
        self.log = log or (lambda message: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.rebuilds = 0

    def paths(self) -> list[Path]:
        roots = [self.newsletters_dir, self.glossary_dir, self.templates_dir]
        return [p for p in roots if p is not None and p.is_dir()]

    def shown_paths(self) -> list[str]:
        return [shown_path(p) + "/" for p in self.paths()]

    def relevant(self, change, path: str) -> bool:
        """The filter given to watchfiles: True for a file the editions are made of."""
        p = Path(path)
        name = p.name
        if not name or name.startswith((".", "~", "#")) or name.endswith(_IGNORED_SUFFIXES) or name == "4913":
            return False   # 4913: the file vim creates to test that a folder is writable
        for root in (self.glossary_dir, self.templates_dir):
            if root is not None and _under(p, root):
                rel = p.relative_to(root).parts
                return not (_IGNORED_PARTS & set(rel)) and not any(part.startswith(".") for part in rel)
        if not _under(p, self.newsletters_dir):
            return False
        rel = p.relative_to(self.newsletters_dir).parts
        if _IGNORED_PARTS & set(rel) or any(part.startswith(".") for part in rel):
            return False
        if rel in (("project.yaml",), ("lists.yaml",)) or rel[0] == "assets":
            return True
        if _under(p, self.issue_folder):
            inner = p.relative_to(self.issue_folder).parts
            return inner == ("issue.yaml",) or (len(inner) == 2 and inner[0] == "translations"
                                                and name.endswith(".po")) or inner == ("translations",)
        return False

    def start(self) -> "Watcher":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="preview-watcher", daemon=True)
            self._thread.start()
            self._ready.wait(5)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        import watchfiles

        paths = self.paths()
        try:
            changes_iter = watchfiles.watch(*paths, watch_filter=self.relevant, debounce=self.debounce_ms,
                                            step=self.step_ms, stop_event=self._stop, rust_timeout=200,
                                            yield_on_timeout=True, raise_interrupt=False,
                                            force_polling=self.force_polling)
            first = True
            for changes in changes_iter:
                if first:    # the first (timeout) round: the Rust watcher is in place
                    first = False
                    self._ready.set()
                if self._stop.is_set():
                    break
                if not changes:
                    continue
                changed = sorted({Path(path) for _, path in changes})
                self.log("changed: " + ", ".join(shown_path(p) for p in changed[:4])
                         + (f" and {len(changed) - 4} more" if len(changed) > 4 else ""))
                self.app.rebuild(changed)
                self.rebuilds += 1
        except Exception as exc:  # the watcher must not die silently: say so, keep serving
            self.log(f"file watcher stopped: {type(exc).__name__}: {exc}")
        finally:
            self._ready.set()


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _in_checkout(templates: Path) -> bool:
    """The shipped templates beside pipeline/ in a git checkout (edited there), not site-packages."""
    return (templates.parent / "pipeline").is_dir() and "site-packages" not in templates.parts


__all__ = ["Watcher"]
