"""Every broken issue in tests/data/bad/ is rejected with a located, readable message.

Each bad file opens with comment lines saying what `newsletter validate` must print:

    # expect: LINE FIELD :: MESSAGE-SUBSTRING

one per expected problem (FIELD is `-` when the message names no field). A file that
cannot carry a readable comment (not UTF-8, zero bytes) has a sidecar `<name>.expect`.
"""

from __future__ import annotations

import re
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

BAD = Path(__file__).parent / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
ISSUE_ID = "2025-01-bad"
SHOWN = f"newsletters/{ISSUE_ID}/issue.yaml"

_EXPECT = re.compile(r"^#\s*expect:\s*(\d+)\s+(\S+)\s*::\s*(.+?)\s*$")


@dataclass(frozen=True)
class Expect:
    line: int
    field: str  # "-" when the message has no field
    message: str

    def matches(self, output_line: str) -> bool:
        if not re.match(rf"{re.escape(SHOWN)}:{self.line}:\d+: ", output_line):
            return False
        if self.field != "-" and f": {self.field}: " not in output_line:
            return False
        return self.message in output_line

    def __str__(self) -> str:
        return f"{SHOWN}:{self.line}:*: {'' if self.field == '-' else self.field + ': '}...{self.message}..."


def expectations(bad_file: Path) -> list[Expect]:
    """The `# expect:` lines of a bad file's leading comments, or of its sidecar."""
    sidecar = bad_file.with_suffix(".expect")
    if sidecar.exists():
        lines = sidecar.read_text("utf-8").splitlines()
    else:
        lines = []
        for line in bad_file.read_text("utf-8").splitlines():
            if not line.startswith("#"):
                break
            lines.append(line)
    found = []
    for line in lines:
        if line.startswith("# expect"):
            m = _EXPECT.match(line)
            assert m, f"{bad_file.name}: malformed expect line {line!r}"
            found.append(Expect(int(m.group(1)), m.group(2), m.group(3)))
    return found


def test_the_corpus_is_big_enough():
    assert len(BAD_FILES) >= 15, [f.name for f in BAD_FILES]


def test_the_good_issue_validates(good_issue):
    result = CliRunner().invoke(main, ["validate", "2025-03-test-issue"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


@pytest.mark.parametrize("bad_file", BAD_FILES, ids=[f.name for f in BAD_FILES])
def test_bad_issue_is_rejected_with_located_messages(bad_file, newsletters_dir):
    expected = expectations(bad_file)
    assert expected, f"{bad_file.name} declares no '# expect:' line"
    target = newsletters_dir / ISSUE_ID / "issue.yaml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(bad_file, target)

    result = CliRunner().invoke(main, ["validate", ISSUE_ID])
    output = result.output

    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"validate crashed instead of reporting the problem:\n{crash}\noutput:\n{output}")
    assert "Traceback" not in output, output
    assert result.exit_code == 1, f"exit code {result.exit_code}, output:\n{output}"
    assert isinstance(result.exception, SystemExit), repr(result.exception)

    lines = output.splitlines()
    missing = [str(e) for e in expected if not any(e.matches(line) for line in lines)]
    assert not missing, "expected but not printed:\n  " + "\n  ".join(missing) + f"\noutput:\n{output}"


def test_hostile_yaml_is_refused_at_once_in_a_real_process(newsletters_dir):
    """A billion-laughs file must not hang the tool: run it for real, with a deadline."""
    import subprocess
    import sys

    target = newsletters_dir / ISSUE_ID / "issue.yaml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BAD / "yaml-billion-laughs.yaml", target)
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "validate", ISSUE_ID], capture_output=True,
                          text=True, timeout=30, cwd=newsletters_dir.parent)
    assert done.returncode == 1
    assert f"{SHOWN}:5:10: YAML anchor '&a' is not allowed" in done.stdout + done.stderr


def test_project_yaml_gets_the_same_limits(good_issue, newsletters_dir):
    project = newsletters_dir / "project.yaml"
    text = project.read_text("utf-8")
    text = text.replace('programme: Interreg Europe', 'programme: &p Interreg Europe').replace(
        'cofunding_statement: "Co-funded by the European Union"', 'cofunding_statement: *p')
    project.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "newsletters/project.yaml:4:12: YAML anchor '&p' is not allowed" in result.output


def test_an_oversized_file_is_refused_before_it_is_read(good_issue):
    with good_issue.open("a", encoding="utf-8") as out:
        out.write("# " + "x" * (1024 * 1024) + "\n")
    result = CliRunner().invoke(main, ["validate", "2025-03-test-issue"])
    assert result.exit_code == 1
    assert "issue.yaml:1:1: the file is 1.0 MB; at most 1 MB is read" in result.output
