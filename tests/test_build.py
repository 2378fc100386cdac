"""`newsletter build` as the comms officer uses it: every edition, warnings, --strict, same bytes."""

from __future__ import annotations

import polib
import pytest

from pipeline.build import build
from pipeline.errors import PipelineError
from pipeline.memory import catalog_path, write_catalog


def test_build_writes_every_edition_an_index_and_the_assets(translated_issue, project_root):
    result = build()
    out = project_root / "dist" / "2025-03-test-issue"
    assert result.out_dir == out
    names = sorted(p.name for p in out.iterdir())
    assert names == ["assets", "de.html", "de.txt", "el.html", "el.txt", "en.html", "en.txt",
                     "index.html", "pl.html", "pl.txt"]
    index = (out / "index.html").read_text("utf-8")
    for lang, name in [("en", "English"), ("de", "Deutsch"), ("pl", "polski"), ("el", "Ελληνικά")]:
        assert f'href="{lang}.html"' in index and f'href="{lang}.txt"' in index and name in index
    assert (out / "assets/images/event.png").is_file()
    assert (out / "assets/logos/kmop.png").is_file()
    assert all(s.complete for s in result.statuses)


def test_the_same_inputs_give_the_same_bytes(translated_issue, project_root, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build(out_dir=first)
    build(out_dir=second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_missing_translation_falls_back_to_english_with_a_warning(translated_issue):
    path = catalog_path(translated_issue.folder, "de")
    catalog = polib.pofile(str(path))
    catalog.find("Highlights", msgctxt="heading.text").msgstr = ""
    catalog.find("Read it.", msgctxt="report.body.0").flags.append("fuzzy")
    write_catalog(catalog, path)
    result = build(languages=["de"])
    status = result.statuses[0]
    assert status.missing == ["heading.text"] and status.fuzzy == ["report.body.0"]
    html = (result.out_dir / "de.html").read_text("utf-8")
    assert ">Highlights<" in html and "[de] Read it." in html
    assert "1 untranslated (heading.text), shown in English" in status.summary()


def test_strict_refuses_incomplete_editions_and_writes_nothing(good_issue, project_root):
    with pytest.raises(PipelineError, match=r"--strict: 3 edition\(s\).*nothing written"):
        build(strict=True)
    assert not (project_root / "dist").exists()


def test_strict_passes_when_everything_is_reviewed(translated_issue):
    assert build(strict=True).statuses


def test_lang_selects_editions_and_rejects_unknown_languages(translated_issue):
    result = build(languages=["pl"])
    assert sorted(p.name for p in result.out_dir.glob("*.html")) == ["index.html", "pl.html"]
    with pytest.raises(PipelineError, match="--lang fr: not a language of this issue"):
        build(languages=["fr"])


def test_latest_issue_is_the_default_and_ids_or_paths_select_others(translated_issue, newsletters_dir):
    from tests.conftest import DATA, write_issue

    write_issue(newsletters_dir, "2024-01-older", (DATA / "good-issue.yaml").read_text("utf-8"))
    assert build().issue.id == "2025-03-test-issue"
    assert build("2024-01-older").issue.id == "2024-01-older"
    assert build(str(newsletters_dir / "2024-01-older")).issue.id == "2024-01-older"
    with pytest.raises(PipelineError, match="no issue 'nope'"):
        build("nope")


def test_adding_a_language_is_one_line_in_project_yaml(translated_issue, newsletters_dir):
    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8").replace("  - el\n", "  - el\n  - hu\n"), "utf-8")
    result = build(languages=["hu"])
    html = (result.out_dir / "hu.html").read_text("utf-8")
    assert '<html lang="hu"' in html
    assert "2025. november 13–14." in html          # Hungarian date order, from CLDR
    assert result.statuses[0].missing                # not translated yet: English, with a warning


def _no_compiling(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("MJML compiled although the project's cache holds this layout")
    monkeypatch.setattr("pipeline.render.compile_mjml", refuse)


def test_a_new_output_folder_reuses_the_projects_compiled_layout(translated_issue, project_root, tmp_path,
                                                                  monkeypatch):
    build(out_dir=tmp_path / "first")
    assert list((project_root / ".cache").glob("skeleton-*.html")), "the cache lives beside newsletters/"
    assert not (tmp_path / "first" / ".cache").exists()
    _no_compiling(monkeypatch)
    build(out_dir=tmp_path / "second")
    assert (tmp_path / "first" / "2025-03-test-issue" / "pl.html").read_bytes() == \
        (tmp_path / "second" / "2025-03-test-issue" / "pl.html").read_bytes()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_cache_entry_is_rebuilt_not_used(translated_issue, project_root, tmp_path, damage):
    build(out_dir=tmp_path / "good")
    (entry,) = (project_root / ".cache").glob("skeleton-*.html")
    raw = entry.read_bytes()
    entry.write_bytes({"truncated": raw[: len(raw) // 2], "garbage": raw.replace(b"<td", b"<tx"),
                       "empty": b""}[damage])
    build(out_dir=tmp_path / "again")
    for lang in ("en", "el"):
        assert (tmp_path / "good" / "2025-03-test-issue" / f"{lang}.html").read_bytes() == \
            (tmp_path / "again" / "2025-03-test-issue" / f"{lang}.html").read_bytes()
    assert entry.read_bytes() == raw, "the damaged entry is replaced by a good one"


def test_no_cache_neither_reads_nor_writes_it(translated_issue, project_root, tmp_path):
    build(out_dir=tmp_path / "a", use_cache=False)
    assert not (project_root / ".cache").exists()


def test_a_cache_that_cannot_be_written_only_costs_time(translated_issue, project_root, tmp_path):
    (project_root / ".cache").write_text("not a folder")
    result = build(out_dir=tmp_path / "a")
    assert (result.out_dir / "en.html").is_file()


def test_the_index_shows_each_editions_own_subject_and_flags_a_long_one(translated_issue, project_root):
    from pipeline.memory import read_catalog

    path = catalog_path(translated_issue.folder, "pl")
    catalog = read_catalog(path)
    next(e for e in catalog if e.msgctxt == "subject").msgstr = "Biuletyn nr 7: " + "bardzo " * 12 + "długi"
    write_catalog(catalog, path)
    build()
    index = (project_root / "dist/2025-03-test-issue/index.html").read_text("utf-8")
    assert "<strong>[de] Newsletter #7: a test issue</strong>" in index
    assert "[el] Every block type, once." in index            # the preview line, in its language
    assert "Biuletyn nr 7: bardzo" in index
    assert index.count("characters: most inboxes show about 60") == 1   # only the long Polish one


def test_with_assets_url_every_image_has_an_absolute_address(translated_issue, project_root, newsletters_dir):
    import re

    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8") + "assets_url: https://cdn.example.org/secon/assets\n", "utf-8")
    build()
    out = project_root / "dist/2025-03-test-issue"
    for lang in ("en", "de", "pl", "el"):
        sources = re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', (out / f"{lang}.html").read_text("utf-8"))
        assert sources and all(s.startswith("https://cdn.example.org/secon/assets/") and "assets/assets" not in s
                               for s in sources), sources
    assert (out / "assets/images/event.png").is_file()   # the folder to upload there
    assert "https://cdn.example.org/secon/assets/images/event.png" in (out / "en.html").read_text("utf-8")


def test_without_assets_url_images_stay_relative_for_a_preview(translated_issue, project_root):
    build()
    assert 'src="assets/images/event.png"' in (project_root / "dist/2025-03-test-issue/en.html").read_text("utf-8")
