"""Rules on what the YAML may say, beyond its shape: one-line fields stay one line, every
independent problem of a block is reported in one run, list items keep their translations
by id, and one locale per language formats everything Babel writes."""

from __future__ import annotations

import shutil
from html import unescape
from pathlib import Path

import polib
import pytest

from pipeline.build import build, edition_status
from pipeline.errors import ValidationError
from pipeline.issue import load_issue
from pipeline.localize import make_edition
from pipeline.memory import catalog_path, update_catalogs, write_catalog
from pipeline.project import load_project
from pipeline.segments import extract_segments
from tests.conftest import DATA, write_issue

GOOD = (DATA / "good-issue.yaml").read_text("utf-8")
SHIPPED = Path(__file__).resolve().parent.parent / "newsletters"
ISSUE = "2025-03-test-issue"
SHOWN = f"newsletters/{ISSUE}/issue.yaml"


def problems_of(newsletters_dir: Path, text: str, issue_id: str = ISSUE) -> list[str]:
    write_issue(newsletters_dir, issue_id, text)
    with pytest.raises(ValidationError) as caught:
        load_issue(issue_id)
    return [str(p) for p in caught.value.problems]


def edited(*replacements: tuple[str, str], text: str = GOOD) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# --- one-line fields are one line ----------------------------------------------------------

def test_a_crlf_escape_in_the_subject_cannot_add_a_mail_header(newsletters_dir):
    text = edited(('subject: "Newsletter #7: a test issue"',
                   'subject: "Newsletter #7: a test issue\\r\\nBcc: everyone@example.org"'))
    assert problems_of(newsletters_dir, text) == [
        f"{SHOWN}:3:10: subject: contains a line break (CR/LF): a subject is one line"]


ONE_LINE_FIELDS = [  # (as written in the good issue, its field path, what the message calls it)
    ('preheader: "Every block type, once."', "preheader", "a preheader"),
    ('title: "Welcome to issue seven"', "blocks[0].title", "a title"),
    ('text: "Highlights"', "blocks[3].text", "a heading"),
    ('label: "euros of budget"', "blocks[2].items[0].label", "a label"),
    ('place: "Haskovo, Bulgaria"', "blocks[4].place", "a place"),
    ('alt: "People at the workshop"', "blocks[4].image.alt", "an image description"),
    ('label: "Download"', "blocks[5].button.label", "a label"),
    ('title: "Study visit"', "blocks[6].items[0].title", "a title"),
    ('title: "Our consortium"', "blocks[7].title", "a title"),
]


@pytest.mark.parametrize("written, field, called", ONE_LINE_FIELDS, ids=[f for _, f, _ in ONE_LINE_FIELDS])
@pytest.mark.parametrize("newline", ["\\n", "\\r", "\\r\\n"])
def test_every_one_line_field_refuses_a_line_break(newsletters_dir, written, field, called, newline):
    text = edited((written, written[:-1] + newline + 'Bcc: x@example.org"'))
    [problem] = problems_of(newsletters_dir, text)
    assert problem.endswith(f": {field}: contains a line break (CR/LF): {called} is one line"), problem


def test_a_one_line_field_written_as_a_block_of_lines_is_refused(newsletters_dir):
    text = edited(('title: "Spring workshop"', 'title: |\n      Spring\n      workshop'))
    [problem] = problems_of(newsletters_dir, text)
    assert problem == f"{SHOWN}:26:12: blocks[4].title: contains a line break (CR/LF): a title is one line"


def test_a_one_line_field_folded_over_lines_is_one_line(newsletters_dir):
    """YAML folds a quoted text or `>-` written over two lines into one line: nothing to refuse."""
    text = edited(('title: "Spring workshop"', 'title: "Spring\n      workshop"'),
                  ('text: "Highlights"', 'text: >-\n      High\n      lights'))
    write_issue(newsletters_dir, ISSUE, text)
    issue = load_issue(ISSUE)
    assert issue.blocks[4].title == "Spring workshop"


@pytest.mark.parametrize("char, message", [
    ("\\0", "contains an invisible control character (U+0000): remove it"),
    ("\\e", "contains an invisible control character (U+001B): remove it"),
    ("\\x85", "contains an invisible control character (U+0085): remove it"),
    ("\\t", "contains a tab: use a space"),
    ("\\u2028", "contains an invisible line break (U+2028 LINE SEPARATOR): a title is one line"),
    ("\\u2029", "contains an invisible line break (U+2029 PARAGRAPH SEPARATOR): a title is one line"),
    ("\\u202E", "contains an invisible U+202E RIGHT-TO-LEFT OVERRIDE, which changes the order"),
    ("\\u202A", "contains an invisible U+202A LEFT-TO-RIGHT EMBEDDING"),
    ("\\u2067", "contains an invisible U+2067 RIGHT-TO-LEFT ISOLATE"),
    ("\\u2069", "contains an invisible U+2069 POP DIRECTIONAL ISOLATE"),
])
def test_a_title_refuses_invisible_characters(newsletters_dir, char, message):
    text = edited(('title: "Our report"', f'title: "Our{char} report"'))
    [problem] = problems_of(newsletters_dir, text)
    assert problem.startswith(f"{SHOWN}:36:12: blocks[5].title: {message}"), problem


def test_a_body_may_span_lines_but_refuses_invisible_characters(newsletters_dir):
    text = edited(('body: "Read it."', 'body: "Read it\\0 now.\\n\\nOr \\u202Ewon\\u202C later.\\u2028"'),
                  ('body: "We visit Warsaw."', 'body: "We visit\\nWarsaw.\\tTwice.\\n"'))
    problems = problems_of(newsletters_dir, text)
    assert problems == [f"{SHOWN}:37:11: blocks[5].body: contains an invisible control character (U+0000): remove it"]


@pytest.mark.parametrize("char, message", [
    ("\\u202E", "contains an invisible U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\\u2028", "contains an invisible line break (U+2028 LINE SEPARATOR): use an ordinary new line"),
    ("\\r", "contains an invisible control character (U+000D)"),
])
def test_a_body_refuses_each_invisible_character(newsletters_dir, char, message):
    text = edited(('body: "We visit Warsaw."', f'body: "We visit{char} Warsaw."'))
    [problem] = problems_of(newsletters_dir, text)
    assert problem.startswith(f"{SHOWN}:49:15: blocks[6].items[0].body: {message}"), problem


def test_a_url_with_a_line_break_is_refused(newsletters_dir):
    """urlsplit quietly drops CR/LF, so without this check the URL would look valid."""
    text = edited(("url: https://example.org/report.pdf", 'url: "https://example.org/report.pdf\\r\\nX: y"'))
    [problem] = problems_of(newsletters_dir, text)
    assert problem == f"{SHOWN}:40:12: blocks[5].button.url: contains a line break (CR/LF): a URL is one line"


def project_problems(newsletters_dir: Path, *replacements: tuple[str, str]) -> list[str]:
    path = newsletters_dir / "project.yaml"
    path.write_text(edited(*replacements, text=path.read_text("utf-8")), "utf-8")
    with pytest.raises(ValidationError) as caught:
        load_project(newsletters_dir)
    return [str(p) for p in caught.value.problems]


def test_a_bidi_override_pasted_into_a_partner_name_is_refused(newsletters_dir):
    """Pasted, not escaped: the character itself is in the file, invisible in most editors."""
    problems = project_problems(newsletters_dir, ("name: Haskovo Municipality", "name: Haskovo \u202eytilapicinuM"))
    assert problems == ["newsletters/project.yaml:39:11: partners[1].name: contains an invisible U+202E "
                        "RIGHT-TO-LEFT OVERRIDE, which changes the order the text is shown in: remove it"]


def test_project_names_and_labels_are_one_line(newsletters_dir):
    problems = project_problems(
        newsletters_dir,
        ('name: "Test Project for Social Economy"', 'name: "Test Project\\nfor Social Economy"'),
        ('follow_us: "Follow us"', 'follow_us: "Follow\\r\\nus"'),
        ("acronym: TESTCON", 'acronym: "TEST\\u2066CON"'),
        ("network: LinkedIn", 'network: "Linked\\nIn"'))
    assert problems == [
        "newsletters/project.yaml:2:7: name: contains a line break (CR/LF): a name is one line",
        "newsletters/project.yaml:3:10: acronym: contains an invisible U+2066 LEFT-TO-RIGHT ISOLATE, "
        "which changes the order the text is shown in: remove it",
        "newsletters/project.yaml:14:14: social[0].network: contains a line break (CR/LF): this field is one line",
        "newsletters/project.yaml:21:14: labels.follow_us: contains a line break (CR/LF): a label is one line",
    ]


def test_the_disclaimer_may_span_lines(newsletters_dir):
    path = newsletters_dir / "project.yaml"
    path.write_text(edited(('disclaimer: "Views are the authors\' own."',
                            "disclaimer: |\n  Views are\n  the authors' own."), text=path.read_text("utf-8")), "utf-8")
    assert load_project(newsletters_dir).disclaimer == "Views are\nthe authors' own.\n"


# --- every independent problem of a block in one run ----------------------------------------

def test_a_block_reports_a_bad_url_an_unknown_host_and_end_before_start_together(newsletters_dir):
    text = edited(("    start: 2025-11-13\n    end: 2025-11-14\n", "    start: 2025-11-14\n    end: 2025-11-13\n"),
                  ("hosts: [haskovo]", "hosts: [haskovo-municipality]\n    link: {label: Programme, url: htps://x.org}"))
    assert problems_of(newsletters_dir, text) == [
        f"{SHOWN}:28:10: blocks[4].end: ends (2025-11-13) before it starts (2025-11-14)",
        f"{SHOWN}:30:13: blocks[4].hosts[0]: unknown partner id 'haskovo-municipality' "
        "(project.yaml declares: haskovo, kmop, mazowieckie)",
        f"{SHOWN}:31:35: blocks[4].link.url: 'htps://x.org' must be an absolute http:// or https:// URL",
    ]


def test_issue_checks_run_beside_problems_in_the_blocks(newsletters_dir):
    text = edited(("number: 7", "number: 0"), ("url: https://example.org/report.pdf", "url: example.org/report.pdf"))
    problems = problems_of(newsletters_dir, text)
    assert [p.split(": ", 2)[1] for p in problems] == ["number", "blocks[5].button.url"]


@pytest.mark.parametrize("replacement, only", [
    # a start date that is no date: not also "an end date needs a start date"
    (("start: 2026-04-16", "start: 2026-04-31"), "blocks[6].items[0].start: '2026-04-31' is not a date in the calendar"),
    (("start: 2026-04-16", "start: next spring"), "blocks[6].items[0].start: expected a date as YYYY-MM-DD, got text 'next spring'"),
    # items that are no list: not also "needs at least one indicator"
    (("    items:\n      - value: 1842680\n        label: \"euros of budget\"\n      - value: 12\n        label: \"events\"\n",
      "    items: 12\n"), "blocks[2].items: expected a list, got a number"),
    # a number that is no number: not also "must be 1 or more"
    (("number: 7", "number: seven"), "number: expected a whole number, got text"),
])
def test_a_field_that_did_not_convert_sets_off_no_check_on_it(newsletters_dir, replacement, only):
    problems = problems_of(newsletters_dir, edited(replacement))
    assert [p.split(": ", 1)[1] for p in problems] == [only], problems


def test_project_checks_run_beside_problems_in_the_partners(newsletters_dir):
    problems = project_problems(newsletters_dir, ("id: mazowieckie", "id: kmop"),
                                ("website: https://www.haskovo.bg", "website: www.haskovo.bg"),
                                ("  - el\n", "  - el\n  - en\n"))
    assert [p.split(": ", 2)[1:] for p in problems] == [
        ["target_languages", "lists the source language 'en'"],
        ["partners", "partner id 'kmop' is used twice"],
        ["partners[1].website", "'www.haskovo.bg' must be an absolute http:// or https:// URL"],
    ]


def test_an_engine_written_as_a_list_is_a_problem_not_a_crash(newsletters_dir):
    path = newsletters_dir / "project.yaml"
    path.write_text(path.read_text("utf-8") + "translation:\n  engines: {pl: [deepl]}\n", "utf-8")
    with pytest.raises(ValidationError) as caught:
        load_project(newsletters_dir)
    assert [p.field for p in caught.value.problems] == ["translation.engines"]
    assert "unknown engine ['deepl']" in caught.value.problems[0].message


# --- ids on list items -----------------------------------------------------------------------

WITH_IDS = edited(('      - title: "Study visit"\n', '      - id: study-visit\n        title: "Study visit"\n'),
                  ('      - title: "Research"\n', '      - id: research\n        title: "Research"\n'),
                  ('      - value: 1842680\n', '      - id: budget\n        value: 1842680\n'))
NEW_FIRST_ITEM = ('    items:\n      - id: study-visit\n',
                  '    items:\n      - id: kick-off\n        title: "Kick-off meeting"\n        body: "We start."\n'
                  '      - id: study-visit\n')


def test_items_without_an_id_keep_their_segment_ids(good_issue):
    ids = [s.id for s in extract_segments(load_issue(ISSUE))]
    assert {"indicators.items.0.label", "indicators.items.1.label", "whats_next.items.0.title",
            "whats_next.items.0.body.0", "whats_next.items.1.title", "whats_next.items.1.body.0"} <= set(ids)


def test_an_item_id_names_its_segments(newsletters_dir):
    write_issue(newsletters_dir, ISSUE, WITH_IDS)
    ids = [s.id for s in extract_segments(load_issue(ISSUE))]
    assert [i for i in ids if ".items." in i] == [
        "indicators.items.budget.label", "indicators.items.1.label",
        "whats_next.items.study-visit.title", "whats_next.items.study-visit.body.0",
        "whats_next.items.study-visit.place",
        "whats_next.items.research.title", "whats_next.items.research.body.0"]


def test_inserting_an_item_keeps_the_reviewed_translations_of_the_others(newsletters_dir):
    path = write_issue(newsletters_dir, ISSUE, WITH_IDS)
    issue = load_issue(ISSUE)
    update_catalogs(issue, ["pl"])
    catalog_file = catalog_path(issue.folder, "pl")
    catalog = polib.pofile(str(catalog_file))
    for entry in catalog:
        entry.msgstr = f"[pl] {entry.msgid}"
    write_catalog(catalog, catalog_file)
    before = {e.msgctxt: e.msgstr for e in polib.pofile(str(catalog_file))}

    path.write_text(edited(NEW_FIRST_ITEM, text=WITH_IDS), "utf-8")
    issue = load_issue(ISSUE)
    [report] = update_catalogs(issue, ["pl"])

    assert report.obsoleted == [] and report.invalidated == []
    after = polib.pofile(str(catalog_file))
    for entry in after:
        if entry.msgctxt in before:
            assert entry.msgstr == before[entry.msgctxt] and "fuzzy" not in entry.flags, entry.msgctxt
    added = sorted(set(e.msgctxt for e in after) - set(before))
    assert added == ["whats_next.items.kick-off.body.0", "whats_next.items.kick-off.title"]

    _, texts = edition_status(issue, "pl", extract_segments(issue))
    edition = make_edition(issue, "pl", lambda segment: texts.get(segment.id, segment.source))
    items = next(b for b in edition.blocks if b["kind"] == "whats_next")["items"]
    assert [(i["title"], i["body"]) for i in items] == [
        ("Kick-off meeting", "We start."),
        ("[pl] Study visit", "[pl] We visit Warsaw."),
        ("[pl] Research", "[pl] **KMOP** leads research."),
    ]


@pytest.mark.parametrize("replacements, expected", [
    ([('      - title: "Research"\n', '      - id: "0"\n        title: "Research"\n')],
     f"{SHOWN}:50:13: blocks[6].items[1].id: id '0' is already the name of blocks[6].items[0], which has no id "
     "(an item without an id is named by its position)"),
    ([('      - title: "Research"\n', '      - id: Research\n        title: "Research"\n')],
     f"{SHOWN}:50:13: blocks[6].items[1].id: 'Research' must use only lower-case letters, digits and hyphens"),
    ([('      - value: 12\n', '      - id: events\n        value: 12\n'),
      ('      - value: 1842680\n', '      - id: events\n        value: 1842680\n')],
     f"{SHOWN}:21:13: blocks[2].items[1].id: id 'events' is already used by blocks[2].items[0]"),
    ([("  - type: intro\n", "  - type: intro\n    id: report\n")],
     f"{SHOWN}:7:9: blocks[0].id: id 'report' is already the name of blocks[5], which has no id "
     "(a block without an id is named after its type)"),
])
def test_ids_that_would_share_segments_are_refused(newsletters_dir, replacements, expected):
    assert problems_of(newsletters_dir, edited(*replacements)) == [expected]


def test_the_same_item_id_may_be_used_in_two_lists(newsletters_dir):
    text = edited(('      - value: 12\n', '      - id: study-visit\n        value: 12\n'), text=WITH_IDS)
    write_issue(newsletters_dir, ISSUE, text)
    ids = [s.id for s in extract_segments(load_issue(ISSUE))]
    assert "indicators.items.study-visit.label" in ids and "whats_next.items.study-visit.title" in ids


# --- one locale per language -----------------------------------------------------------------

def test_the_portuguese_edition_names_countries_in_european_portuguese(tmp_path):
    result = build("2024-02-newsletter-2", out_dir=tmp_path, newsletters_dir=SHIPPED, use_cache=False)
    for name in ("pt.html", "pt.txt"):
        text = unescape((result.out_dir / name).read_text("utf-8"))
        for european, brazilian in [("Polónia", "Polônia"), ("Roménia", "Romênia"), ("Letónia", "Letônia")]:
            assert european in text and brazilian not in text, (name, european)
        assert "13–14 de novembro de 2023" in text  # pt_PT's range, not pt_BR's "13 – 14"


def test_country_names_follow_formatting_locales_like_dates(tmp_path):
    """Latin American Spanish writes Romania without the accent: set for es, the consortium shows it."""
    newsletters = tmp_path / "newsletters"
    shutil.copytree(SHIPPED, newsletters, ignore=shutil.ignore_patterns("2023-*"))
    settings = newsletters / "project.yaml"
    settings.write_text(edited(("  en: en_GB\n", "  en: en_GB\n  es: es_419\n"), text=settings.read_text("utf-8")),
                        "utf-8")
    result = build("2024-02-newsletter-2", out_dir=tmp_path / "out", newsletters_dir=newsletters,
                   languages=["es"], use_cache=False)
    text = (result.out_dir / "es.txt").read_text("utf-8")
    assert "✓ Rumania: " in text and "✓ Rumanía: " not in text


def test_default_locales_fit_the_partner_countries(good_issue):
    project = load_issue(ISSUE).project
    assert [project.locale_for(lang) for lang in ["en", "pt", "nl", "de", "el", "pl", "ro", "lv", "es", "bg"]] == [
        "en_GB", "pt_PT", "nl_BE", "de", "el", "pl", "ro", "lv", "es", "bg"]
    project.formatting_locales = {"pt": "pt_BR"}
    assert project.locale_for("pt") == "pt_BR" and project.locale_for("nl") == "nl_BE"
