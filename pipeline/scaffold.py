"""`newsletter new`: the next issue, started from the latest one.

The recurring blocks (about, consortium, footer) are copied word for word, so their
English is identical and their reviewed translations come from the memory instead of
being translated again. The rest is a short outline for the comms officer to write.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .errors import PipelineError
from .files import write_atomic
from .issue import find_newsletters_dir, issue_ids, load_issue
from .memory import update_catalogs
from .yamlsource import load_yaml

RECURRING = ("about", "consortium", "footer")
_ID = re.compile(r"^(\d{4})-(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def new_issue(issue_id: str, newsletters_dir: Path | None = None, today: dt.date | None = None):
    newsletters_dir = newsletters_dir or find_newsletters_dir()
    match = _ID.match(issue_id)
    if not match:
        raise PipelineError(f"issue id {issue_id!r} must look like YYYY-MM-short-name, e.g. 2024-06-newsletter-3 "
                            "(lower-case letters, digits and hyphens)")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise PipelineError(f"issue id {issue_id!r}: {month:02d} is not a month")
    folder = newsletters_dir / issue_id
    if folder.exists():
        raise PipelineError(f"{folder} already exists")
    existing = issue_ids(newsletters_dir)
    if not existing:
        raise PipelineError("there is no issue to start from yet: write the first issue.yaml by hand")
    if existing[-1] > issue_id:
        raise PipelineError(f"{issue_id!r} sorts before the latest issue {existing[-1]!r}: "
                            "folder names start with the date so that the latest issue is the last one")
    latest = load_issue(existing[-1], newsletters_dir)
    raw = load_yaml(latest.path).data
    today = today or dt.date.today()
    date = today if (today.year, today.month) == (year, month) else dt.date(year, month, 1)
    number = latest.number + 1
    kept = {b["type"]: b for b in raw["blocks"] if b.get("type") in RECURRING}
    blocks = [
        {"type": "intro", "title": f"Headline of newsletter #{number}",
         "body": "Write the introduction here: what this issue is about.\n"},
        *([kept["about"]] if "about" in kept else []),
        {"type": "heading", "text": "Recent highlights"},
        *([kept["consortium"]] if "consortium" in kept else []),
        *([kept["footer"]] if "footer" in kept else [{"type": "footer"}]),
    ]
    document = {"number": number, "date": date, "subject": f"Newsletter #{number}: write the subject line",
                "preheader": "Write the preview line mail programs show after the subject.", "blocks": blocks}
    text = (f"# Newsletter #{number}, started from {latest.id} by `newsletter new`.\n"
            "# The about, consortium and footer blocks are copied unchanged so their translations are reused.\n"
            "# Add event, report, indicators and whats_next blocks as in earlier issues.\n"
            + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))
    path = folder / "issue.yaml"
    write_atomic(path, text)
    issue = load_issue(issue_id, newsletters_dir)
    return path, update_catalogs(issue)
