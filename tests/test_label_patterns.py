"""Labels with a value inside are patterns a translator can reorder, never strings glued in code."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.checks import check_translation
from pipeline.cli import main
from pipeline.masking import mask, unmask
from tests.test_check_status import set_translation


def build(*args):
    return CliRunner().invoke(main, ["build", *args])


def test_a_translator_moves_the_number_and_the_names_where_the_language_wants_them(translated_issue, project_root):
    set_translation(translated_issue, "pl", "project.labels.masthead", "Nr {number} – Biuletyn")
    set_translation(translated_issue, "pl", "project.labels.hosted_by", "{names} zaprasza")
    set_translation(translated_issue, "pl", "project.labels.led_by", "Prowadzi: {names}")
    assert build("--lang", "pl").exit_code == 0
    html = (project_root / "dist" / "2025-03-test-issue" / "pl.html").read_text("utf-8")
    assert "Nr\u00a07 – Biuletyn" in html
    assert "zaprasza" in html and "Prowadzi: " in html
    assert "{names}" not in html and "{number}" not in html


def test_a_translation_that_lost_its_placeholder_falls_back_to_the_english_pattern_and_is_an_error(translated_issue, project_root):
    set_translation(translated_issue, "de", "project.labels.masthead", "Rundbrief Nummer sieben")
    result = build("--lang", "de")
    assert result.exit_code == 0
    html = (project_root / "dist" / "2025-03-test-issue" / "de.html").read_text("utf-8")
    assert "Newsletter\u00a0#7" in html and "Rundbrief Nummer sieben" not in html
    assert "{number} must appear 1 time(s)" in result.output
    assert build("--lang", "de", "--strict").exit_code == 1


def test_the_check_names_a_lost_an_invented_and_a_translated_placeholder():
    assert check_translation("Led by: {names}", "Prowadzi: {names}", "text") == []
    lost = check_translation("Led by: {names}", "Prowadzi: wszyscy", "text")
    assert [c for c, _, _ in lost] == ["placeholder"] and "{names}" in lost[0][2]
    invented = check_translation("Led by: {names}", "Prowadzi: {names} {who}", "text")
    assert any("{who} is not in the English" in m for _, _, m in invented)
    translated = check_translation("Hosted by: {names}", "Gospodarz: {nazwy}", "text")
    assert {m.split()[0] for _, _, m in translated} == {"{names}", "{nazwy}"}


def test_machine_translation_never_sees_the_placeholder_name():
    masked = mask("Hosted by: {names}")
    assert "names" not in masked.text
    assert unmask(masked.text.replace("Hosted by", "Gospodarz"), masked) == "Gospodarz: {names}"


def test_an_english_pattern_without_its_placeholder_is_a_located_settings_error(project_root):
    path = project_root / "newsletters" / "project.yaml"
    text = path.read_text("utf-8").replace('masthead: "Newsletter #{number}"', 'masthead: "Newsletter"')
    path.write_text(text, encoding="utf-8")
    from tests.conftest import DATA, write_issue
    write_issue(project_root / "newsletters", "2025-03-test-issue", (DATA / "good-issue.yaml").read_text("utf-8"))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "newsletters/project.yaml:19:" in result.output and "labels.masthead: must contain {number}" in result.output
