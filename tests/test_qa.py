"""`newsletter qa` in Debian's headless Chromium: broken editions are caught by name, the
shipped issue passes, and the gallery shows every language at phone and desktop width.

Run alone with `pytest -m browser tests/test_qa.py` (the default run leaves browser tests out).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.inspect import ERROR, WARNING, Finding, QaReport, check_build, run_qa
from pipeline.inspect.browser import find_chromium

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
ISSUE = "2025-03-test-issue"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None,
                       reason="no Chromium: apt install chromium (or set NEWSLETTER_CHROMIUM); qa drives Debian's "
                              "browser, not Playwright's download"),
]
pytest.importorskip("playwright", reason="the qa extra is not installed: pip install '.[qa]'")
pytest.importorskip("axe_playwright_python", reason="the qa extra is not installed: pip install '.[qa]'")

WIDE_IMAGE = ('<img src="assets/images/event.png" width="700" alt="A photo far too wide" '
              'style="display:block;width:700px;height:auto;font-size:13px;">')
LONG_WORD = "Sozialwirtschaftsförderungsprogrammverwaltungsgesellschaftsvorstandsvorsitzender"[:80]
# MJML's text cells break long words (word-break:break-word); a pasted snippet that resets it cannot.
UNBREAKABLE = f'<p style="word-break:normal;overflow-wrap:normal;">{LONG_WORD}</p>'
RELATIVE_LINK = '<p>Read <a href="more/details.html">the details</a>.</p>'
NO_ALT = '<a href="https://example.org/photo"><img src="assets/images/event.png" width="120"></a>'


def _before_first_paragraph(path: Path, snippet: str) -> None:
    html = path.read_text("utf-8")
    at = html.index("<p ", html.index("<body"))
    path.write_text(html[:at] + snippet + html[at:], "utf-8")


# A list for the German edition, whose privacy notice is still on http: (only the .eml has it).
LISTS = """\
lists:
  - id: rhein
    partner: kmop
    languages: [de]
    sender: {name: "KMOP", address: news@kmop.example}
    contact: "KMOP, Athens"
    privacy_url: http://kmop.example/privacy
    unsubscribe: {mailto: leave@kmop.example}
"""


def _project(root: Path, lists: bool = False) -> Path:
    shutil.copytree(DATA / "project", root / "newsletters")
    if lists:
        (root / "newsletters" / "lists.yaml").write_text(LISTS, "utf-8")
        with (root / "newsletters" / "project.yaml").open("a", encoding="utf-8") as project:
            project.write("email_images: embedded\neditions_url: https://example.org/testcon/newsletter\n")
    folder = root / "newsletters" / ISSUE
    folder.mkdir()
    (folder / "issue.yaml").write_text((DATA / "good-issue.yaml").read_text("utf-8"), "utf-8")
    return root / "newsletters"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """The test issue built, then one thing broken per language, and QA run over the build."""
    from pipeline.build import build

    root = tmp_path_factory.mktemp("broken")
    result = build(ISSUE, None, out_dir=root / "dist", newsletters_dir=_project(root, lists=True), use_cache=False)
    folder = result.out_dir
    _before_first_paragraph(folder / "en.html", WIDE_IMAGE)
    _before_first_paragraph(folder / "de.html", UNBREAKABLE)
    _before_first_paragraph(folder / "pl.html", RELATIVE_LINK)
    _before_first_paragraph(folder / "el.html", NO_ALT)
    return check_build(folder, ["en", "de", "pl", "el"], sendable=result.sendable, issue_id=ISSUE)


def codes(report: QaReport, lang: str, width: int | None = ..., severity: str | None = None) -> set[str]:
    return {f.code for f in report.findings if f.lang == lang and (width is ... or f.width == width)
            and (severity is None or f.severity == severity)}


def test_a_700px_image_makes_the_page_scroll_sideways_and_is_named(broken):
    for width in (320, 375, 600):
        assert {"overflow", "sticks-out"} <= codes(broken, "en", width, ERROR), width
    named = [f for f in broken.findings if f.lang == "en" and f.code == "sticks-out" and f.width == 320]
    assert any('<img alt="A photo far too wide"> 700 px wide' in f.message and f.where.endswith("img") for f in named)
    assert "no-style-overflow" in codes(broken, "en", 375) and "images-off-overflow" in codes(broken, "en", 375)


def test_an_unbreakable_80_character_word_overflows_a_phone(broken):
    assert "overflow" in codes(broken, "de", 320, ERROR)
    words = [f for f in broken.findings if f.lang == "de" and f.width == 320 and f.code == "sticks-out"]
    assert words and "the word «Sozialwirtschafts" in words[0].message and "80 characters" in words[0].message
    assert words[0].box is not None


def test_a_relative_link_is_a_link_finding(broken):
    links = [f for f in broken.findings if f.lang == "pl" and f.code == "link-relative"]
    assert len(links) == 1 and links[0].severity == ERROR and links[0].width is None
    assert "more/details.html" in links[0].message and "«the details»" in links[0].message
    assert not codes(broken, "pl", 320) & {"overflow", "sticks-out"}   # the link breaks nothing else


def test_a_missing_alt_is_found_in_the_html_and_by_axe(broken):
    assert "img-alt" in codes(broken, "el", None, ERROR)
    axe = [f for f in broken.findings if f.lang == "el" and f.code == "axe-image-alt"]
    assert axe and axe[0].severity == ERROR and "critical" in axe[0].message and axe[0].where
    assert "axe-link-name" in codes(broken, "el", 375, ERROR)    # the link has no name either


def test_the_edition_as_sent_is_checked_too(broken):
    sent = [f for f in broken.findings if f.edition == "rhein-de.eml"]
    assert [f.code for f in sent] == ["link-insecure"], sent
    assert "http://kmop.example/privacy" in sent[0].message and sent[0].lang == "de"


def test_the_size_budget_is_the_html_part_as_a_message_carries_it(broken):
    import datetime as dt

    from pipeline.delivery.editions import SendableEdition
    from pipeline.delivery.message import BUDGET, Draft, build_message, encoded_size, html_part
    from pipeline.inspect.checks import html_part_size, size_findings

    html = (broken.out_dir / "el.html").read_text("utf-8")
    draft = Draft(subject="s", sender_name="n", sender_address="a@example.org", html=html, text="t", lang="el",
                  message_id="<1@example.org>", date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    assert html_part_size(html)[0] == encoded_size(html_part(build_message(draft)))
    assert not size_findings("el", "el.html", html, [])
    over = SendableEdition("big", "el", "big-el.eml", BUDGET + 1, "base64")
    (finding,) = size_findings("el", "el.html", html, [over])
    assert finding.code == "size-budget" and finding.severity == ERROR and "big-el.eml" in finding.message


def test_each_breakage_stays_in_its_own_edition(broken):
    assert "link-relative" not in codes(broken, "en") | codes(broken, "de") | codes(broken, "el")
    assert "img-alt" not in codes(broken, "en") | codes(broken, "de") | codes(broken, "pl")
    assert "overflow" not in codes(broken, "pl") | codes(broken, "el")


def test_the_report_as_text_and_json(broken):
    assert broken.failed and broken.exit_code == 1
    text = broken.text()
    assert "[link-relative]" in text and "[overflow]" in text and "[img-alt]" in text and "qa FAILED" in text
    data = json.loads(json.dumps(broken.as_dict()))
    assert data["passed"] is False and data["errors"] == len(broken.errors)
    assert {"lang", "width", "code", "severity", "message", "where"} <= set(data["findings"][0])
    assert any("landmark-one-main" in note for note in data["notes"])      # rules not run are said


def test_the_gallery_of_a_broken_build_marks_the_findings(broken):
    index = (broken.out_dir / "qa" / "index.html").read_text("utf-8")
    for lang in ("en", "de", "pl", "el"):
        assert f'src="{lang}-375.png"' in index and f'src="{lang}-600.png"' in index
    assert "[overflow]" in index and "[link-relative]" in index and "[axe-image-alt]" in index
    assert 'class="mark error"' in index                  # drawn on the screenshot where it is


def test_strict_fails_on_warnings_too(tmp_path):
    warning = Finding("en", None, "subject-long", WARNING, "subject is 70 characters")
    lenient = QaReport("x", tmp_path, ["en"], (320,), [warning])
    assert lenient.exit_code == 0 and lenient.passed() and not lenient.passed(strict=True)
    assert QaReport("x", tmp_path, ["en"], (320,), [warning], strict=True).exit_code == 1


def test_the_pseudo_edition_is_checked_once_its_catalog_exists(tmp_path):
    from pipeline.inspect.run import qa_languages
    from pipeline.issue import PSEUDO_LOCALE, load_issue
    from pipeline.memory import catalog_path

    newsletters = _project(tmp_path)
    issue = load_issue(ISSUE, newsletters)
    assert PSEUDO_LOCALE not in qa_languages(issue, None)
    assert qa_languages(issue, [PSEUDO_LOCALE]) == [PSEUDO_LOCALE]
    catalog_path(issue.folder, PSEUDO_LOCALE).parent.mkdir(parents=True, exist_ok=True)
    catalog_path(issue.folder, PSEUDO_LOCALE).write_text("", "utf-8")
    assert qa_languages(issue, None) == ["en", "de", "pl", "el", PSEUDO_LOCALE]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """QA of the shipped latest issue, built into a temporary folder (the checkout stays as it is)."""
    return run_qa(None, None, False, newsletters_dir=ROOT / "newsletters", out_dir=tmp_path_factory.mktemp("dist"))


def test_the_shipped_editions_have_no_errors(shipped):
    assert shipped.languages[0] == "en" and len(shipped.languages) >= 10
    assert not shipped.errors, shipped.text()
    assert shipped.exit_code == 0


def test_the_gallery_shows_every_language_at_phone_and_desktop_width(shipped):
    folder = shipped.out_dir / "qa"
    index = (folder / "index.html").read_text("utf-8")
    assert shipped.gallery == folder / "index.html"
    for lang in shipped.languages:
        for width in (375, 600):
            png = folder / f"{lang}-{width}.png"
            head = png.read_bytes()[:24]
            assert head[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(head[16:20], "big") == width, png
            assert f'src="{lang}-{width}.png"' in index
        assert f'id="{lang}"' in index
    for finding in shipped.findings:                       # each finding listed beside its screenshots
        assert f"[{finding.code}]" in index
    # Self-contained: nothing fetched, every link relative and there.
    assert not re.search(r'\s(?:src|href)="(?:https?:)?//', index) and "url(" not in index and "<script" not in index
    for ref in re.findall(r'\s(?:src|href)="([^"#]+)"', index):
        assert (folder / ref).resolve().is_file(), ref
