"""`newsletter qa`: build the issue, look at every edition in a browser, write the gallery."""

from __future__ import annotations

import time
from pathlib import Path

from ..build import build
from ..issue import PSEUDO_LOCALE, load_issue
from ..memory import catalog_path
from .browser import AXE_NOT_FOR_EMAIL, SHOT_WIDTHS, WIDTHS, Target, inspect
from .checks import sent_findings, size_findings, static_findings
from .findings import ERROR, Finding, QaReport
from .gallery import write_gallery

QA_FOLDER = "qa"       # inside the build folder: dist/<issue>/qa/index.html and the screenshots


def qa_languages(issue, languages: list[str] | None) -> list[str]:
    """The languages asked for (checked by the issue), else every edition and the pseudo-localized
    one when its catalog exists (`newsletter translate --engine pseudo` made it)."""
    if languages:
        return issue.select_languages(languages, with_source=True)
    chosen = issue.select_languages([], with_source=True)
    if catalog_path(issue.folder, PSEUDO_LOCALE).is_file():
        chosen.append(PSEUDO_LOCALE)
    return chosen


def run_qa(issue_ref: str | None = None, languages: list[str] | None = None, strict: bool = False,
           newsletters_dir: Path | None = None, out_dir: Path | None = None, *, widths=WIDTHS,
           gallery: bool = True, jobs: int | None = None) -> QaReport:
    """Build the issue (into `out_dir`, default dist/, as `newsletter build` does) and check every
    edition at every width; the gallery goes to <out_dir>/<issue>/qa/index.html.

    `strict` only decides what fails the report (warnings too), not what the build accepts:
    QA looks at untranslated and fuzzy editions as readers would get them.
    """
    started = time.monotonic()
    issue = load_issue(issue_ref, newsletters_dir)
    langs = qa_languages(issue, languages)
    result = build(issue_ref, langs, out_dir=out_dir, newsletters_dir=newsletters_dir)
    return check_build(result.out_dir, langs, sendable=result.sendable, strict=strict, issue_id=issue.id,
                       widths=widths, gallery=gallery, jobs=jobs, started=started)


def check_build(folder: Path, languages: list[str], *, sendable=(), strict: bool = False, issue_id: str | None = None,
                widths=WIDTHS, gallery: bool = True, jobs: int | None = None,
                started: float | None = None) -> QaReport:
    """QA of editions already in a build folder (`<lang>.html` for each language).

    `sendable` (BuildResult.sendable) gives the HTML part's size as each list sends it; without
    it the size is that of the edition's HTML, encoded as a message would carry it.
    """
    started = time.monotonic() if started is None else started
    folder = Path(folder)
    by_lang: dict[str, list] = {}
    for edition in sendable:
        by_lang.setdefault(edition.lang, []).append(edition)
    findings: list[Finding] = []
    targets = []
    for lang in languages:
        path = folder / f"{lang}.html"
        html = path.read_text("utf-8")
        findings += static_findings(html, lang, path.name)
        findings += size_findings(lang, path.name, html, by_lang.get(lang, []))
        targets.append(Target(lang, path))
    findings += sent_findings(folder, [s for s in sendable if s.lang in languages], findings)
    shots_dir = folder / QA_FOLDER if gallery else None
    pages = inspect(targets, shots_dir, widths=widths, shot_widths=SHOT_WIDTHS, jobs=jobs)
    screenshots = {}
    for target in targets:
        findings += pages[target.name].findings
        screenshots[target.lang] = pages[target.name].screenshots
    order = {lang: i for i, lang in enumerate(languages)}
    findings.sort(key=lambda f: (order.get(f.lang, len(order)), f.width is not None, -(f.width or 0),
                                 f.severity != ERROR, f.code))
    notes = [f"axe rule {rule} not run: {reason}" for rule, reason in AXE_NOT_FOR_EMAIL.items()]
    report = QaReport(issue_id or folder.name, folder, list(languages), tuple(sorted(set(widths))), findings,
                      strict, screenshots=screenshots, notes=notes)
    report.seconds = time.monotonic() - started
    if gallery:
        report.gallery = write_gallery(report, folder / QA_FOLDER)
        report.seconds = time.monotonic() - started
    return report


__all__ = ["run_qa", "check_build", "qa_languages", "QA_FOLDER"]
