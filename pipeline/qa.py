"""Checks run after translation: `newsletter check`, `newsletter status` and build's warnings.

On every translated segment, human or machine: the translation checks (pipeline/checks.py:
markup, links, invisible characters, length) and the glossary's term checks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .build import edition_status
from .checks import Finding, check_translation
from .glossary.qa import check_segments
from .glossary.termbase import Termbase, find_glossary_dir, load_termbase
from .issue import Issue
from .files import shown_path
from .memory import catalog_path, read_entries, translations
from .segments import extract_segments


def termbase_for(issue: Issue) -> Termbase:
    return load_termbase(find_glossary_dir(issue.project.root))


def check_issue(issue: Issue, languages: list[str] | None = None, termbase: Termbase | None = None) -> list[Finding]:
    """Findings for every translated (or machine-translated) segment of the issue: the
    translation checks (markup, links, invisible characters, length) and the glossary's,
    each located at its entry in the PO file."""
    termbase = termbase or termbase_for(issue)
    segments = extract_segments(issue)
    findings: list[Finding] = []
    for lang in languages or issue.target_languages:
        path = catalog_path(issue.folder, lang)
        entries = read_entries(path)
        valid = translations(entries, segments)
        lines = {e.context: e.line for e in entries if not e.obsolete}
        shown = shown_path(path)
        here = {"issue": issue.id, "file": shown}
        for segment in segments:
            if segment.id in valid:
                for code, severity, message in check_translation(segment.source, valid[segment.id].text,
                                                                 segment.kind):
                    findings.append(Finding(code, severity, lang, "", message, segment=segment.id,
                                            line=lines.get(segment.id, 0), **here))
        pairs = [(s.id, s.source, valid[s.id].text) for s in segments if s.id in valid]
        findings.extend(replace(f, line=lines.get(f.segment, 0), **here)
                        for f in check_segments(termbase, lang, pairs, issue.id))
    return findings


@dataclass
class LanguageStatus:
    lang: str
    segments: int
    translated: int
    reviewed: int
    fuzzy: int
    missing: int
    outdated: int
    concepts: int
    approved: int
    proposed: int
    no_term: int

    def as_dict(self) -> dict:
        return dict(vars(self))


def issue_status(issue: Issue, termbase: Termbase | None = None) -> list[LanguageStatus]:
    termbase = termbase or termbase_for(issue)
    segments = extract_segments(issue)
    result = []
    for lang in issue.target_languages:
        status, _ = edition_status(issue, lang, segments)
        terms = [termbase.term(lang, cid) for cid in termbase.concepts]
        approved = sum(1 for t in terms if t is not None and t.term and t.status == "approved")
        proposed = sum(1 for t in terms if t is not None and t.term and t.status == "proposed")
        missing_untranslated = len(status.missing) + len(status.outdated)
        result.append(LanguageStatus(
            lang=lang, segments=len(segments), translated=len(segments) - missing_untranslated,
            reviewed=len(segments) - missing_untranslated - len(status.fuzzy), fuzzy=len(status.fuzzy),
            missing=len(status.missing), outdated=len(status.outdated), concepts=len(termbase.concepts),
            approved=approved, proposed=proposed, no_term=len(termbase.concepts) - approved - proposed))
    return result
