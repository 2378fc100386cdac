"""Shared fixtures: a throw-away project folder built from tests/data, never the shipped example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project_root(tmp_path, monkeypatch) -> Path:
    """A checkout-like folder: <root>/newsletters/project.yaml with assets; cwd is the root."""
    root = tmp_path / "repo"
    shutil.copytree(DATA / "project", root / "newsletters")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def glossary_dir(project_root) -> Path:
    """The test termbase (tests/data/glossary) as the project's glossary/."""
    shutil.copytree(DATA / "glossary", project_root / "glossary")
    return project_root / "glossary"


@pytest.fixture
def newsletters_dir(project_root) -> Path:
    return project_root / "newsletters"


def write_issue(newsletters_dir: Path, issue_id: str, text: str) -> Path:
    folder = newsletters_dir / issue_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "issue.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def good_issue(newsletters_dir) -> Path:
    """The test issue that uses every block type, as 2025-03-test-issue."""
    return write_issue(newsletters_dir, "2025-03-test-issue", (DATA / "good-issue.yaml").read_text("utf-8"))


@pytest.fixture
def translated_issue(good_issue):
    """The test issue with every segment translated as "[lang] English" (reviewed, not fuzzy)."""
    import polib

    from pipeline.issue import load_issue
    from pipeline.memory import catalog_path, update_catalogs, write_catalog

    issue = load_issue("2025-03-test-issue")
    update_catalogs(issue)
    for lang in issue.target_languages:
        path = catalog_path(issue.folder, lang)
        catalog = polib.pofile(str(path))
        for entry in catalog:
            entry.msgstr = f"[{lang}] {entry.msgid}"
        write_catalog(catalog, path)
    return load_issue("2025-03-test-issue")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from the current output instead of comparing.")
