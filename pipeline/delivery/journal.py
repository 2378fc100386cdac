"""The send journal: what happened to every recipient of one campaign, surviving kill -9.

One SQLite database per issue and list (`.newsletter-send/<issue>/<list>.sqlite3`,
git-ignored), in WAL mode, each state change committed before the next SMTP step. With
synchronous=NORMAL a commit survives the program being killed (kill -9, a crash, Ctrl-C) as
the WAL is in the operating system's hands at once; only a power cut or kernel crash can
lose the last moments' commits (SQLite's documented trade-off), which is 1.5x the messages
per second of fsyncing every commit (benchmarks/send.py). A recipient moves pending → sending → sent | failed | unknown:
- "sending" is committed just before the message's final dot goes to the relay; a run that
  dies after that and before "sent" is committed leaves "sending", which the next run turns
  into "unknown" (the relay may have it) instead of sending it again;
- pending is everything not yet handed over, so a resumed run sends exactly those.

This is the journal listmonk lacks (knadh/listmonk#2070): its resume re-sent what had gone.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import PipelineError
from .suppression import state_dir

STATES = ("pending", "sending", "sent", "failed", "unknown")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
    address    TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    lang       TEXT NOT NULL,
    row        INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    message_id TEXT,
    reply      TEXT NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    added      REAL NOT NULL,
    updated    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS recipients_state ON recipients (state, row);
"""


@dataclass
class Entry:
    address: str
    name: str
    lang: str
    row: int
    state: str
    message_id: str | None
    reply: str
    attempts: int
    updated: float


def journal_path(newsletters_dir: Path, issue_id: str, list_id: str) -> Path:
    return state_dir(newsletters_dir) / issue_id / f"{list_id}.sqlite3"


class Journal:
    """One campaign's journal; thread-safe (one connection, one lock) for --jobs workers."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # campaign facts
    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM campaign WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO campaign (key, value) VALUES (?, ?)", (key, value))

    # recipients
    def add(self, recipients) -> int:
        """Add recipients not yet in the journal (a later run with a longer file adds the new ones)."""
        now = time.time()
        with self._lock:
            before = self.db.total_changes
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR IGNORE INTO recipients (address, name, lang, row, state, added, updated) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                ((r.address.lower(), r.name, r.lang, r.row, now, now) for r in recipients))
            self.db.execute("COMMIT")
            return self.db.total_changes - before

    def settle_interrupted(self) -> list[str]:
        """A "sending" left by a run that died: the relay may have the message, so it is unknown."""
        with self._lock:
            rows = [r[0] for r in self.db.execute("SELECT address FROM recipients WHERE state = 'sending'")]
            if rows:
                self.db.execute("UPDATE recipients SET state = 'unknown', updated = ?, reply = "
                                "'the run stopped after handing the message over, before the relay answered' "
                                "WHERE state = 'sending'", (time.time(),))
            return rows

    def retry_unknown(self) -> int:
        with self._lock:
            cursor = self.db.execute("UPDATE recipients SET state = 'pending', updated = ? WHERE state = 'unknown'",
                                     (time.time(),))
            return cursor.rowcount

    def pending(self, batch: int = 500):
        """Pending recipients in file order, read in batches (memory stays flat for any list)."""
        last = -1
        while True:
            rows = self.db.execute(
                "SELECT address, name, lang, row, state, message_id, reply, attempts, updated FROM recipients "
                "WHERE state = 'pending' AND row > ? ORDER BY row LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield Entry(*row)
            last = rows[-1][3]

    def mark(self, address: str, state: str, reply: str = "", message_id: str | None = None,
             attempt: bool = False) -> None:
        assert state in STATES
        with self._lock:
            self.db.execute(
                "UPDATE recipients SET state = ?, reply = ?, message_id = COALESCE(?, message_id), "
                "attempts = attempts + ?, updated = ? WHERE address = ?",
                (state, reply, message_id, 1 if attempt else 0, time.time(), address))

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state"):
            counts[state] = n
        return counts

    def entries(self, states=STATES):
        marks = ",".join("?" * len(states))
        for row in self.db.execute(
                "SELECT address, name, lang, row, state, message_id, reply, attempts, updated FROM recipients "
                f"WHERE state IN ({marks}) ORDER BY row", tuple(states)):
            yield Entry(*row)


class CampaignLock:
    """One `send` of a campaign at a time: a second one while the first runs is refused."""

    def __init__(self, path: Path):
        self.lock = FileLock(str(path) + ".lock")

    def __enter__(self):
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            raise PipelineError(f"another `newsletter send` of this campaign is running ({self.lock.lock_file}); "
                                "wait for it to finish, or stop it (Ctrl-C) and run the same command again to "
                                "resume") from None
        return self

    def __exit__(self, *exc):
        self.lock.release()


__all__ = ["Journal", "Entry", "CampaignLock", "journal_path", "STATES"]
