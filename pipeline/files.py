"""Atomic file writes: every write of user data goes through here.

The content goes to a temporary file in the same folder, is flushed to disk, and
replaces the target in one rename, so an interrupted run (Ctrl-C, a crash, a full
disk) leaves the previous good file and no half-written one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    payload = data.encode(encoding) if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
