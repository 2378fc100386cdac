"""The `newsletter` command: parse options, call one library function, print.

Errors a user can cause are PipelineError (a ClickException): click prints them
without a traceback and exits 1.
"""

from __future__ import annotations

from pathlib import Path

import click

ISSUE_HELP = "ISSUE is an issue id (its folder name under newsletters/) or a path to it; default: the latest issue."


@click.group(help="SECON newsletter pipeline: one English issue file, every partner language.")
@click.version_option(package_name="newsletter-pipeline")
def main() -> None:
    pass


@main.command(help=f"Check project.yaml and an issue file; list every problem with file:line:col.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
def validate(issue: str | None) -> None:
    from .issue import load_issue
    from .segments import extract_segments

    loaded = load_issue(issue)
    count = len(extract_segments(loaded))
    click.echo(f"{_shown(loaded.path)}: OK ({len(loaded.blocks)} blocks, {count} segments, "
               f"{len(loaded.target_languages)} target languages)")


@main.command(help=f"Create or update the issue's PO catalogs (one per language) from its English text.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable).")
def sync(issue: str | None, languages: tuple[str, ...]) -> None:
    from .issue import load_issue
    from .memory import update_catalogs

    loaded = load_issue(issue)
    for report in update_catalogs(loaded, _languages(loaded, languages)):
        parts = [f"{len(report.added)} new", f"{len(report.invalidated)} changed (kept as fuzzy)",
                 f"{len(report.reused)} reused from reviewed issues", f"{len(report.obsoleted)} obsolete"]
        state = "updated" if report.written else "unchanged"
        click.echo(f"{report.lang}: {state}: " + ", ".join(parts))


@main.command(help=f"Build every language edition: dist/<issue>/<lang>.html, <lang>.txt and index.html.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable); default: all.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: dist/ beside newsletters/).")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if any segment is untranslated, outdated or fuzzy.")
def build(issue: str | None, languages: tuple[str, ...], out_dir: Path | None, strict: bool) -> None:
    from .build import build as run_build

    result = run_build(issue, list(languages) or None, out_dir, strict)
    for status in result.statuses:
        if not status.complete:
            click.echo(f"warning: {status.lang}: {status.summary()}", err=True)
    done = sum(1 for s in result.statuses)
    click.echo(f"built {done} edition(s) of {result.issue.id} in {_shown(result.out_dir)} "
               f"({_shown(result.out_dir / 'index.html')})")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _languages(issue, requested: tuple[str, ...]) -> list[str]:
    from .errors import PipelineError

    if not requested:
        return issue.target_languages
    allowed = [issue.project.source_language, *issue.target_languages]
    unknown = [lang for lang in requested if lang not in allowed]
    if unknown:
        raise PipelineError(f"--lang {', '.join(unknown)}: not a language of this issue "
                            f"(choose from {' '.join(allowed)})")
    return list(dict.fromkeys(requested))


if __name__ == "__main__":  # pragma: no cover
    main()
