"""`newsletter translate`: a first machine draft of every missing or changed segment.

For each language: bring the catalog up to date, reuse any translation the memory
already has for the same English (this issue or an earlier one), and send only the
rest, once per distinct text. Each text is masked (Markdown, URLs, numbers,
do-not-translate names), cut at sentence ends to fit the engine's request limit,
sent with a timeout and retried with exponential backoff and jitter on 429, 5xx,
timeouts and dropped connections. Placeholders must all come back; if not, the
text is retried sentence by sentence, and in the end handed to a translator
instead of storing broken markup. Glossary terms are then enforced and checked.
Results are stored as fuzzy entries (to be reviewed) and written to the catalog as
they arrive, so Ctrl-C or a crash loses at most the requests in flight.
"""

from __future__ import annotations

import sys
import threading
import time
import urllib.parse
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import click
import polib

from .engines import Engine, EngineError, EngineSettings, TransientError, backoff_delays, make_engine
from .errors import PipelineError
from .glossary.matching import ending_of, find_term, inflect_like, tokenize_with_offsets
from .glossary.qa import TermChecker
from .glossary.termbase import Termbase
from .issue import Issue, issue_ids
from .masking import MarkupLost, chunks, mask, sentences, split_at, unmask
from .memory import catalog_path, read_catalog, update_catalogs, write_catalog
from .qa import termbase_for

MT_NOTE = "machine translation"


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


@dataclass
class TranslateReport:
    languages: list[LanguageReport]
    requests: int = 0
    interrupted: bool = False


@dataclass
class _Unit:
    lang: str
    source: str
    contexts: list[str]


@dataclass
class _Result:
    unit: _Unit
    text: str = ""
    notes: list[str] = field(default_factory=list)
    markup_lost: bool = False
    error: str = ""


class _Counter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.value += 1


def needs_translation(entry: polib.POEntry) -> bool:
    """No translation yet, or the English changed since (fuzzy with a previous msgid)."""
    return not entry.obsolete and (not entry.msgstr or ("fuzzy" in entry.flags and entry.previous_msgid))


def _memory(issue: Issue, lang: str) -> dict[str, tuple[str, bool]]:
    """English -> (translation, reviewed) from every issue's catalog; reviewed text wins."""
    found: dict[str, tuple[str, bool]] = {}
    newsletters = issue.folder.parent
    for issue_id in issue_ids(newsletters):
        for entry in read_catalog(catalog_path(newsletters / issue_id, lang)):
            if entry.obsolete or not entry.msgstr or needs_translation(entry):
                continue
            reviewed = "fuzzy" not in entry.flags
            if entry.msgid not in found or (reviewed and not found[entry.msgid][1]):
                found[entry.msgid] = (entry.msgstr, reviewed)
    return found


class Translator:
    """One engine, one target language: mask, chunk, send with retries, verify, enforce terms."""

    def __init__(self, engine: Engine, source_lang: str, lang: str, termbase: Termbase,
                 options: TranslateOptions, counter: _Counter):
        self.engine, self.source_lang, self.lang = engine, source_lang, lang
        self.termbase, self.options, self.counter = termbase, options, counter
        self.checker = TermChecker(termbase, lang)
        self.protected = [c.english for c in termbase.concepts.values() if c.do_not_translate] + \
                         [v for c in termbase.concepts.values() if c.do_not_translate for v in c.english_variants]

    # one request, with retries
    def request(self, text: str) -> str:
        delays = backoff_delays(self.options.attempts - 1, self.options.backoff)
        for attempt in range(self.options.attempts):
            self.counter.add()
            try:
                return self.engine.translate(text, self.source_lang, self.lang)
            except TransientError as exc:
                if attempt == len(delays):
                    raise TransientError(f"{exc} (gave up after {self.options.attempts} attempts)") from exc
                time.sleep(delays[attempt])
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
        except (MarkupLost, TransientError):
            texts = None
        if texts is None or len(texts) != len(units):
            return [self.translate(unit) for unit in units]
        results = []
        for unit, text in zip(units, texts):
            result = _Result(unit)
            result.text, result.notes = self.enforce_glossary(unit.source, text)
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
        result.text, notes = self.enforce_glossary(unit.source, result.text)
        result.notes.extend(notes)
        return result

    # glossary ------------------------------------------------------------------------------
    def enforce_glossary(self, source: str, text: str) -> tuple[str, list[str]]:
        """Make approved terms appear; what cannot be fixed becomes a note for the translator.

        A forbidden alternative is replaced by the approved term carrying the same
        ending (gospodarki społecznej -> ekonomii społecznej). A term the engine
        rendered otherwise is pinned: the English term is masked, the sentence is
        translated again, and the approved term goes in its place in its base form,
        which may need its ending fixed (the note says so).
        """
        notes: list[str] = []
        for finding in self.checker.check(source, text):
            row = self.termbase.term(self.lang, finding.concept)
            if finding.code == "forbidden-term" and row is not None and row.usable:
                text = self._replace_forbidden(text, row)
            elif finding.code == "missing-term" and row is not None and row.usable:
                concept = self.termbase.concepts[finding.concept]
                try:
                    pinned = self.masked_translation(source, extra={f: f for f in concept.english_forms},
                                                     substitutions={f: row.term for f in concept.english_forms})
                except (MarkupLost, TransientError):
                    continue
                if len(self.checker.check(source, pinned)) < len(self.checker.check(source, text)):
                    text = pinned
                    notes.append(f"glossary: '{row.term}' was inserted in its base form; check its ending")
        for finding in self.checker.check(source, text):
            notes.append(f"glossary: {finding.code}: {finding.message} - fix before approving")
        return text, notes

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

    def _replace_forbidden(self, text: str, row) -> str:
        for wrong in row.all_forbidden:
            words = tokenize_with_offsets(text, self.lang)
            spans = find_term(wrong, [w for w, _, _ in words], self.lang)
            for span in reversed(spans):
                start, end = words[span.start][1], words[span.end - 1][2]
                found_words = text[start:end].split()
                wrong_words, right_words = wrong.split(), row.term.split()
                replacement = self._inflected(found_words, wrong_words, right_words) or row.term
                if text[start:start + 1].isupper():
                    replacement = replacement[:1].upper() + replacement[1:]
                text = text[:start] + replacement + text[end:]
        return text


def _engine_for(issue: Issue, lang: str, options: TranslateOptions) -> Engine:
    settings = issue.project.translation
    name = options.engine or settings.engines.get(lang) or settings.engine
    engine = make_engine(name, EngineSettings(url=options.url or settings.url, timeout=options.timeout))
    if not engine.supports(lang):
        raise EngineError(f"engine {name!r} cannot translate into {lang!r}; choose another with --engine "
                          f"or translation.engines in project.yaml")
    return engine


def translate_issue(issue: Issue, languages: list[str], options: TranslateOptions) -> TranslateReport:
    termbase = termbase_for(issue)
    engines = {lang: _engine_for(issue, lang, options) for lang in languages}   # fail fast, before any request
    update_catalogs(issue, languages)
    counter = _Counter()
    reports = {lang: LanguageReport(lang, engines[lang].name) for lang in languages}
    catalogs: dict[str, polib.POFile] = {}
    units: list[_Unit] = []
    for lang in languages:
        path = catalog_path(issue.folder, lang)
        catalog = catalogs[lang] = read_catalog(path)
        memory = _memory(issue, lang)
        pending: dict[str, _Unit] = {}
        changed = False
        for entry in catalog:
            if not needs_translation(entry):
                continue
            if entry.msgid in memory:
                text, reviewed = memory[entry.msgid]
                _store(entry, text, reviewed=reviewed, notes=[] if reviewed else [f"{MT_NOTE}: reused"])
                reports[lang].reused += 1
                changed = True
            else:
                pending.setdefault(entry.msgid, _Unit(lang, entry.msgid, [])).contexts.append(entry.msgctxt)
        if changed:
            write_catalog(catalog, path)
        units.extend(pending.values())

    translators = {lang: Translator(engines[lang], issue.project.source_language, lang, termbase, options, counter)
                   for lang in languages}
    report = TranslateReport(list(reports.values()))
    show = options.progress if options.progress is not None else sys.stderr.isatty()
    bar = click.progressbar(length=len(units), label="translating", file=sys.stderr) if show and units else None
    executor = ThreadPoolExecutor(max_workers=max(1, options.jobs))
    packs = _packs(units, translators, options)
    futures = {executor.submit(translators[p[0].lang].translate_pack, p): p for p in packs}
    try:
        if bar:
            bar.__enter__()
        pending_futures = set(futures)
        while pending_futures:
            done, pending_futures = wait(pending_futures, return_when=FIRST_COMPLETED)
            touched = set()
            for future in done:
                for result in future.result():
                    _apply(result, catalogs[result.unit.lang], reports[result.unit.lang],
                           engines[result.unit.lang].name)
                    touched.add(result.unit.lang)
                    if bar:
                        bar.update(1)
            for lang in touched:  # saved as results arrive
                write_catalog(catalogs[lang], catalog_path(issue.folder, lang))
    except KeyboardInterrupt:
        report.interrupted = True
        executor.shutdown(wait=False, cancel_futures=True)
        raise PipelineError("interrupted: every translation received so far is saved; "
                            "run the same command again to continue") from None
    except EngineError:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if bar:
            bar.__exit__(None, None, None)
        executor.shutdown(wait=False, cancel_futures=True)
    report.requests = counter.value
    return report


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
    entry.msgstr = text
    entry.previous_msgid = None
    entry.flags = [f for f in entry.flags if f != "fuzzy"] + ([] if reviewed else ["fuzzy"])
    entry.tcomment = "\n".join(notes)


def _apply(result: _Result, catalog: polib.POFile, report: LanguageReport, engine: str) -> None:
    entries = [e for e in catalog if e.msgctxt in result.unit.contexts and e.msgid == result.unit.source]
    if result.error:
        report.failed.extend(result.unit.contexts)
        return
    if result.markup_lost:
        for entry in entries:
            entry.tcomment = "\n".join(result.notes)
        report.for_translator.extend(result.unit.contexts)
        return
    for entry in entries:
        _store(entry, result.text, reviewed=False, notes=[f"{MT_NOTE}: {engine}", *result.notes])
        report.translated += 1
    if any(n.startswith("glossary:") for n in result.notes):
        report.glossary_notes.extend(result.unit.contexts)
