"""What a reader's mail client receives: valid, responsive, accessible, escaped HTML."""

from __future__ import annotations

import re
import shutil
from html import unescape
from html.parser import HTMLParser

import pytest

from pipeline.build import edition_status, render_issue
from pipeline.errors import PipelineError
from pipeline.localize import make_edition
from pipeline.render import TEMPLATES_DIR, Renderer, find_unrendered
from pipeline.segments import extract_segments


class Elements(HTMLParser):
    """Collects start tags with their attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def editions(issue, renderer=None):
    renderer = renderer or Renderer()
    segments = extract_segments(issue)
    for lang in ["en", *issue.target_languages]:
        _, texts = edition_status(issue, lang, segments)
        edition = make_edition(issue, lang, lambda s, t=texts: t.get(s.id, s.source))
        yield lang, edition, renderer.html(edition)


def test_every_edition_is_well_formed_responsive_email_html(translated_issue):
    for lang, edition, html in editions(translated_issue):
        tags = parse(html)
        assert html.startswith("<!doctype html>")
        root = next(attrs for tag, attrs in tags if tag == "html")
        assert root["lang"] == lang and root["dir"] == "ltr"
        wrapper = next(attrs for tag, attrs in tags if attrs.get("role") == "article")
        assert wrapper["lang"] == lang
        assert find_unrendered(html) == []
        images = [attrs for tag, attrs in tags if tag == "img"]
        assert images and all(attrs.get("alt") for attrs in images)
        tables = [attrs for tag, attrs in tags if tag == "table"]
        assert tables and all(attrs.get("role") == "presentation" for attrs in tables)
        # CSS was inlined, and the responsive rules kept their !important
        assert sum(1 for _, attrs in tags if "style" in attrs) > 50
        media = re.findall(r"@media[^{]+\{(.*?)\}\s*\}", html, re.S)
        assert media and all("!important" in block for block in media)
        assert "max-width:600px" in html and "max-width: 480px" in html
        assert "googleapis" not in html  # nothing to fetch
        assert len(html.encode()) < 100_000
        preheader = edition.preheader
        assert re.search(r'<div style="display:none;[^"]*">' + re.escape(preheader.replace("&", "&amp;")), html)


def test_each_edition_shows_its_own_language(translated_issue):
    for lang, _, html in editions(translated_issue):
        if lang == "en":
            assert "[de]" not in html and "Welcome to issue seven" in html
        else:
            assert f"[{lang}] Welcome to issue seven" in html
            assert f"[{lang}] Haskovo Municipality" in html  # project strings are translated too


def test_text_is_escaped_and_markdown_is_rendered(translated_issue):
    _, _, html = next(editions(translated_issue))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<strong>bold</strong>" in html and "<em>italics</em>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" style="color:#114477;' in html
    assert "Partners met &amp; talked." in html


def test_localized_dates_numbers_and_countries(translated_issue):
    found = {lang: html for lang, _, html in editions(translated_issue)}
    assert "13–14 November 2025" in found["en"] and "1,842,680" in found["en"]
    assert "13.–14. November 2025" in found["de"] and "1.842.680" in found["de"]
    assert "13–14 listopada 2025" in found["pl"] and "Bułgaria" in found["pl"]
    assert "Βουλγαρία" in found["el"] and "Μάρτιος 2025" in found["el"]


def _style(value: str) -> dict:
    pairs = (part.split(":", 1) for part in value.split(";") if ":" in part)
    return {k.strip(): v.strip() for k, v in pairs}


def _normalized(html: str) -> list:
    return [(tag, sorted((k, _style(v) if k == "style" else v) for k, v in attrs.items()))
            for tag, attrs in parse(html)] + \
        [re.sub(r"\s+", " ", unescape(text)) for text in re.findall(r">([^<]+)<", html)]


def test_the_compile_once_fast_path_matches_rendering_each_language_directly(translated_issue):
    renderer = Renderer()
    for lang, edition, fast in editions(translated_issue, renderer):
        direct = renderer.html_direct(edition)
        assert _normalized(fast) == _normalized(direct), lang
    assert renderer.stats["skeletons"] == 1  # one compile + inline for all four languages


def test_a_different_layout_gets_its_own_skeleton_not_wrong_values(translated_issue):
    renderer = Renderer()
    issue = translated_issue
    first = make_edition(issue, "en", lambda s: s.source)
    issue.blocks[4].image.src = "assets/logos/kmop.png"
    second = make_edition(issue, "en", lambda s: s.source)
    assert "assets/images/event.png" in renderer.html(first)
    assert "assets/logos/kmop.png" in renderer.html(second)
    assert renderer.stats["skeletons"] == 2


def custom_templates(tmp_path, block: str, replace: str, by: str):
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    partial = folder / "blocks" / f"{block}.mjml.j2"
    partial.write_text(partial.read_text("utf-8").replace(replace, by), "utf-8")
    return folder


def test_an_unknown_mjml_tag_in_a_template_is_caught(translated_issue, tmp_path):
    folder = custom_templates(tmp_path, "heading", "<mj-divider", "<mj-dividr")
    edition = make_edition(translated_issue, "en", lambda s: s.source)
    with pytest.raises(PipelineError, match="MJML tag"):
        Renderer(folder).html(edition)


def test_an_undefined_template_variable_is_an_error_not_blank_output(translated_issue, tmp_path):
    folder = custom_templates(tmp_path, "heading", "heading(2, block.text)", "heading(2, block.subtitle)")
    edition = make_edition(translated_issue, "en", lambda s: s.source)
    with pytest.raises(PipelineError, match="subtitle"):
        Renderer(folder).html(edition)


def test_plain_text_part_comes_from_the_model(translated_issue):
    _, outputs = render_issue(translated_issue, ["pl"])
    text = next(o.content for o in outputs if o.name == "pl.txt")
    assert "[pl] Welcome to issue seven" in text
    assert "link (https://example.org/a?b=1&c=2)" in " ".join(text.split())  # links as URLs
    assert "  ✓ 1\xa0842\xa0680 [pl] euros of budget" in text  # lists with check marks
    assert "<" not in text.replace('<script>alert("x")</script>', "")
    assert "Download" in text and "https://example.org/report.pdf" in text


def test_every_image_has_a_pixel_width_for_outlook(translated_issue):
    """Outlook's Word engine sizes an image by its width attribute: a percentage there would
    show a 2x asset at its full file width."""
    import re

    for lang, _, html in editions(translated_issue):
        images = re.findall(r"<img\b[^>]*>", html)
        assert images
        for tag in images:
            width = re.search(r'\swidth="([^"]*)"', tag)
            assert width and width.group(1).isdigit() and int(width.group(1)) <= 600, (lang, tag)


def test_the_preview_line_is_padded_and_hidden_and_the_colour_scheme_declared(translated_issue):
    import re

    for lang, _, html in editions(translated_issue):
        preview = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', html, re.S)
        assert preview and "mso-hide:all" in preview.group(0), lang
        text = preview.group(1)
        assert text.startswith(f"[{lang}] Every block type, once." if lang != "en" else "Every block type, once.")
        assert text.count("\u200c\u00a0") >= 80 or text.count("&zwnj;&nbsp;") >= 80   # filler after it
        assert '<meta name="color-scheme" content="light only">' in html


def test_polish_one_letter_words_stay_with_the_next_word(translated_issue):
    from pipeline.localize import _tie_one_letter_words

    assert _tie_one_letter_words("Spotkanie w Hasku i z partnerami, a potem [link](https://a.b/w x).", "pl") == \
        "Spotkanie w\u00a0Hasku i\u00a0z\u00a0partnerami, a\u00a0potem [link](https://a.b/w x)."
    assert _tie_one_letter_words("a test", "de") == "a test"
    html = {lang: page for lang, _, page in editions(translated_issue)}
    assert "and a\u00a0<a href" in html["pl"] and "and a <a href" in html["de"]


def test_alt_text_is_readable_with_images_off(translated_issue):
    """Images are off by default in many clients: the alt text is what a reader sees."""
    import re

    for lang, _, html in editions(translated_issue):
        for tag in re.findall(r"<img\b[^>]*>", html):
            assert "font-family:Arial" in tag.replace(": ", ":"), (lang, tag)
        logo = next(t for t in re.findall(r"<img\b[^>]*>", html) if "secon-interreg-logo" in t)
        assert "color:#fff" in logo.replace(": ", ":")   # white on the blue masthead


def test_titles_are_real_headings_for_screen_readers(translated_issue):
    import re

    for lang, _, html in editions(translated_issue):
        assert len(re.findall(r"<h1\b", html)) == 1, lang          # the issue's own title
        assert len(re.findall(r"<h2\b", html)) >= 6, lang          # every block title and section heading
        assert "margin:0" in re.search(r"<h1\b[^>]*>", html).group(0)   # looks as before
