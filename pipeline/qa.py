"""Checks run after translation: `newsletter check`, `newsletter status` and build's warnings.

Today: the glossary's term checks on every translated segment. Later checks
(placeholders, markup, length) join `check_issue`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .build import edition_status
from .glossary.qa import Finding, check_segments
from .glossary.termbase import Termbase, find_glossary_dir, load_termbase
from .issue import Issue
from .memory import catalog_path, read_entries, translations
from .segments import extract_segments


def termbase_for(issue: Issue) -> Termbase:
    return load_termbase(find_glossary_dir(issue.project.root))


def check_issue(issue: Issue, languages: list[str] | None = None, termbase: Termbase | None = None) -> list[Finding]:
    """Term findings for every translated (or machine-translated) segment of the issue."""
    termbase = termbase or termbase_for(issue)
    segments = extract_segments(issue)
    findings: list[Finding] = []
    for lang in languages or issue.target_languages:
        valid = translations(read_entries(catalog_path(issue.folder, lang)), segments)
        pairs = [(s.id, s.source, valid[s.id].text) for s in segments if s.id in valid]
        findings.extend(check_segments(termbase, lang, pairs, issue.id))
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
