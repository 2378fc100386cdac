"""What `pip install .` ships: every subpackage and the templates, so an installed tool runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_listed_for_the_wheel():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert on_disk <= set(SETUPTOOLS["packages"]), sorted(on_disk - set(SETUPTOOLS["packages"]))


def test_every_template_is_package_data():
    patterns = SETUPTOOLS["package-data"]["pipeline.templates"]
    templates = ROOT / SETUPTOOLS["package-dir"]["pipeline.templates"]
    shipped = {p for pattern in patterns for p in templates.glob(pattern)}
    assert shipped == {p for p in templates.rglob("*") if p.is_file()}


def test_the_locks_pin_every_dependency_with_hashes():
    for lock in ("run.lock", "test.lock"):
        text = (ROOT / "requirements" / lock).read_text("utf-8")
        pins = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
        assert pins and all("==" in line for line in pins), lock
        assert text.count("--hash=sha256:") >= len(pins), lock
        for name in ("babel", "mjml-python", "premailer", "openpyxl", "setuptools"):
            assert any(line.startswith(f"{name}==") for line in pins), (lock, name)
