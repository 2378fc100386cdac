"""The example content the repo ships: both issues build strictly into ten real editions."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.issue import issue_ids, load_issue
from pipeline.memory import catalog_path, read_catalog
from pipeline.render import find_unrendered

NEWSLETTERS = Path(__file__).resolve().parent.parent / "newsletters"


@pytest.mark.parametrize("issue_id", issue_ids(NEWSLETTERS))
def test_every_shipped_issue_builds_strictly_in_every_language(issue_id, tmp_path):
    result = build(issue_id, out_dir=tmp_path, strict=True, newsletters_dir=NEWSLETTERS, use_cache=False)
    issue = load_issue(issue_id, NEWSLETTERS)
    assert [s.lang for s in result.statuses] == ["en", "el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg"]
    english_intro = issue.blocks[0].title
    for lang in issue.target_languages:
        html = (result.out_dir / f"{lang}.html").read_text("utf-8")
        translated_intro = read_catalog(catalog_path(issue.folder, lang)).find(
            english_intro, msgctxt="intro.title").msgstr
        assert f'<html lang="{lang}"' in html
        assert translated_intro and translated_intro in unescape(html) and english_intro not in unescape(html)
        assert find_unrendered(html) == []
        assert len(html.encode()) < 100_000


def test_the_latest_issue_is_newsletter_2():
    assert issue_ids(NEWSLETTERS)[-1] == "2024-02-newsletter-2"


def test_the_shipped_glossary_covers_every_concept_in_every_language():
    from pipeline.glossary.termbase import load_termbase

    termbase = load_termbase(NEWSLETTERS.parent / "glossary")
    assert len(termbase.concepts) >= 40
    for lang in ["el", "nl", "de", "ro", "pl", "pt", "lv", "es", "bg"]:
        terms = termbase.terms(lang)
        assert set(terms) == set(termbase.concepts), lang
        assert all(t.term for t in terms.values()), lang
    assert termbase.term("pl", "social-economy").term == "ekonomia społeczna"
    assert termbase.term("bg", "social-economy").term == "социална икономика"


@pytest.mark.parametrize("issue_id", issue_ids(NEWSLETTERS))
def test_the_example_translations_follow_the_glossary(issue_id):
    from pipeline.qa import check_issue

    findings = check_issue(load_issue(issue_id, NEWSLETTERS))
    assert [str(f) for f in findings] == []
