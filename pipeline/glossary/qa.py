"""Term checks: for each segment and language, the glossary's terms as the translation uses them.

Three findings, each with a code a machine can filter on:
- missing-term: the English uses a concept, the translation has neither the approved
  term (in any inflected form) nor a listed variant (error; warning while proposed).
- forbidden-term: the translation uses an alternative the glossary forbids for it.
- dnt-altered: a do-not-translate name (SECON, Interreg Europe) is not there as written.
  Where a language's row gives the name an official form of its own (Polish Interreg
  Europa), that form is the one required, and the English form there is a forbidden-term.

The English term left untranslated never counts as the target term, even where the
target term's inflection would read it so (Polish "Interreg Europe" as an inflected
"Interreg Europa"): see `matching.find_term(source=...)`.

Precision matters as much as recall: a concept is checked only where the English
uses it, and where a longer concept covers a shorter one ("social economy
enterprise" over "social economy") only the longer one is checked at that place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from ..checks import Finding
from .matching import contains_exact, exact_spans, find_term, stems, term_words, tokenize
from .termbase import Concept, Termbase, is_english_form

_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"\*+")


def plain(text: str) -> str:
    """Markdown markup out of the way: link URLs dropped, emphasis markers removed."""
    return _MD_EMPHASIS.sub("", _MD_LINK_TARGET.sub("]", text))


class TermChecker:
    """Checks translations into one language against the termbase."""

    def __init__(self, termbase: Termbase, lang: str):
        self.termbase = termbase
        self.lang = lang
        self.concepts = sorted(termbase.concepts.values(), key=lambda c: -len(c.english))

    def concepts_in_source(self, source: str) -> list[Concept]:
        """Concepts the English uses, longest first, nested shorter matches dropped."""
        cached = self.termbase.source_concepts.get(source)
        if cached is None:
            cached = self.termbase.source_concepts[source] = self._find_concepts(source)
        return cached

    def _find_concepts(self, source: str) -> list[Concept]:
        text = plain(source)
        token_lists = {False: tokenize(text, "en"), True: tokenize(text, "en", keep_case=True)}
        candidates: dict[int, set[str]] = {}  # concept rank -> forms whose first word occurs
        for cased, tokens in token_lists.items():
            index = self._index(cased)
            for token in set(tokens):
                for stem in stems(token, "en"):
                    for rank, form in index.get(stem, ()):
                        candidates.setdefault(rank, set()).add(form)
        taken: list[tuple[int, int]] = []
        found: list[Concept] = []
        for rank in sorted(candidates):  # longest English term first
            concept = self.concepts[rank]
            tokens = token_lists[concept.case_sensitive]
            spans = [s for form in candidates[rank]
                     for s in find_term(form, tokens, "en", keep_case=concept.case_sensitive, max_gap_word=0)]
            free = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in taken)]
            if free:
                found.append(concept)
                taken.extend((s.start, s.end) for s in free)
        return found

    def _index(self, cased: bool) -> dict[str, list[tuple[int, str]]]:
        """Stem of each English form's first word -> (concept rank, form), built once per termbase."""
        key = ("index", cased)
        index = self.termbase.source_concepts.get(key)
        if index is None:
            index = {}
            for rank, concept in enumerate(self.concepts):
                if concept.case_sensitive != cased:
                    continue
                for form in concept.english_forms:
                    words = term_words(form, "en", cased)
                    for stem in stems(words[0], "en") if words else ():
                        index.setdefault(stem, []).append((rank, form))
            self.termbase.source_concepts[key] = index
        return index

    def check(self, source: str, target: str, *, issue: str = "", segment: str = "") -> list[Finding]:
        key = (self.lang, source, target)
        results = self.termbase.check_results.get(key)
        if results is None:
            results = self.termbase.check_results[key] = self._check(source, target)
        return [replace(f, issue=issue, segment=segment) for f in results]

    def _check(self, source: str, target: str) -> list[Finding]:
        """Findings without issue/segment (filled in by `check`), so results can be cached."""
        findings = []
        text = plain(target)
        tokens = tokenize(text, self.lang)
        cased_tokens = tokenize(text, self.lang, keep_case=True)
        in_source = self.concepts_in_source(source)
        rightful_cache: dict[str, set[tuple[int, int]]] = {}
        computed: list[bool] = []

        def rightful_elsewhere(concept_id: str) -> set[tuple[int, int]]:
            """Places where another concept of this sentence is rightly translated: a forbidden
            alternative found there is that concept's approved term, not a mistake. Worked out
            only when a forbidden alternative turns up."""
            if not computed:
                computed.append(True)
                for other in in_source:
                    row = self.termbase.term(self.lang, other.id)
                    if row is not None and row.usable and not other.do_not_translate:
                        cased = _acronym(other, row.term)
                        rightful_cache[other.id] = {
                            (s.start, s.end) for form in [row.term, *row.variants]
                            for s in find_term(form, cased_tokens if cased else tokens, self.lang, keep_case=cased,
                                               source=other.english_forms)}
            return set().union(*(spans for cid, spans in rightful_cache.items() if cid != concept_id))

        for concept in in_source:
            row = self.termbase.term(self.lang, concept.id)
            if row is None:
                continue
            def finding(code, severity, message, concept_id=concept.id):
                return Finding(code, severity, self.lang, concept_id, message)
            if concept.do_not_translate:
                findings.extend(self._check_name(concept, row, text, finding))
                continue
            cased = _acronym(concept, row.term)
            search = cased_tokens if cased else tokens
            used = [alt for alt in row.all_forbidden
                    if any((span.start, span.end) not in rightful_elsewhere(concept.id)
                           for span in find_term(alt, search, self.lang, keep_case=cased))]
            if used:
                reason = f" ({row.forbidden_reason})" if row.forbidden_reason else ""
                findings.append(finding("forbidden-term", "error",
                                        f"'{used[0]}' is forbidden for '{concept.english}'{reason}; "
                                        f"use '{row.term}'" if row.usable else
                                        f"'{used[0]}' is forbidden for '{concept.english}'{reason}"))
                continue
            if not row.usable:
                continue
            forms = [row.term, *row.variants]
            # The English term left as it was is not an inflected target term (Polish "Interreg
            # Europe" for Interreg Europa, German "Region of Peloponnese" for Region Peloponnes).
            # The rules first; the lemmas only where they found nothing (loading a dictionary
            # costs seconds, and a clean translation never needs it).
            if not any(find_term(form, search, self.lang, keep_case=cased, source=concept.english_forms,
                                 lemmas=lemmas)
                       for lemmas in (False, True) for form in forms):
                severity = "error" if row.status == "approved" else "warning"
                findings.append(finding("missing-term", severity,
                                        f"'{concept.english}' should be '{row.term}' ({row.status}), not found"))
        return findings


    def _check_name(self, concept: Concept, row, text: str, finding) -> list[Finding]:
        """A do-not-translate name: as written in English, or as its official name in this
        language where the language's row gives one (then the English form is an error)."""
        official = self.termbase.official_name(self.lang, concept.id)
        if official is None or not official.usable:  # the English (a rejected official name is no name)
            forms = [row.term, *row.variants, *concept.english_variants] if official is None else concept.english_forms
            if any(contains_exact(form, text, self.lang, case_sensitive=concept.case_sensitive) for form in forms):
                return []
            return [finding("dnt-altered", "error", f"'{forms[0]}' must stay exactly as written (do not translate)")]
        severity = "error" if official.status == "approved" else "warning"
        text = unicodedata.normalize("NFC", text)  # exact_spans' offsets are in NFC text
        rightful = [place for form in [official.term, *official.variants]
                    for place in exact_spans(form, text, self.lang, case_sensitive=concept.case_sensitive)]
        # The English (any case) outside the official name: Polish "Interreg Europe".
        wrong = [text_form for form in dict.fromkeys([*concept.english_forms, *official.forbidden])
                 for start, end in exact_spans(form, text, self.lang, case_sensitive=False)
                 if not any(a <= start and end <= b for a, b in rightful)
                 for text_form in [text[start:end]]]
        if wrong:
            english = is_english_form(concept, wrong[0])
            reason = f" ({official.forbidden_reason})" if official.forbidden_reason and not english else ""
            return [finding("forbidden-term", severity, f"'{wrong[0]}' is " + ("the English name" if english
                            else "forbidden") + f"; the official name in this language is '{official.term}'{reason}")]
        if not rightful:
            return [finding("dnt-altered", severity, f"'{official.term}' (the official name in this language) "
                            "must be written exactly so")]
        return []


def _acronym(concept: Concept, term: str) -> bool:
    """Case matters in the translation only for acronyms (EFRR), not for a spelled-out
    term that starts a sentence ("Organizacje pozarządowe ...")."""
    return concept.case_sensitive and term.isupper()


def check_segments(termbase: Termbase, lang: str, pairs, issue: str = "") -> list[Finding]:
    """pairs: (segment id, English, translation) for every translated segment."""
    checker = TermChecker(termbase, lang)
    findings = []
    for segment_id, source, target in pairs:
        findings.extend(checker.check(source, target, issue=issue, segment=segment_id))
    return findings
