"""The `newsletter` command: parse options, call one library function, print.

Errors a user can cause are PipelineError (a ClickException): click prints them
without a traceback and exits 1.
"""

from __future__ import annotations

from pathlib import Path

import click

from .files import shown_path

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

    from .qa import termbase_for

    loaded = load_issue(issue)
    count = len(extract_segments(loaded))
    click.echo(f"{shown_path(loaded.path)}: OK ({len(loaded.blocks)} blocks, {count} segments, "
               f"{len(loaded.target_languages)} target languages)")
    termbase = termbase_for(loaded)
    if termbase.concepts:
        click.echo(f"{shown_path(termbase.root)}: OK ({len(termbase.concepts)} concepts, "
                   f"languages: {' '.join(sorted(termbase.languages)) or 'none'})")


@main.command(help=f"Create or update the issue's PO catalogs (one per language) from its English text.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable).")
def sync(issue: str | None, languages: tuple[str, ...]) -> None:
    from .issue import load_issue
    from .memory import catalog_path, odd_characters, update_catalogs

    loaded = load_issue(issue)
    for report in update_catalogs(loaded, _languages(loaded, languages)):
        parts = [f"{len(report.added)} new", f"{len(report.invalidated)} changed (kept as fuzzy)",
                 f"{len(report.reused)} reused from reviewed issues", f"{len(report.obsoleted)} obsolete"]
        state = "updated" if report.written else "unchanged"
        click.echo(f"{report.lang}: {state}: " + ", ".join(parts))
        for warning in odd_characters(catalog_path(loaded.folder, report.lang)):
            click.echo(f"warning: {warning}", err=True)


@main.command(help=f"Build every language edition: dist/<issue>/<lang>.html, <lang>.txt and index.html.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable); default: all.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: dist/ beside newsletters/).")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if any segment is untranslated, outdated or "
                                            "fuzzy, or breaks the glossary.")
@click.option("--no-cache", is_flag=True, help="Compile every layout afresh, neither reading nor writing .cache/.")
@click.option("--for", "flavour", type=click.Choice(["mailchimp", "brevo", "mailerlite", "listmonk", "mautic", "generic"]),
              help="Also write <tool>/<list>-<lang>.html and .txt for that mailing tool, its merge tags in the "
                   "footer (generic: what `newsletter send` fills in).")
def build(issue: str | None, languages: tuple[str, ...], out_dir: Path | None, strict: bool, no_cache: bool,
          flavour: str | None) -> None:
    from .build import build as run_build
    from .delivery.message import BUDGET

    result = run_build(issue, list(languages) or None, out_dir, strict, use_cache=not no_cache, flavour=flavour)
    for status in result.statuses:
        if not status.complete:
            click.echo(f"warning: {status.lang}: {status.summary()}", err=True)
        for finding in status.findings:
            if not finding.concept:   # translation checks; glossary findings: `newsletter check`
                click.echo(f"  {finding}", err=True)
    for edition in result.sendable:
        if edition.over_budget:
            click.echo(f"warning: {edition.name}: the HTML part is {edition.html_bytes / 1024:.1f} KB as sent "
                       f"({edition.encoding}), over the {BUDGET // 1024} KB budget: Gmail clips messages near "
                       "102 KB, and a mailing tool's link tracking adds more", err=True)
    click.echo(f"built {len(result.statuses)} edition(s) of {result.issue.id} in {shown_path(result.out_dir)} "
               f"({shown_path(result.out_dir / 'index.html')})")
    if result.sendable:
        largest = max(result.sendable, key=lambda e: e.html_bytes)
        click.echo(f"  and {len(result.sendable)} for sending (<list>-<lang>.eml{f', {flavour}/' if flavour else ''}); "
                   f"largest HTML part {largest.html_bytes / 1024:.1f} KB ({largest.name}), budget {BUDGET // 1024} KB")


@main.command(help=f"Per language: segments translated / reviewed / fuzzy / missing, and glossary "
                   f"concepts approved / proposed / without a term.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def status(issue: str | None, as_json: bool) -> None:
    import json

    from .issue import load_issue
    from .qa import issue_status

    loaded = load_issue(issue)
    rows = issue_status(loaded)
    if as_json:
        click.echo(json.dumps({"issue": loaded.id, "languages": [r.as_dict() for r in rows]}, indent=2))
        return
    click.echo(f"{loaded.id}: {rows[0].segments if rows else 0} segments, "
               f"{rows[0].concepts if rows else 0} glossary concepts")
    click.echo(f"{'lang':<5} {'translated':>10} {'reviewed':>9} {'fuzzy':>6} {'missing':>8}   "
               f"{'approved':>8} {'proposed':>8} {'no term':>8}")
    for r in rows:
        click.echo(f"{r.lang:<5} {r.translated:>10} {r.reviewed:>9} {r.fuzzy:>6} {r.missing + r.outdated:>8}   "
                   f"{r.approved:>8} {r.proposed:>8} {r.no_term:>8}")


@main.command(help=f"Check translations against the glossary (missing approved terms, forbidden terms, "
                   f"altered do-not-translate names). Exit 1 on errors; --strict also on warnings.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
def check(issue: str | None, languages: tuple[str, ...], as_json: bool, strict: bool) -> None:
    import json

    from .issue import load_issue
    from .qa import check_issue

    loaded = load_issue(issue)
    findings = check_issue(loaded, _languages(loaded, languages))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if as_json:
        click.echo(json.dumps({"issue": loaded.id, "errors": errors, "warnings": warnings,
                               "findings": [f.as_dict() for f in findings]}, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{loaded.id}: {errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise SystemExit(1)


@main.group(help="Review the glossary in a spreadsheet or CAT tool: export one language, import it back.")
def glossary() -> None:
    pass


@glossary.command("export", help="Write one language's review sheet: concept, definition, English, term, "
                                 "status, variants, forbidden terms, and where the term is used.")
@click.option("--lang", required=True, help="Target language, e.g. pl.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "tbx"]), default=None,
              help="Default: from the file name, else csv.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: glossary-<lang>.<format> in the current folder.")
def glossary_export(lang: str, fmt: str | None, output: Path | None) -> None:
    from .errors import PipelineError
    from .glossary.sheets import export_sheet
    from .glossary.termbase import find_glossary_dir, load_termbase
    from .issue import find_newsletters_dir, issue_ids, load_issue
    from .project import load_project

    newsletters = find_newsletters_dir()
    project = load_project(newsletters)
    if lang not in project.target_languages:
        raise PipelineError(f"--lang {lang}: not a target language in project.yaml "
                            f"({' '.join(project.target_languages)})")
    fmt = fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else "csv")
    output = output or Path(f"glossary-{lang}.{fmt}")
    termbase = load_termbase(find_glossary_dir(newsletters))
    issues = [load_issue(i, newsletters) for i in issue_ids(newsletters)]
    count = export_sheet(termbase, lang, output, fmt, issues)
    click.echo(f"wrote {count} concepts for {lang} to {output}")


@glossary.command("import", help="Merge a reviewed sheet (.csv, .xlsx, .tbx) into glossary/<lang>.csv. "
                                 "Refuses, writing nothing, if a row changed both in the sheet and in the repo.")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="For rows changed both in the sheet and in the repo since the "
                                            "export, take the sheet's values (other rows are never reverted).")
def glossary_import(sheet: Path, dry_run: bool, force: bool) -> None:
    from .glossary.sheets import import_sheet
    from .glossary.termbase import find_glossary_dir, load_termbase
    from .issue import find_newsletters_dir

    termbase = load_termbase(find_glossary_dir(find_newsletters_dir()))
    report = import_sheet(termbase, sheet, force=force, dry_run=dry_run)
    for change in report.changes:
        click.echo(f"{report.lang} {change}")
    for concept in report.kept_repo:
        click.echo(f"{report.lang} {concept}: kept the repo's newer version (unchanged in the sheet)")
    for concept in report.forced:
        click.echo(f"{report.lang} {concept}: --force: the sheet's values replace a change made in the repo "
                   "since the export")
    verb = "would change" if dry_run else "changed"
    where = f" in {shown_path(report.written)}" if report.written else ""
    click.echo(f"{report.lang}: {verb} {len({c.concept for c in report.changes})} concept(s){where}, "
               f"{report.unchanged} unchanged")


@main.group(help="Exchange the translation memory with CAT tools (Trados, memoQ, Phrase, OmegaT): XLIFF 1.2 "
                 "per issue and language, TMX 1.4 for whole memories.")
def memory() -> None:
    pass


@memory.command("export", help=f"Write one language's segments of ISSUE as XLIFF (every segment, its state and "
                               f"notes) or TMX (the reviewed translations).\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", required=True, help="Target language, e.g. pl.")
@click.option("--format", "fmt", type=click.Choice(["xliff", "tmx"]), default="xliff", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: <issue>-<lang>.xlf (or .tmx) in the current folder.")
def memory_export(issue: str | None, lang: str, fmt: str, output: Path | None) -> None:
    from .exchange import export_memory
    from .issue import load_issue

    loaded = load_issue(issue)
    path = export_memory(loaded, lang, fmt, output)
    click.echo(f"wrote {shown_path(path)}")


@memory.command("import", help="Merge a translated XLIFF back into its catalog (only the units the translator "
                               "changed; refused if the repository changed the same unit since), or add a TMX's "
                               "translations as fuzzy suggestions.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="For units changed both in the file and in the repository, take "
                                            "the file's.")
def memory_import(file: Path, dry_run: bool, force: bool) -> None:
    from .exchange import import_memory

    report = import_memory(file, dry_run=dry_run, force=force)
    for line in report.lines():
        click.echo(line)


@main.command(help=f"Machine-translate the segments that have no translation or whose English changed; "
                   f"results are stored as fuzzy (to review). Never sends what the memory already has.\n\n"
                   f"{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--engine", default=None, help="libre, google, deepl, microsoft or mymemory (default: project.yaml); "
                                             "pseudo fills the pseudo-localized edition, qps-ploc.")
@click.option("--url", default=None, help="Server address for engines that take one (libre).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Requests in parallel (default: project.yaml).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=None, help="Seconds to wait for each request.")
@click.option("--pack", type=click.IntRange(1, 100), default=25, show_default=True,
              help="Most short texts sent in one request (1: every text on its own).")
def translate(issue: str | None, languages: tuple[str, ...], engine: str | None, url: str | None,
              jobs: int | None, timeout: float | None, pack: int) -> None:
    from .issue import PSEUDO_LOCALE, load_issue
    from .translate import TranslateOptions, translate_issue

    loaded = load_issue(issue)
    settings = loaded.project.translation
    options = TranslateOptions(engine=engine, url=url, jobs=jobs or settings.jobs,
                               timeout=timeout or settings.timeout, pack=pack)
    requested = list(languages) or ([PSEUDO_LOCALE] if engine == "pseudo" else [])
    report = translate_issue(loaded, loaded.select_languages(requested), options)
    for lang in report.languages:
        line = (f"{lang.lang}: {lang.engine}: {lang.translated} machine-translated, {lang.reused} reused from memory")
        if lang.glossary_notes:
            line += f", {len(lang.glossary_notes)} with a glossary note"
        click.echo(line)
        for what, ids in (("markup lost, translate by hand", lang.for_translator),
                          ("failed after retries", lang.failed),
                          ("the engine returned the English unchanged (kept fuzzy with a note)", lang.unchanged),
                          ("kept as a translator changed them during the run (machine text dropped)",
                           lang.kept_translator)):
            if ids:
                click.echo(f"  {what}: {', '.join(ids)}", err=True)
        for error in lang.errors:
            click.echo(f"  {lang.lang}: {error}", err=True)
    click.echo(f"{report.requests} request(s) sent, {report.answered} answered")
    if any(lang.failed for lang in report.languages):
        raise SystemExit(1)


@main.command(help=f"Remove one engine's unreviewed drafts from the catalogs (reviewed entries stay; a draft "
                   f"that replaced an outdated translation gives it back).\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--engine", required=True, help="Whose drafts to remove, e.g. pseudo or libre.")
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable); default: all.")
def discard(issue: str | None, engine: str, languages: tuple[str, ...]) -> None:
    from .issue import load_issue
    from .memory import discard_drafts

    loaded = load_issue(issue)
    for lang, count in discard_drafts(loaded, loaded.select_languages(list(languages)), engine).items():
        click.echo(f"{lang}: {count} unreviewed {engine} draft(s) discarded")


@main.command("new", help="Start the next issue from the latest one: keeps the recurring blocks (about, "
                          "consortium, footer) so their reviewed translations are reused.")
@click.argument("issue_id")
def new_issue(issue_id: str) -> None:
    from .scaffold import new_issue as scaffold

    path, reports = scaffold(issue_id)
    click.echo(f"created {shown_path(path)}")
    for report in reports:
        click.echo(f"  {report.lang}: {len(report.reused)} segment(s) already translated, "
                   f"{len(report.added) - len(report.reused)} to translate")


@main.command(help=f"Send the list's edition(s) of ISSUE to every reader in a recipients file, one message each, "
                   f"through the list's mail relay; run it again to resume (nobody gets a second copy).\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--list", "list_id", required=True, help="The list's id in newsletters/lists.yaml.")
@click.option("--recipients", "recipients", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV or XLSX of readers (email, name?, language?, other columns kept), outside the repository.")
@click.option("--dry-run", is_flag=True, help="Check everything and write the first message as .eml; no connection.")
@click.option("--test", "test", multiple=True, metavar="ADDR",
              help="Send only to this address (repeatable), subject marked [TEST]; not recorded as the campaign.")
@click.option("--rate", "per_second", type=click.IntRange(min=1), help="At most this many messages per second.")
@click.option("--rate-per-hour", "per_hour", type=click.IntRange(min=1), help="At most this many messages per hour.")
@click.option("--jobs", type=click.IntRange(1, 16), default=1, show_default=True, help="Parallel connections.")
@click.option("--smtp", help="Another relay than the list's, for a trial: smtp://HOST:PORT or smtps://HOST:PORT.")
@click.option("--retry-unknown", is_flag=True, help="Send again to readers whose message may or may not have "
                                                    "reached the relay (they may get it twice).")
def send(issue, list_id, recipients, dry_run, test, per_second, per_hour, jobs, smtp, retry_unknown) -> None:
    from .delivery.send import SendOptions, send as run_send
    from .errors import PipelineError

    if not test and recipients is None:
        raise PipelineError("give --recipients FILE (or --test ADDR to send a test message)")
    options = SendOptions(dry_run=dry_run, test=test, per_second=per_second, per_hour=per_hour, jobs=jobs, smtp=smtp,
                          retry_unknown=retry_unknown, progress=True)
    report = run_send(issue, list_id, recipients, options)
    if report.test_sent:
        click.echo(f"test message sent to {', '.join(report.test_sent)}")
        return
    for duplicate in report.duplicates:
        click.echo(f"note: row {duplicate.row}: {duplicate.address} is a duplicate of row {duplicate.first_row}: "
                   "sent once", err=True)
    if report.suppressed:
        click.echo(f"note: {len(report.suppressed)} address(es) unsubscribed earlier: skipped", err=True)
    if dry_run:
        where = f"; the first message: {shown_path(report.dry_run_message)}" if report.dry_run_message else ""
        click.echo(f"dry run: {report.to_send} reader(s) of list {list_id} would get {report.issue_id}{where}")
        return
    _print_send_summary(report.counts, report.failed, report.unknown, report.journal)
    click.echo(f"sent {report.sent_now} now" + (f"; {report.stopped}" if report.stopped else ""))
    if report.stopped and report.stopped.startswith("interrupted"):
        raise SystemExit(1)


def _print_send_summary(counts, failed, unknown, journal) -> None:
    click.echo("  ".join(f"{state}: {n}" for state, n in counts.items()) + f"   ({shown_path(journal)})")
    for entry in failed:
        click.echo(f"  failed: {entry.address}: {entry.reply}")
    for entry in unknown:
        click.echo(f"  unknown: {entry.address}: {entry.reply} (not sent again unless --retry-unknown)")


@main.command("send-status", help=f"What a send did: readers sent, pending, failed, unknown; --csv writes every "
                                  f"reader's state.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--list", "list_id", required=True, help="The list's id in newsletters/lists.yaml.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every reader's state here (personal data: outside the repository).")
def send_status(issue, list_id, csv_path) -> None:
    from .delivery.send import status

    journal, path = status(issue, list_id)
    try:
        _print_send_summary(journal.counts(), list(journal.entries(("failed",))), list(journal.entries(("unknown",))),
                            path)
        if csv_path:
            from .delivery.send import write_status_csv

            count = write_status_csv(journal, csv_path)
            click.echo(f"wrote {count} row(s) to {shown_path(csv_path)}")
    finally:
        journal.close()


@main.command(help="Add addresses to a list's suppression file (they will never be sent that list again): given "
                   "on the command line, or one per line / in a CSV's email column with --from.")
@click.option("--list", "list_id", required=True, help="The list's id in newsletters/lists.yaml.")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of addresses, e.g. a mailing tool's unsubscribe export.")
@click.argument("addresses", nargs=-1)
def suppress(list_id, source, addresses) -> None:
    from .delivery.send import suppress_addresses

    added, path = suppress_addresses(list_id, list(addresses), source)
    click.echo(f"{len(added)} address(es) added to {shown_path(path)}")


@main.command("unsubscribe-server", help="Run the unsubscribe page locally (any WSGI server can host "
                                         "pipeline.delivery.unsubscribe:make_app in production).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8025, show_default=True)
def unsubscribe_server(host, port) -> None:
    from .delivery.tokens import secret_from_environment
    from .delivery.unsubscribe import make_app, serve
    from .issue import find_newsletters_dir

    app = make_app(find_newsletters_dir(), secret_from_environment())
    click.echo(f"unsubscribe page on http://{host}:{port}/unsubscribe (Ctrl-C to stop)")
    serve(app, host, port)


@main.command(help=f"Preview every edition live at http://127.0.0.1:PORT: side by side, phone and desktop width, "
                   f"problems marked in place; rebuilt and reloaded on every save.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--port", type=int, default=8000, show_default=True)
def preview(issue: str | None, port: int) -> None:
    from .preview import run_preview

    run_preview(issue, port=port)


@main.command(help=f"Check every edition in headless Chromium at 320, 375 and 600 px (overflow, images, text "
                   f"size, tap targets, links, alt text, size budget, images off, styles stripped, axe-core) and "
                   f"write a gallery of screenshots to dist/<issue>/qa/index.html. Exit 1 on errors; --strict "
                   f"also on warnings.\n\n{ISSUE_HELP}")
@click.argument("issue", required=False)
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable); default: all.")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def qa(issue: str | None, languages: tuple[str, ...], strict: bool, as_json: bool) -> None:
    import json

    from .inspect import run_qa

    report = run_qa(issue, list(languages) or None, strict)
    click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) if as_json else report.text())
    if not report.passed(strict):
        raise SystemExit(1)


def _languages(issue, requested: tuple[str, ...]) -> list[str]:
    return issue.select_languages(list(requested))


if __name__ == "__main__":  # pragma: no cover
    main()
