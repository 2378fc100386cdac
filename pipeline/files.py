"""Atomic file writes: every write of user data goes through here.

The content goes to a temporary file in the same folder, is flushed to disk, and
replaces the target in one rename, so an interrupted run (Ctrl-C, a crash, a full
disk) leaves the previous good file and no half-written one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


from .errors import PipelineError


def write_atomic(path: Path, data: str | bytes, encoding: str = "utf-8",
                 still_valid: Callable[[], bool] | None = None) -> bool:
    """Write `data` to `path` in one rename. With `still_valid`, it is asked once the data is
    on disk, just before the rename; if it says no, nothing is replaced and False returned
    (a caller merging with the file re-reads it: someone saved it meanwhile)."""
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
        if still_valid is not None and not still_valid():
            Path(tmp).unlink(missing_ok=True)
            return False
        os.replace(tmp, path)
        return True
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def lock_path(path: Path) -> Path:
    """The lock file for `path`: in the system's temp folder, keyed by the absolute path, so
    no lock file ever lands in the repository or a translator's folder."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / "newsletter-pipeline-locks" / f"{path.name}.{digest}.lock"


def remove_leftover_temps(path: Path) -> None:
    """Temp files a killed run left beside `path`; call only while holding its lock."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


@contextmanager
def exclusive(paths: list[Path], doing: str, wait: float = 0) -> Iterator[None]:
    """Hold the lock of every file in `paths` (sorted, so two commands never deadlock).

    Another newsletter command holding one of them makes this refuse at once (or after
    `wait` seconds) with a message saying which file and what to do, instead of two runs
    both sending the same texts and the last writer winning. Leftover temp files of a
    killed run are removed once the lock is ours, and this command's own (an interrupt
    between a temp file's creation and its rename) before the lock is released.
    """
    import filelock  # here: ~15 ms, and commands that only read (build) never lock

    held: list[filelock.BaseFileLock] = []
    try:
        for path in sorted(set(paths)):
            lock_file = lock_path(path)
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(str(lock_file))
            try:
                lock.acquire(timeout=wait)
            except filelock.Timeout:
                raise PipelineError(f"{path} is being changed by another newsletter command right now; "
                                    f"wait for it to finish, then {doing} again") from None
            held.append(lock)
            remove_leftover_temps(path)
        yield
    finally:   # an interrupt can land between a temp file's creation and its rename
        for path in sorted(set(paths))[:len(held)]:
            remove_leftover_temps(path)
        for lock in reversed(held):
            lock.release()
