"""Golden output: per block (MJML) and per language (HTML and text) of the test issue.

A change in output shows as a unified diff. After an intended change, regenerate with:
    python -m pytest tests/test_golden.py --update-golden
and review the diff in git.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pipeline.build import render_issue
from pipeline.localize import make_edition
from pipeline.render import Renderer

GOLDEN = Path(__file__).parent / "golden"
BLOCK_KINDS = ["intro", "about", "indicators", "heading", "event", "report", "whats_next", "consortium", "footer"]


def check_golden(request, name: str, actual: str) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, "utf-8")
        return
    assert path.exists(), f"no golden file {path}; run pytest tests/test_golden.py --update-golden"
    expected = path.read_text("utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "actual", n=2))
        pytest.fail(f"output differs from golden/{name}:\n{diff[:6000]}", pytrace=False)


@pytest.mark.parametrize("index, kind", list(enumerate(BLOCK_KINDS)))
def test_block_partial_mjml(request, translated_issue, index, kind):
    edition = make_edition(translated_issue, "en", lambda s: s.source)
    assert edition.blocks[index]["kind"] == kind
    check_golden(request, f"blocks/{kind}.mjml", Renderer().block_mjml(edition, index))


@pytest.mark.parametrize("lang", ["en", "de", "pl", "el"])
def test_edition_text(request, translated_issue, lang):
    _, outputs = render_issue(translated_issue, [lang])
    check_golden(request, f"editions/{lang}.txt", next(o.content for o in outputs if o.name == f"{lang}.txt"))


@pytest.mark.parametrize("lang", ["en", "pl"])  # the layout is shared; two languages show the text filled in
def test_edition_html(request, translated_issue, lang):
    _, outputs = render_issue(translated_issue, [lang])
    html = next(o.content for o in outputs if o.name == f"{lang}.html")
    check_golden(request, f"editions/{lang}.html", html.replace("><", ">\n<"))
