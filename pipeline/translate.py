"""`newsletter translate`: a first machine draft of every missing or changed segment.

For each language: bring the catalog up to date, reuse any translation the memory
already has for the same English (this issue or an earlier one), and send only the
rest, once per distinct text. Each text is masked (Markdown, URLs, numbers,
do-not-translate names), cut at sentence ends to fit the engine's request limit,
sent with a timeout and retried with exponential backoff and jitter on 429, 5xx,
timeouts and dropped connections. Placeholders must all come back; if not, the
text is retried sentence by sentence, and in the end handed to a translator
instead of storing broken markup. Glossary terms are then enforced and checked.
Results are stored as fuzzy entries (to be reviewed) and merged into the catalog as
they arrive, entry by entry with what is on disk, so a translator's save during the run
is kept. Ctrl-C stops sending at once, waits a moment for the answers already on their
way, saves them and exits; a crash loses at most the requests in flight. A term
re-translation is its own step: the first draft is saved before it, marked pending, and
a later run finishes it without translating the text again.
"""

from __future__ import annotations

import queue
import re
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import click
import polib

from .engines import Engine, EngineError, EngineSettings, TransientError, backoff_delays, make_engine
from .errors import PipelineError
from .glossary.matching import ending_of, find_term, inflect_like, stems, tokenize_with_offsets
from .glossary.qa import TermChecker
from .glossary.termbase import Termbase
from .files import exclusive
from .issue import PSEUDO_LOCALE, Issue, issue_ids
from .masking import MarkupLost, chunks, mask, sentences, split_at, unmask
from .memory import CatalogFile, catalog_path, read_entries, sync_languages
from .qa import termbase_for

MT_NOTE = "machine translation"
PIN_PENDING = "glossary: term re-translation pending (running translate again finishes it)"
UNCHANGED_NOTE = f"{MT_NOTE} returned the English unchanged; translate it by hand"
GRACE_SECONDS = 1.5   # after Ctrl-C, how long answers already on their way are waited for


@dataclass
class TranslateOptions:
    engine: str | None = None          # None: project.yaml's choice (per language, else default)
    url: str | None = None
    jobs: int = 8
    timeout: float = 20.0
    attempts: int = 5
    backoff: float = 0.5               # seconds; doubled each retry, with full jitter
    progress: bool | None = None       # None: a bar only on a terminal
    pack: int = 25                     # most texts in one request (1: one text per request)


@dataclass
class LanguageReport:
    lang: str
    engine: str
    reused: int = 0
    translated: int = 0
    for_translator: list[str] = field(default_factory=list)   # markup could not be kept
    glossary_notes: list[str] = field(default_factory=list)   # term a translator must fix
    failed: list[str] = field(default_factory=list)           # engine failed after retries
    errors: list[str] = field(default_factory=list)           # why, each distinct message once
    kept_translator: list[str] = field(default_factory=list)  # a person changed it during the run
    unchanged: list[str] = field(default_factory=list)        # the engine gave the English back


@dataclass
class TranslateReport:
    languages: list[LanguageReport]
    requests: int = 0           # sent, retries included
    answered: int = 0           # of those, answered by the engine
    interrupted: bool = False


@dataclass
class _Unit:
    lang: str
    source: str
    contexts: list[str]
    seen: dict = field(default_factory=dict)   # context -> the entry as this run decided to fill it


@dataclass
class _Result:
    unit: _Unit
    text: str = ""
    notes: list[str] = field(default_factory=list)
    markup_lost: bool = False
    error: str = ""
    pins: list = field(default_factory=list)   # missing approved terms: a re-translation still to do
    final: bool = True                         # False: a draft saved before its term re-translation
    unchanged: bool = False                    # the engine returned the English as it was
    applied: bool = False


class Stopped(Exception):
    """Ctrl-C: no further request is sent."""


class _Counter:
    """Requests sent (every attempt, retries included) and requests the engine answered."""

    def __init__(self):
        self.value = 0
        self.answered = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.value += 1

    def add_answer(self) -> None:
        with self._lock:
            self.answered += 1


def needs_translation(entry: polib.POEntry) -> bool:
    """No translation yet, or the English changed since (fuzzy with a previous msgid)."""
    return not entry.obsolete and (not entry.msgstr or ("fuzzy" in entry.flags and entry.previous_msgid))


def pin_pending(entry: polib.POEntry) -> bool:
    return "fuzzy" in entry.flags and PIN_PENDING in (entry.tcomment or "").split("\n")


def _memory(issue: Issue, lang: str) -> dict[str, tuple[str, bool]]:
    """English -> (translation, reviewed) from every issue's catalog; reviewed text wins."""
    found: dict[str, tuple[str, bool]] = {}
    newsletters = issue.folder.parent
    for issue_id in issue_ids(newsletters):
        for entry in read_entries(catalog_path(newsletters / issue_id, lang)):
            if entry.obsolete or not entry.text or (entry.fuzzy and entry.previous_source) \
                    or PIN_PENDING in entry.comment.split("\n"):
                continue
            reviewed = not entry.fuzzy
            if entry.source not in found or (reviewed and not found[entry.source][1]):
                found[entry.source] = (entry.text, reviewed)
    return found


class Translator:
    """One engine, one target language: mask, chunk, send with retries, verify, enforce terms."""

    def __init__(self, engine: Engine, source_lang: str, lang: str, termbase: Termbase,
                 options: TranslateOptions, counter: _Counter, stop: threading.Event | None = None):
        self.engine, self.source_lang, self.lang = engine, source_lang, lang
        self.termbase, self.options, self.counter = termbase, options, counter
        self.stop = stop or threading.Event()
        self.checker = TermChecker(termbase, lang)
        self.protected = [c.english for c in termbase.concepts.values() if c.do_not_translate] + \
                         [v for c in termbase.concepts.values() if c.do_not_translate for v in c.english_variants]

    # one request, with retries
    def request(self, text: str) -> str:
        delays = backoff_delays(self.options.attempts - 1, self.options.backoff)
        for attempt in range(self.options.attempts):
            if self.stop.is_set():
                raise Stopped
            self.counter.add()
            try:
                answer = self.engine.translate(text, self.source_lang, self.lang)
            except TransientError as exc:
                if attempt == len(delays):
                    raise TransientError(f"{exc} (gave up after {self.options.attempts} attempts)") from exc
                if self.stop.wait(delays[attempt]):
                    raise Stopped from None
                continue
            self.counter.add_answer()
            return answer
        raise AssertionError("unreachable")

    def _size(self, text: str) -> int:
        return len(urllib.parse.quote(text, safe=""))

    def masked_translation(self, source: str, extra: dict[str, str] | None = None,
                           substitutions: dict[str, str] | None = None) -> str:
        """Translate with placeholders; raise MarkupLost if they do not all come back."""
        masked = mask(source, self.protected, extra)
        pieces = chunks(masked.text, self.engine.max_request_chars, self._size)
        translated = " ".join(self.request(piece) for piece in pieces)
        subs = {n: substitutions[o] for n, o in masked.originals.items() if substitutions and o in substitutions}
        return unmask(translated, masked, subs)

    def packable(self, unit: _Unit) -> int:
        if not self.engine.network:
            return self.engine.max_request_chars  # nothing to save offline: one text per call
        """URL-encoded size of a unit's masked text, to pack several into one request."""
        return self._size(mask(unit.source, self.protected).text)

    def translate_pack(self, units: list[_Unit]) -> list[_Result]:
        """Several short texts in one request, joined by separator placeholders.

        Every placeholder and separator must come back in order; otherwise each text
        is sent on its own, so packing never costs correctness, only saves requests.
        """
        if len(units) == 1:
            return [self.translate(units[0])]
        maskeds, separators, number = [], [], 1
        for unit in units:
            masked = mask(unit.source, self.protected, first=number)
            maskeds.append(masked)
            number += masked.count
            separators.append(number)
            number += 1
        separators.pop()
        joined = "".join(m.text + (f"\n{{{s}}}\n" if i < len(separators) else "")
                         for i, (m, s) in enumerate(zip(maskeds, separators + [0])))
        try:
            parts = split_at(self.request(joined), separators)
            texts = [unmask(part, masked) for part, masked in zip(parts, maskeds)] if parts else None
        except MarkupLost:
            texts = None
        except TransientError as exc:
            if exc.timed_out:   # already retried: each text on its own would multiply the waiting
                return [_Result(unit, error=str(exc)) for unit in units]
            texts = None        # a server that answers but fails: maybe one text; send each alone
        if texts is None or len(texts) != len(units):
            return [self.translate(unit) for unit in units]
        results = []
        for unit, text in zip(units, texts):
            result = _Result(unit, text)
            self.fix_terms(result)
            results.append(result)
        return results

    def translate(self, unit: _Unit) -> _Result:
        result = _Result(unit)
        try:
            try:
                result.text = self.masked_translation(unit.source)
            except MarkupLost:
                # Smaller requests keep placeholders more reliably: one sentence at a time.
                result.text = " ".join(self.masked_translation(s) for s in sentences(unit.source))
        except MarkupLost as exc:
            result.markup_lost = True
            result.notes.append(f"{MT_NOTE} lost markup ({exc}); translate this segment by hand")
            return result
        except TransientError as exc:
            result.error = str(exc)
            return result
        self.fix_terms(result)
        return result

    # glossary ------------------------------------------------------------------------------
    def fix_terms(self, result: _Result) -> None:
        """What needs no request: forbidden alternatives replaced; missing terms left to `pin`.

        A forbidden alternative is replaced by the approved term carrying the same ending
        (gospodarki społecznej -> ekonomii społecznej). A term the engine rendered otherwise
        needs a re-translation with the term pinned; until it is done the draft is saved
        marked pending, so an interrupted run never redoes the whole translation for it.
        """
        if result.text.strip() == result.unit.source.strip() and _has_words(mask(result.unit.source,
                                                                                self.protected).text):
            result.unchanged = True
            result.notes.append(UNCHANGED_NOTE)
        for finding in self.checker.check(result.unit.source, result.text):
            row = self.termbase.term(self.lang, finding.concept)
            if finding.code == "forbidden-term" and row is not None and row.usable:
                result.text = self._replace_forbidden(result.text, row, result.notes)
            elif finding.code == "missing-term" and row is not None and row.usable:
                result.pins.append(finding.concept)
        if result.pins:
            result.final = False
            result.notes.append(PIN_PENDING)
        else:
            result.notes.extend(self._remaining(result.unit.source, result.text))

    def pin(self, unit: _Unit, text: str, concepts: list[str]) -> _Result:
        """The term re-translation: the English term is masked, the sentence is translated
        again, and the approved term goes in its place in its base form, which may need its
        ending fixed (the note says so)."""
        result = _Result(unit, text)
        for concept_id in concepts:
            row = self.termbase.term(self.lang, concept_id)
            concept = self.termbase.concepts.get(concept_id)
            if row is None or concept is None or not row.usable:
                continue
            try:
                pinned = self.masked_translation(unit.source, extra={f: f for f in concept.english_forms},
                                                 substitutions={f: row.term for f in concept.english_forms})
            except (MarkupLost, TransientError):
                continue
            if len(self.checker.check(unit.source, pinned)) < len(self.checker.check(unit.source, result.text)):
                result.text = pinned
                result.notes.append(f"glossary: '{row.term}' was inserted in its base form; check its ending")
        result.notes.extend(self._remaining(unit.source, result.text))
        return result

    def _remaining(self, source: str, text: str) -> list[str]:
        return [f"glossary: {f.code}: {f.message} - fix before approving" for f in self.checker.check(source, text)]

    def _inflected(self, found_words, wrong_words, right_words) -> str | None:
        """The approved term with the endings the engine gave the wrong one, word by word."""
        if not len(found_words) == len(wrong_words) == len(right_words):
            return None
        new = []
        for found, base_wrong, base_right in zip(found_words, wrong_words, right_words):
            endings = ending_of(found, base_wrong, self.lang)
            inflected = inflect_like(base_right, *endings, self.lang) if endings else None
            if inflected is None:
                return None
            new.append(inflected)
        return " ".join(new)

    def _replace_forbidden(self, text: str, row, notes: list[str]) -> str:
        """Each forbidden alternative's whole span replaced by the approved term.

        Where the engine kept part of the term around the wrong word (`διαπεριφερειακό
        workshop` for `διαπεριφερειακό εργαστήριο`), those words belong to the span too. A
        result that would repeat a word is refused: the engine's text stays, with a note.
        """
        for wrong in row.all_forbidden:
            words = tokenize_with_offsets(text, self.lang)
            tokens = [w for w, _, _ in words]
            for span in reversed(find_term(wrong, tokens, self.lang)):
                first, last = self._widened(tokens, span.start, span.end, row.term)
                start, end = words[first][1], words[last - 1][2]
                found_words = text[start:end].split()
                right_words = row.term.split()
                replacement = (self._inflected(found_words, wrong.split(), right_words)
                               if (first, last) == (span.start, span.end) else None) or row.term
                if text[start:start + 1].isupper():
                    replacement = replacement[:1].upper() + replacement[1:]
                candidate = text[:start] + replacement + text[end:]
                if _repeats(candidate, self.lang) > _repeats(text, self.lang):
                    notes.append(f"glossary: '{wrong}' is forbidden, use '{row.term}' (not replaced "
                                 "automatically: the result would repeat a word) - fix before approving")
                    continue
                text = candidate
        return text

    def _widened(self, tokens: list[str], first: int, last: int, term: str) -> tuple[int, int]:
        """The span grown over neighbouring words the approved term itself starts or ends with."""
        right = tokenize_with_offsets(term, self.lang)
        right = [w for w, _, _ in right]
        for count in range(len(right) - 1, 0, -1):   # words before the span = the term's first words
            if first - count >= 0 and _same_words(tokens[first - count:first], right[:count], self.lang):
                first -= count
                break
        for count in range(len(right) - 1, 0, -1):   # words after the span = the term's last words
            if last + count <= len(tokens) and _same_words(tokens[last:last + count], right[-count:], self.lang):
                last += count
                break
        return first, last


def _has_words(masked: str) -> bool:
    """Text left once names, numbers, URLs and markup are placeholders: what should change."""
    return any(c.isalpha() for c in re.sub(r"\{\d+\}", "", masked))


def _same_words(found: list[str], wanted: list[str], lang: str) -> bool:
    return len(found) == len(wanted) and all(set(stems(a, lang)) & set(stems(b, lang))
                                             for a, b in zip(found, wanted))


def _repeats(text: str, lang: str, window: int = 3) -> int:
    """Words standing twice within a few words (`εργαστήριο εργαστήριο`, `εργαστήριο
    διαπεριφερειακό εργαστήριο`), inflected forms included; short words (articles) aside."""
    words = [w for w, _, _ in tokenize_with_offsets(text, lang)]
    return sum(1 for i, a in enumerate(words) if len(a) >= 4 and a.isalpha()
               for b in words[i + 1:i + window] if _same_words([a], [b], lang))


def _engine_for(issue: Issue, lang: str, options: TranslateOptions) -> Engine:
    settings = issue.project.translation
    if lang == PSEUDO_LOCALE:
        name = options.engine or "pseudo"
        if name != "pseudo":
            raise EngineError(f"{PSEUDO_LOCALE} is the pseudo-localized edition: only --engine pseudo fills it")
    else:
        name = options.engine or settings.engines.get(lang) or settings.engine
        if name == "pseudo":
            raise EngineError(f"pseudo-localization has its own edition, {PSEUDO_LOCALE}, and never goes into a "
                              f"real language's catalog ({lang}): run `newsletter translate --engine pseudo` "
                              f"without --lang, then `newsletter build --lang {PSEUDO_LOCALE}`")
    engine = make_engine(name, EngineSettings(url=options.url or settings.url, timeout=options.timeout))
    if not engine.supports(lang):
        raise EngineError(f"engine {name!r} cannot translate into {lang!r}; choose another with --engine "
                          f"or translation.engines in project.yaml")
    return engine


def translate_issue(issue: Issue, languages: list[str], options: TranslateOptions) -> TranslateReport:
    """Fill every language's missing or outdated entries, holding those catalogs' locks."""
    termbase = termbase_for(issue)
    engines = {lang: _engine_for(issue, lang, options) for lang in languages}   # fail fast, before any request
    paths = [catalog_path(issue.folder, lang) for lang in languages]
    with exclusive(paths, "run `newsletter translate`"):
        return _translate_locked(issue, languages, options, termbase, engines)


class _Run:
    """One translate run's catalogs and reports: where answers are checked and saved."""

    def __init__(self, issue: Issue, languages: list[str], engines: dict[str, Engine]):
        self.issue, self.engines = issue, engines
        self.catalogs = {lang: CatalogFile(catalog_path(issue.folder, lang)) for lang in languages}
        self.reports = {lang: LanguageReport(lang, engines[lang].name) for lang in languages}
        self.inbox: list = []   # answers taken from the workers, not saved yet

    def apply(self, result: _Result) -> None:
        """Store one answer where the entry is still as the run saw it; a person's edit wins."""
        lang = result.unit.lang
        catalog, report = self.catalogs[lang], self.reports[lang]
        if result.error:
            report.failed.extend(result.unit.contexts)
            if result.error not in report.errors:
                report.errors.append(result.error)
            return
        for context in result.unit.contexts:
            entry = catalog.entry(context)
            if entry is None or _as_seen(entry) != result.unit.seen.get(context):
                report.kept_translator.append(context)
                continue
            if result.markup_lost:
                entry.tcomment = "\n".join(result.notes)
                report.for_translator.append(context)
            else:
                _store(entry, result.text, reviewed=False,
                       notes=[f"{MT_NOTE}: {self.engines[lang].name}", *result.notes])
                if result.unchanged:
                    report.unchanged.append(context)
                elif result.final:
                    report.translated += 1
                    if any(n.startswith("glossary:") for n in result.notes):
                        report.glossary_notes.append(context)
            result.unit.seen[context] = _as_seen(entry)   # a pending step may follow

    def refresh(self, langs) -> None:
        for lang in langs:
            self.catalogs[lang].refresh()

    def save(self, langs) -> None:
        for lang in langs:
            catalog = self.catalogs[lang]
            catalog.save(lang, self.issue.id)
            for context in catalog.dropped:
                if context not in self.reports[lang].kept_translator:
                    self.reports[lang].kept_translator.append(context)
            catalog.dropped.clear()


def _as_seen(entry: polib.POEntry) -> tuple:
    """What an answer's entry must still be for the answer to land: a person's edit changes it."""
    return (entry.msgid, entry.msgstr, tuple(sorted(entry.flags)), entry.tcomment or "")


def _translate_locked(issue: Issue, languages: list[str], options: TranslateOptions, termbase: Termbase,
                      engines: dict[str, Engine]) -> TranslateReport:
    sync_languages(issue, languages)
    run = _Run(issue, languages, engines)
    units: list[_Unit] = []
    pins: list[tuple[_Unit, str, list[str]]] = []
    checkers = {lang: TermChecker(termbase, lang) for lang in languages}
    for lang in languages:
        memory = _memory(issue, lang)
        pending: dict[str, _Unit] = {}
        changed = False
        for entry in run.catalogs[lang].catalog:
            if pin_pending(entry):   # an interrupted run's draft: only its term step is left
                unit = _Unit(lang, entry.msgid, [entry.msgctxt], {entry.msgctxt: _as_seen(entry)})
                concepts = [f.concept for f in checkers[lang].check(entry.msgid, entry.msgstr)
                            if f.code == "missing-term"]
                pins.append((unit, entry.msgstr, concepts))
                continue
            if not needs_translation(entry):
                continue
            if entry.msgid in memory:
                text, reviewed = memory[entry.msgid]
                _store(entry, text, reviewed=reviewed, notes=[] if reviewed else [f"{MT_NOTE}: reused"])
                run.reports[lang].reused += 1
                changed = True
            else:
                unit = pending.setdefault(entry.msgid, _Unit(lang, entry.msgid, []))
                unit.contexts.append(entry.msgctxt)
                unit.seen[entry.msgctxt] = _as_seen(entry)
        if changed:
            run.save([lang])
        units.extend(pending.values())

    stop = threading.Event()
    counter = _Counter()
    translators = {lang: Translator(engines[lang], issue.project.source_language, lang, termbase, options,
                                    counter, stop) for lang in languages}
    report = TranslateReport(list(run.reports.values()))
    outstanding = len(units) + len(pins)
    if not outstanding:
        return report
    pool = _Pool(translators, options.jobs)
    for pack in _packs(units, translators, options):
        pool.submit("pack", pack)
    for pin in pins:
        pool.submit("pin", pin)

    show = options.progress if options.progress is not None else sys.stderr.isatty()
    bar = click.progressbar(length=outstanding, label="translating", file=sys.stderr) if show else None
    try:
        if bar:
            bar.__enter__()
        while pool.open:
            run.inbox.extend(pool.take())
            _handle(run, pool, bar)
    except KeyboardInterrupt:
        stop.set()
        report.interrupted = True
        _finish_after_interrupt(run, pool)
        report.requests, report.answered = counter.value, counter.answered
        saved = sum(r.translated for r in run.reports.values())
        raise PipelineError(f"interrupted: stopped sending; {saved} translation(s) received are saved; "
                            "run the same command again to continue") from None
    finally:
        stop.set()
        if bar:
            bar.__exit__(None, None, None)
    report.requests, report.answered = counter.value, counter.answered
    return report


class _Pool:
    """Worker threads for requests. They are daemons, so a stopped run never waits for them
    to finish a request; `in_flight` tells how many answers may still be on their way."""

    def __init__(self, translators: dict[str, Translator], jobs: int):
        self.translators = translators
        self.tasks: queue.Queue = queue.Queue()
        self.answers: queue.Queue = queue.Queue()
        self.open = 0          # submitted and not yet taken back as an answer
        self.in_flight = 0     # being worked on right now
        self._lock = threading.Lock()
        for _ in range(max(1, jobs)):
            threading.Thread(target=self._work, daemon=True).start()

    def submit(self, kind: str, payload) -> None:
        with self._lock:
            self.open += 1
        self.tasks.put((kind, payload))

    def take(self, timeout: float | None = None) -> list:
        """At least one answer (or none after `timeout`), and every other one already there."""
        try:
            batch = [self.answers.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                batch.append(self.answers.get_nowait())
            except queue.Empty:
                break
        with self._lock:
            self.open -= len(batch)
        return batch

    def drop_waiting(self) -> None:
        while True:
            try:
                self.tasks.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                self.open -= 1

    def _work(self) -> None:
        while True:
            kind, payload = self.tasks.get()
            with self._lock:
                self.in_flight += 1
            try:
                if kind == "pack":
                    answer = ("done", self.translators[payload[0].lang].translate_pack(payload))
                else:
                    unit, text, concepts = payload
                    answer = ("done", [self.translators[unit.lang].pin(unit, text, concepts)])
            except Stopped:
                answer = ("stopped", [])
            except Exception as exc:  # noqa: BLE001 - EngineError or a bug: the main thread raises it
                answer = ("fatal", exc)
            self.answers.put(answer)
            with self._lock:
                self.in_flight -= 1


def _handle(run: _Run, pool: _Pool | None, bar) -> None:
    """Apply the answers in the run's inbox and save each touched catalog once; the inbox is
    emptied only after the save, so an interrupt in between loses nothing."""
    results, fatal = [], None
    for status, payload in run.inbox:
        if status == "fatal":
            fatal = fatal or payload
        else:
            results.extend(payload)
    touched = {r.unit.lang for r in results}
    run.refresh(touched)
    for result in results:
        if result.applied:
            continue
        run.apply(result)
        result.applied = True
        if pool is not None and result.pins and not result.error and not result.markup_lost \
                and any(c not in run.reports[result.unit.lang].kept_translator for c in result.unit.contexts):
            pool.submit("pin", (result.unit, result.text, result.pins))
        elif bar:
            bar.update(1)
    run.save(touched)
    run.inbox.clear()
    if fatal is not None:   # what arrived before it is saved
        raise fatal


def _finish_after_interrupt(run: _Run, pool: _Pool) -> None:
    """Ctrl-C: nothing more is sent; answers already on their way are taken for a moment, then
    everything received is saved. A second Ctrl-C only cuts the wait short."""
    hurry = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: hurry.set())
    try:
        pool.drop_waiting()
        click.echo("\nstopping: saving what has arrived (Ctrl-C again to stop waiting)", err=True)
        deadline = time.monotonic() + GRACE_SECONDS
        while (pool.in_flight or not pool.answers.empty()) and not hurry.is_set() and time.monotonic() < deadline:
            run.inbox.extend(a for a in pool.take(timeout=0.05) if a[0] == "done")
        run.inbox.extend(a for a in pool.take(timeout=0) if a[0] == "done")   # arrived: never dropped
        run.inbox[:] = [a for a in run.inbox if a[0] == "done"]
        _handle(run, None, None)   # a draft whose term step is left stays marked pending
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _packs(units: list[_Unit], translators: dict[str, Translator], options: TranslateOptions) -> list[list[_Unit]]:
    """Group each language's texts into requests up to the engine's size limit.

    Enough packs are made to keep every parallel job busy: packing saves round trips,
    parallelism hides latency, and both matter.
    """
    by_lang: dict[str, list[_Unit]] = {}
    for unit in units:
        by_lang.setdefault(unit.lang, []).append(unit)
    total = sum(translators[lang].packable(u) for lang, us in by_lang.items() for u in us)
    packs: list[list[_Unit]] = []
    for lang, lang_units in by_lang.items():
        translator = translators[lang]
        limit = translator.engine.max_request_chars
        share = max(1, total // max(1, options.jobs * 2))   # aim for about two packs per job
        budget = min(limit, max(share, 1))
        current, size = [], 0
        for unit in lang_units:
            unit_size = translator.packable(unit) + 12
            if current and (size + unit_size > budget or len(current) >= options.pack):
                packs.append(current)
                current, size = [], 0
            current.append(unit)
            size += unit_size
        if current:
            packs.append(current)
    return packs


def _store(entry: polib.POEntry, text: str, *, reviewed: bool, notes: list[str]) -> None:
    if entry.msgstr and entry.previous_msgid:
        notes = [*notes, f"previous English: {entry.previous_msgid}", f"previous translation: {entry.msgstr}"]
    else:  # a second step (term re-translation) keeps what the first recorded
        notes = [*notes, *(line for line in (entry.tcomment or "").split("\n")
                           if line.startswith(("previous English: ", "previous translation: ")))]
    entry.msgstr = text
    entry.previous_msgid = None
    entry.flags = [f for f in entry.flags if f != "fuzzy"] + ([] if reviewed else ["fuzzy"])
    entry.tcomment = "\n".join(notes)
