"""The command line through click's CliRunner, as the comms officer types it."""

from click.testing import CliRunner

from pipeline.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def test_validate_reports_ok_with_counts(good_issue):
    result = run("validate")
    assert result.exit_code == 0
    assert "newsletters/2025-03-test-issue/issue.yaml: OK (9 blocks, 43 segments, 3 target languages)" in result.output


def test_sync_then_build_warns_about_untranslated_editions(good_issue, project_root):
    result = run("sync")
    assert result.exit_code == 0
    assert "pl: updated: 43 new" in result.output
    result = run("build", "--lang", "pl")
    assert result.exit_code == 0
    assert "warning: pl: 43 untranslated" in result.output
    assert "built 1 edition(s) of 2025-03-test-issue in dist/2025-03-test-issue" in result.output


def test_build_strict_fails_with_exit_status_1(good_issue):
    result = run("build", "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.output and "nothing written" in result.output


def test_build_to_another_folder(translated_issue, tmp_path):
    result = run("build", "2025-03-test-issue", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert (tmp_path / "out" / "2025-03-test-issue" / "el.html").is_file()


def test_unknown_issue_and_language_are_clear_errors(good_issue):
    result = run("build", "2030-01-missing")
    assert result.exit_code == 1 and "no issue '2030-01-missing'" in result.output
    result = run("sync", "--lang", "xx")
    assert result.exit_code == 1 and "--lang xx: not a language of this issue" in result.output
    result = run("sync", "--lang", "en")  # the source language has no catalog to translate into
    assert result.exit_code == 1 and "(choose from de pl el)" in result.output
    assert run("build", "--lang", "en").exit_code == 0  # but it does have an edition


def test_outside_a_project_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 1 and "no newsletters/project.yaml" in result.output


def test_problems_in_project_yaml_and_the_issue_are_reported_together(good_issue, newsletters_dir):
    project = newsletters_dir / "project.yaml"
    project.write_text(project.read_text("utf-8").replace("website: https://example.org/testcon",
                                                          "website: example.org/testcon"), "utf-8")
    good_issue.write_text(good_issue.read_text("utf-8").replace("number: 7", "number: seven"), "utf-8")
    result = run("validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("newsletters/project.yaml:12:10: website: 'example.org/testcon'") for line in lines)
    assert any(line.startswith("newsletters/2025-03-test-issue/issue.yaml:1:9: number: expected a whole number")
               for line in lines)
    assert lines[-1] == "2 problems found"
