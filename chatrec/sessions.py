"""SQLite session store: each session's DialogueState and message history survive restarts.

Schema changes are registered migrations (applied ones are recorded), so stored conversations
survive upgrades. One connection per call keeps it safe across threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chatrec.dialogue.state import DialogueState

MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_sessions_and_messages(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)")
    db.execute(
        "CREATE TABLE messages (session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL,"
        " text TEXT NOT NULL, recommendations TEXT NOT NULL DEFAULT '[]', created REAL NOT NULL,"
        " PRIMARY KEY (session_id, seq))"
    )


@migration
def m002_message_notices(db: sqlite3.Connection) -> None:
    """A turn's notices ("the language model was unavailable ...") are part of what the user saw,
    so a reload must show them again."""
    db.execute("ALTER TABLE messages ADD COLUMN notices TEXT NOT NULL DEFAULT '[]'")


@dataclass(frozen=True)
class StoredMessage:
    role: str  # "user" | "assistant"
    text: str
    recommendations: list[dict]
    notices: list[str] = field(default_factory=list)


class SessionStore:
    """Sessions by id: state and history, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL)")
            done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
            for name, apply in MIGRATIONS:
                if name not in done:
                    apply(db)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, time.time()))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30)
            try:
                with db:
                    yield db
            finally:
                db.close()

    def state(self, session_id: str) -> DialogueState:
        with self._db() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return DialogueState.model_validate_json(row[0]) if row else DialogueState()

    def save_state(self, session_id: str, state: DialogueState) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state,"
                " updated = excluded.updated",
                (session_id, state.model_dump_json(), time.time()),
            )

    def append(
        self,
        session_id: str,
        role: str,
        text: str,
        recommendations: list[dict] | None = None,
        notices: list[str] | None = None,
    ) -> None:
        with self._db() as db:
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?", (session_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO messages (session_id, seq, role, text, recommendations, created, notices)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    seq,
                    role,
                    text,
                    json.dumps(recommendations or []),
                    time.time(),
                    json.dumps(notices or []),
                ),
            )

    def history(self, session_id: str) -> list[StoredMessage]:
        with self._db() as db:
            rows = db.execute(
                "SELECT role, text, recommendations, notices FROM messages WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        return [StoredMessage(r, t, json.loads(recs), json.loads(ns)) for r, t, recs, ns in rows]

    def reset(self, session_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            db.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
