"""`newsletter build`: every language edition of one issue, offline and deterministic.

Like a static site generator's run: load and validate, localize and render
every edition in memory, and only then write, so a failure (or --strict)
leaves the previous output untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from .emblem import EMBLEM_PATH, eu_emblem_png
from .errors import PipelineError
from .files import write_atomic
from .issue import PSEUDO_LOCALE, Issue, load_issue
from .localize import fill_label, make_edition
from .memory import catalog_path, read_entries, translations
from .render import Renderer, templates_dir_for
from .segments import Segment, extract_segments


@dataclass
class EditionStatus:
    """How complete one language's text is; what build warns about."""

    lang: str
    missing: list[str] = field(default_factory=list)    # no translation: English shown
    outdated: list[str] = field(default_factory=list)   # English changed since: English shown
    fuzzy: list[str] = field(default_factory=list)      # machine/unreviewed: shown, but flagged
    findings: list = field(default_factory=list)        # translation and glossary checks (newsletter check)

    @property
    def blocking(self) -> list:
        """What --strict refuses: every error, and any glossary finding (a proposed term too)."""
        return [f for f in self.findings if f.severity == "error" or f.concept]

    @property
    def complete(self) -> bool:
        return not (self.missing or self.outdated or self.fuzzy or self.blocking)

    def summary(self) -> str:
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} untranslated ({_ids(self.missing)})")
        if self.outdated:
            parts.append(f"{len(self.outdated)} outdated ({_ids(self.outdated)})")
        if self.missing or self.outdated:
            parts[-1] += ", shown in English"
        if self.fuzzy:
            parts.append(f"{len(self.fuzzy)} fuzzy, not reviewed ({_ids(self.fuzzy)})")
        checks = [f for f in self.findings if not f.concept]
        if checks:
            segments = list(dict.fromkeys(f.segment for f in checks))
            errors = sum(1 for f in checks if f.severity == "error")
            parts.append(f"{errors} translation error(s), {len(checks) - errors} warning(s) ({_ids(segments)})")
        terms = [f for f in self.findings if f.concept]
        if terms:
            segments = list(dict.fromkeys(f.segment for f in terms))
            parts.append(f"{len(terms)} glossary finding(s) ({_ids(segments)}; see `newsletter check`)")
        return "; ".join(parts) if parts else "complete"


def _ids(ids: list[str], limit: int = 4) -> str:
    return ", ".join(ids[:limit]) + (f", … {len(ids) - limit} more" if len(ids) > limit else "")


@dataclass
class Output:
    name: str
    content: str | bytes


@dataclass
class BuildResult:
    issue: Issue
    out_dir: Path
    statuses: list[EditionStatus]
    written: list[Path]
    sendable: list = field(default_factory=list)   # delivery.editions.SendableEdition, per list and language


def edition_status(issue: Issue, lang: str, segments: list[Segment]) -> tuple[EditionStatus, dict]:
    """Compare the catalog with the current English: what is usable, what falls back."""
    status = EditionStatus(lang)
    if lang == issue.project.source_language:
        return status, {}
    entries = read_entries(catalog_path(issue.folder, lang))
    valid = translations(entries, segments)
    known = {e.context for e in entries if not e.obsolete and e.text}
    for segment in segments:
        if segment.id in valid:
            if valid[segment.id].fuzzy:
                status.fuzzy.append(segment.id)
        elif segment.id in known:
            status.outdated.append(segment.id)
        else:
            status.missing.append(segment.id)
    return status, {sid: t.text for sid, t in valid.items()}


def _findings(issue: Issue, languages: list[str]) -> dict[str, list]:
    from .qa import check_issue

    targets = [lang for lang in languages if lang not in (issue.project.source_language, PSEUDO_LOCALE)]
    by_lang: dict[str, list] = {lang: [] for lang in targets}
    for finding in check_issue(issue, targets) if targets else []:
        by_lang[finding.lang].append(finding)
    return by_lang


def edition_statuses(issue: Issue, languages: list[str]) -> list[tuple[EditionStatus, dict]]:
    """Per language: how complete it is (memory and glossary) and the usable translations."""
    segments = extract_segments(issue)
    findings = _findings(issue, languages)
    gathered = []
    for lang in languages:
        status, texts = edition_status(issue, lang, segments)
        status.findings = findings.get(lang, [])
        gathered.append((status, texts))
    return gathered


def render_issue(issue: Issue, languages: list[str], renderer: Renderer | None = None,
                 gathered: list[tuple[EditionStatus, dict]] | None = None, sendable: list = ()):
    """All outputs of an issue in memory: (statuses, files by name); `sendable` is listed on the index."""
    renderer = renderer or Renderer(templates_dir_for(issue.project.root))
    statuses, outputs, editions = [], [], []
    for status, texts in gathered or edition_statuses(issue, languages):
        lang = status.lang
        edition = make_edition(issue, lang, lambda seg, texts=texts: texts.get(seg.id, seg.source))
        outputs.append(Output(f"{lang}.html", renderer.html(edition)))
        outputs.append(Output(f"{lang}.txt", renderer.text(edition)))
        statuses.append(status)
        editions.append(edition)
    outputs.append(Output("index.html", _index(issue, statuses, editions, renderer.env, sendable)))
    for asset in _assets(issue):
        outputs.append(Output(asset, (issue.project.root / asset).read_bytes()))
    outputs.append(Output(EMBLEM_PATH, eu_emblem_png()))
    return statuses, outputs


# Inboxes show about this many characters of a subject on a phone before cutting it (desktop
# clients show a little more); a longer one is flagged on the index page for its partner.
SUBJECT_SHOWN = 60


def _index(issue: Issue, statuses: list[EditionStatus], editions, env, sendable=()) -> str:
    """The page a partner opens first: each edition's own subject and preview line, its status."""
    template = env.get_template("index.html.j2")
    project = issue.project
    rows = [{"lang": s.lang, "name": _language_name(s.lang), "status": s.summary(),
             "subject": e.subject, "preheader": e.preheader,
             "long_subject": len(e.subject) > SUBJECT_SHOWN, "subject_length": len(e.subject)}
            for s, e in zip(statuses, editions)]
    return template.render(acronym=project.acronym, masthead=fill_label(project.labels, project.labels, "masthead", number=str(issue.number)),
                           subject=issue.subject, primary=project.colours.primary, editions=rows,
                           subject_shown=SUBJECT_SHOWN, sendable=list(sendable), budget_kb=_budget_kb())


def _budget_kb() -> int:
    from .delivery.message import BUDGET

    return BUDGET // 1024


def _language_name(lang: str) -> str:
    if lang == PSEUDO_LOCALE:
        return "pseudo-localization (layout check)"
    return Locale.parse(lang).get_display_name(lang)


def _assets(issue: Issue) -> list[str]:
    """Files the editions link to, relative to newsletters/ (and so to the output folder)."""
    project = issue.project
    paths = {project.logo, *(p.logo for p in project.partners)}
    for block in issue.blocks:
        image = getattr(block, "image", None)
        if image is not None:
            paths.add(image.src)
    return sorted(paths)


def cache_dir_for(newsletters_dir: Path) -> Path:
    """One cache per project (.cache/ beside newsletters/, git-ignored), whatever --out says.

    What it holds (compiled skeletons, Jinja bytecode) depends on the templates and the
    layout, not on where the editions are written, so a new output folder starts warm.
    """
    return newsletters_dir.parent / ".cache"


def build(issue_ref: str | None = None, languages: list[str] | None = None, out_dir: Path | None = None,
          strict: bool = False, newsletters_dir: Path | None = None,
          renderer: Renderer | None = None, use_cache: bool = True, flavour: str | None = None) -> BuildResult:
    """Every edition, and with lists.yaml every list's edition for sending (`flavour`: also the
    HTML for that mailing tool), rendered in memory and then written."""
    issue = load_issue(issue_ref, newsletters_dir)
    project = issue.project
    languages = issue.select_languages(languages or [], with_source=True)
    gathered = edition_statuses(issue, languages)
    if strict:  # checked before rendering: a refused build writes nothing, not even cache files
        incomplete = [s for s, _ in gathered if not s.complete]
        if incomplete:
            lines = "\n".join(f"  {s.lang}: {s.summary()}" for s in incomplete)
            located = "\n".join(str(f) for s in incomplete for f in s.blocking)
            raise PipelineError(f"--strict: {len(incomplete)} edition(s) not fully translated, reviewed, "
                                f"error-free and glossary-clean; nothing written:\n{lines}"
                                + (f"\n{located}" if located else ""))
    out_root = out_dir or project.root.parent / "dist"
    renderer = renderer or Renderer(templates_dir_for(project.root),
                                    cache_dir=cache_dir_for(project.root) if use_cache else None)
    from .delivery.editions import sendable_outputs

    for_sending, sendable = sendable_outputs(issue, gathered, renderer, flavour)
    statuses, outputs = render_issue(issue, languages, renderer, gathered, sendable)
    target = out_root / issue.id
    written = write_outputs(target, outputs + for_sending)
    return BuildResult(issue, target, statuses, written, sendable)


def write_outputs(target: Path, outputs: list[Output]) -> list[Path]:
    """Write each file atomically, only inside `target`, skipping files already identical."""
    root = target.resolve()
    written = []
    for output in outputs:
        path = (root / output.name).resolve()
        if root not in path.parents:
            raise PipelineError(f"refusing to write {output.name!r} outside {root}")
        data = output.content.encode("utf-8") if isinstance(output.content, str) else output.content
        if path.exists() and path.read_bytes() == data:
            written.append(path)
            continue
        write_atomic(path, data)
        written.append(path)
    return written


__all__ = ["build", "render_issue", "EditionStatus", "BuildResult"]
