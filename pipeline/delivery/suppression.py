"""Each list's suppression file: addresses that must never receive it again.

One address per line in `<state dir>/<list>.suppressed.txt` (a plain file a partner can
read, and import into a mailing tool), git-ignored with the rest of the send state. Lines
are only ever appended, under a lock, each written whole with a flush and fsync, so an
unsubscribe is never lost and a crash never leaves half an address.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock

STATE_DIR = ".newsletter-send"    # beside newsletters/, git-ignored: journals, suppression files


def state_dir(newsletters_dir: Path) -> Path:
    return newsletters_dir.parent / STATE_DIR


def suppression_path(newsletters_dir: Path, list_id: str) -> Path:
    return state_dir(newsletters_dir) / f"{list_id}.suppressed.txt"


def normalise(address: str) -> str:
    return address.strip().lower()


def read_suppressed(path: Path) -> set[str]:
    """Every address in the file, lower-cased; comments (#) and blank lines skipped."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return set()
    return {normalise(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}


def suppress(path: Path, addresses, reason: str = "") -> list[str]:
    """Append the addresses not yet in the file; returns those added."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        known = read_suppressed(path)
        added = []
        for address in addresses:
            address = normalise(address)
            if address and address not in known and "\n" not in address and "\r" not in address:
                known.add(address)
                added.append(address)
        if added:
            with open(path, "a", encoding="utf-8") as out:
                if out.tell() == 0:
                    out.write("# addresses that must not receive this list again (one per line)\n")
                out.write("".join(f"{a}\n" for a in added))
                out.flush()
                os.fsync(out.fileno())
    return added


__all__ = ["suppress", "read_suppressed", "suppression_path", "state_dir", "normalise", "STATE_DIR"]
