"""The preview's warm state: the issue, one Renderer, and every edition rendered once per change.

`Session.rebuild()` is the whole pipeline of `newsletter build` minus the writing, run in this
process on every save. What it keeps between rebuilds, and when it drops it:

- the Renderer (compiled skeletons in memory, Jinja's templates): replaced when any file
  under the templates folder changes (its skeleton cache is keyed by layout only);
- the loaded Issue: reloaded on every manual `rebuild()`, and on a watched save when
  issue.yaml or project.yaml read differently, or anything under newsletters/assets/ (image
  paths are validated) or any other file besides catalogs, glossary and templates changed,
  or the previous load failed;
- one `EditionView` per language, reused while its inputs are the same: the same loaded
  issue, the same Termbase object (`load_termbase` returns a new one when a CSV changes),
  the same Renderer, and the same catalog file (inode, size, mtime: an atomic save is a new
  inode). So a save of one PO file re-renders one edition.

Catalog and glossary parsing are cached by their own modules on the same file signatures.
Nothing is written anywhere but the Renderer's skeleton cache (.cache/ beside newsletters/).
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..build import EditionStatus, cache_dir_for, edition_status
from ..errors import PipelineError, ValidationError
from ..issue import PSEUDO_LOCALE, Issue, load_issue, resolve_issue_path
from ..localize import make_edition
from ..memory import catalog_path, read_entries
from ..render import Renderer, templates_dir_for
from ..segments import Segment, extract_segments
from .marks import Mark, apply_marks, close_token, open_token


@dataclass
class EditionView:
    """One language's edition as the preview serves it, with what it knows about its problems."""

    lang: str
    name: str
    status: EditionStatus
    html: str                    # the edition with marks (spans), ready to serve
    marks: list[Mark]
    counts: dict[str, int]
    live_pseudo: int = 0         # qps-ploc: segments pseudo-translated on the fly (not in its catalog)
    is_source: bool = False
    key: tuple = ()
    _clean: str | None = field(default=None, repr=False)
    _clean_edition: object = field(default=None, repr=False)


@dataclass
class State:
    """What one rebuild produced: served as is until the next one replaces it (never mutated)."""

    generation: int
    token: str                   # "<session>-<generation>": pages and the SSE stream compare it
    issue_id: str
    source_language: str
    languages: list[str]         # source first, then the targets, then qps-ploc
    editions: dict[str, EditionView]
    error: str | None = None     # the last rebuild's error text; editions are the last good ones
    took_ms: float = 0.0
    rebuilt: list[str] = field(default_factory=list)   # languages rendered afresh this time


def _signature(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def error_text(exc: BaseException) -> str:
    """What the overlay shows: file:line:col lines for the user's mistakes, else the exception."""
    import jinja2

    if isinstance(exc, ValidationError):
        return exc.message
    if isinstance(exc, PipelineError):
        return exc.message
    if isinstance(exc, jinja2.TemplateSyntaxError):
        from ..files import shown_path

        where = shown_path(Path(exc.filename)) if exc.filename else (exc.name or "template")
        return f"{where}:{exc.lineno}: template syntax error: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        return f"template error: {exc}"
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return f"internal error (please report it): {type(exc).__name__}: {exc}\n" + "".join(lines[-6:])


def language_name(lang: str) -> str:
    if lang == PSEUDO_LOCALE:
        return "pseudo-localization"
    try:
        from babel import Locale

        return Locale.parse(lang).get_display_name(lang)
    except Exception:  # an odd code still gets a column
        return lang


class Session:
    """Loads and renders one issue, keeping everything warm between rebuilds (thread-safe)."""

    def __init__(self, newsletters_dir: Path, issue_ref: str | None = None, use_cache: bool = True,
                 log=None, cache_dir: Path | None = None):
        self.newsletters_dir = Path(newsletters_dir)
        # Resolved once: an unknown issue is the caller's error, not an overlay.
        self.issue_path = resolve_issue_path(issue_ref, self.newsletters_dir)
        self.issue_id = self.issue_path.resolve().parent.name
        self.issue_ref = str(self.issue_path)
        self.templates_dir = templates_dir_for(self.newsletters_dir)
        self.cache_dir = (cache_dir or cache_dir_for(self.newsletters_dir)) if use_cache else None
        self.log = log or (lambda message: None)
        self.lock = threading.RLock()
        self.session_id = format(int(time.time() * 1000) % 0xFFFFFF, "x")
        self.renderer: Renderer | None = None
        self._templates_sig = None
        self._renderer_token = 0
        self.issue: Issue | None = None
        self._issue_inputs = None
        self._issue_token = 0
        self._issue_stale = True
        self._segments: list[Segment] = []
        self._termbase = None
        self._termbase_token = 0
        self._pseudo_cache: dict[str, str] = {}
        self.state = State(0, f"{self.session_id}-0", self.issue_id, "en", [], {}, None)

    # --- the rebuild -----------------------------------------------------------------------

    def rebuild(self, changed: list[Path] | None = None) -> State:
        """Bring every edition up to date; `changed`: the paths a watcher saw (None: check all).

        Never raises for the user's mistakes: the state then carries the error text and the
        previous good editions, and the next rebuild tries everything again.
        """
        with self.lock:
            start = time.perf_counter()
            previous = self.state
            generation = previous.generation + 1
            token = f"{self.session_id}-{generation}"
            try:
                rebuilt: list[str] = []
                editions = self._rebuild(changed, previous, rebuilt)
                issue = self.issue
                languages = list(editions)
                state = State(generation, token, issue.id, issue.project.source_language, languages, editions,
                              None, (time.perf_counter() - start) * 1000, rebuilt)
                self.log(f"rebuilt {len(rebuilt)} of {len(languages)} edition(s) in {state.took_ms:.0f} ms"
                         + (f" ({', '.join(rebuilt)})" if rebuilt and len(rebuilt) < len(languages) else ""))
            except Exception as exc:  # the user's mistakes and our bugs alike: show, keep serving
                if not isinstance(exc, (PipelineError, OSError)):
                    self._issue_stale = True
                text = error_text(exc)
                state = State(generation, token, previous.issue_id, previous.source_language, previous.languages,
                              previous.editions, text, (time.perf_counter() - start) * 1000, [])
                self.log("error:\n" + text)
            self.state = state
            return state

    def _rebuild(self, changed, previous: State, rebuilt: list[str]) -> dict[str, EditionView]:
        self._refresh_renderer()
        self._refresh_issue(changed)
        issue = self.issue
        from ..qa import termbase_for

        termbase = termbase_for(issue)     # cached while glossary/*.csv are unchanged
        if termbase is not self._termbase:
            self._termbase, self._termbase_token = termbase, self._termbase_token + 1
            self._pseudo_cache.clear()     # do-not-translate names may have changed
        project = issue.project
        languages = [project.source_language, *issue.target_languages, PSEUDO_LOCALE]
        editions: dict[str, EditionView] = {}
        for lang in languages:
            sig = None if lang == project.source_language else _signature(catalog_path(issue.folder, lang))
            key = (self._issue_token, self._termbase_token, self._renderer_token, sig)
            old = previous.editions.get(lang)
            if old is not None and old.key == key:
                editions[lang] = old
                continue
            editions[lang] = self._edition_view(issue, lang, key)
            rebuilt.append(lang)
        return editions

    def _refresh_renderer(self) -> None:
        files = sorted(self.templates_dir.rglob("*")) if self.templates_dir.is_dir() else []
        sig = tuple((str(p), _signature(p)) for p in files)
        if self.renderer is None or sig != self._templates_sig:
            if self.renderer is not None:
                self.log("templates changed: compiling the layout again")
            self.renderer = Renderer(self.templates_dir, cache_dir=self.cache_dir)
            self._templates_sig = sig
            self._renderer_token += 1

    def _refresh_issue(self, changed) -> None:
        inputs = (_read(self.newsletters_dir / "project.yaml"), _read(self.issue_path))
        needed = (self.issue is None or self._issue_stale or changed is None or inputs != self._issue_inputs
                  or any(not self._is_cached_input(Path(p)) for p in changed))
        if not needed:
            return
        self._issue_stale = True
        issue = load_issue(self.issue_ref, self.newsletters_dir)
        self.issue, self._issue_inputs, self._issue_stale = issue, inputs, False
        self._issue_token += 1
        self._segments = extract_segments(issue)

    def _is_cached_input(self, path: Path) -> bool:
        """Files whose changes the per-edition keys already notice (catalogs, glossary, templates,
        the two YAML files compared by content); anything else (an image) reloads the issue."""
        try:
            resolved = path.resolve()
        except OSError:
            return False
        issue_folder = self.issue_path.resolve().parent
        if resolved.suffix == ".po" and resolved.parent == issue_folder / "translations":
            return True
        if resolved in (self.issue_path.resolve(), (self.newsletters_dir / "project.yaml").resolve(),
                        (self.newsletters_dir / "lists.yaml").resolve()):
            return True
        for root in (self.newsletters_dir.parent / "glossary", self.templates_dir):
            if root.resolve() in resolved.parents:
                return True
        return False

    # --- one edition -------------------------------------------------------------------------

    def _edition_view(self, issue: Issue, lang: str, key: tuple) -> EditionView:
        project = issue.project
        segments = self._segments
        by_id = {s.id: s for s in segments}
        counts = {"untranslated": 0, "outdated": 0, "fuzzy": 0, "errors": 0, "warnings": 0, "glossary": 0}
        live = 0
        if lang == project.source_language:
            status, texts = EditionStatus(lang), {}
        else:
            status, texts = edition_status(issue, lang, segments)
            if lang != PSEUDO_LOCALE:
                from ..qa import check_issue

                status.findings = check_issue(issue, [lang], self._termbase)
        problems: dict[str, Mark] = {}
        if lang == PSEUDO_LOCALE:
            texts = dict(texts)
            for segment in segments:   # the layout check needs text, not English: pseudo it now
                if segment.id not in texts:
                    texts[segment.id] = self._pseudo(segment.source)
                    live += 1
        elif lang != project.source_language:
            notes = {e.context: e.comment for e in read_entries(catalog_path(issue.folder, lang))
                     if not e.obsolete and e.comment}

            def mark(segment_id: str, kind: str, message: str | None = None) -> None:
                seg = by_id.get(segment_id)
                item = problems.get(segment_id)
                if item is None:
                    note = "; ".join(n for n in (seg.note if seg else "", notes.get(segment_id, "")) if n)
                    item = problems[segment_id] = Mark(segment_id, [], seg.source if seg else "", note)
                if kind not in item.kinds:
                    item.kinds.append(kind)
                if message:
                    item.messages.append(message)

            for sid in status.missing:
                mark(sid, "missing")
            for sid in status.outdated:
                mark(sid, "outdated")
            for sid in status.fuzzy:
                mark(sid, "fuzzy")
            for f in status.findings:
                kind = "glossary" if f.concept else ("error" if f.severity == "error" else "warning")
                mark(f.segment, kind, f"{'glossary ' if f.concept else ''}{f.severity} {f.code}: {f.message}")
            counts.update(untranslated=len(status.missing), outdated=len(status.outdated), fuzzy=len(status.fuzzy),
                          errors=sum(1 for f in status.findings if not f.concept and f.severity == "error"),
                          warnings=sum(1 for f in status.findings if not f.concept and f.severity != "error"),
                          glossary=sum(1 for f in status.findings if f.concept))
        marks: list[Mark] = []
        numbers: dict[str, int] = {}

        def translate(segment: Segment) -> str:
            text = texts.get(segment.id, segment.source)
            item = problems.get(segment.id)
            if item is None or not text:
                return text
            n = numbers.get(segment.id)
            if n is None:
                n = numbers[segment.id] = len(marks)
                marks.append(item)
            return open_token(n) + text + close_token(n)

        edition = make_edition(issue, lang, translate)
        html = apply_marks(self.renderer.html(edition), marks)
        # Problems in segments the edition does not show (none today) still get listed.
        marks.extend(m for sid, m in problems.items() if sid not in numbers)
        view = EditionView(lang, language_name(lang), status, html, marks, counts, live,
                           lang == project.source_language, key)
        if not marks:
            view._clean = html
        else:
            view._clean_edition = (issue, lang, texts)
        return view

    def clean_html(self, view: EditionView) -> str:
        """The edition exactly as `newsletter build` writes it (no marks), rendered on first ask."""
        if view._clean is None:
            with self.lock:
                if view._clean is None:
                    issue, lang, texts = view._clean_edition
                    edition = make_edition(issue, lang, lambda s: texts.get(s.id, s.source))
                    view._clean = self.renderer.html(edition)
        return view._clean

    def _pseudo(self, source: str) -> str:
        text = self._pseudo_cache.get(source)
        if text is None:
            text = self._pseudo_cache[source] = pseudo_translate(source, self._protected())
        return text

    def _protected(self) -> list[str]:
        concepts = self._termbase.concepts.values() if self._termbase is not None else ()
        return [form for c in concepts if c.do_not_translate for form in c.english_forms]


def pseudo_translate(source: str, protected: list[str] = ()) -> str:
    """What `newsletter translate --engine pseudo` would store, computed on the fly (offline):
    markup, URLs, numbers and do-not-translate names masked, as translate masks them."""
    from ..engines import EngineSettings, PseudoEngine
    from ..masking import MarkupLost, mask, unmask

    masked = mask(source, protected)
    try:
        return unmask(PseudoEngine(EngineSettings()).translate(masked.text, "en", PSEUDO_LOCALE), masked)
    except (MarkupLost, PipelineError):
        return source


__all__ = ["Session", "State", "EditionView", "error_text", "language_name", "pseudo_translate"]
