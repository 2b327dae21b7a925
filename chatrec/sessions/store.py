"""SQLite session store: each session's DialogueState and message history survive restarts.

A session exists only once the store has issued it: :meth:`SessionStore.create` returns an
unguessable token, and rows are keyed by a keyed hash (HMAC) of that token, bound to an owner (the
logged-in user, or nobody). Whoever cannot show the token, or is logged in as someone else, gets
:class:`UnknownSession` and never a byte of the session. The database and the hashing key are
created readable by their owner only.

Faults stay small: a database locked by another process gives :class:`SessionsError` ("busy, try
again") after a few seconds, for that call only; a file that is not a database gives one line at
start-up naming it; one unreadable state row raises :class:`InvalidState` for that session only.
One connection per call keeps the store safe across threads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from chatrec.dialogue.state import DialogueState
from chatrec.errors import SessionsError, UnknownSession
from chatrec.inputs import text
from chatrec.sessions.files import create_private, server_key
from chatrec.sessions.schema import MIGRATIONS

log = logging.getLogger(__name__)
BUSY_SECONDS = 2.5  # how long a call waits for a lock held elsewhere before saying "busy"
TOKEN_BYTES = 24  # 192 random bits: guessing one is out of reach
MAX_TOKEN_CHARS = 200


class InvalidState(Exception):
    """A session's stored state no longer validates (hand-edited, or written by a broken build)."""


@dataclass(frozen=True)
class StoredMessage:
    role: str  # "user" | "assistant"
    text: str
    recommendations: list[dict]
    notices: list[str] = field(default_factory=list)


def recovery(path: Path) -> str:
    """What to do about an unreadable sessions file; the README repeats it."""
    return f"move it aside to start with no stored conversations: mv '{path}' '{path}.broken'"


class SessionStore:
    """Sessions by token: state and history, in one SQLite file."""

    def __init__(self, path: Path, *, busy_seconds: float = BUSY_SECONDS) -> None:
        self.path = path
        self.busy_seconds = busy_seconds
        create_private(path)  # before sqlite creates it with the umask's mode
        self._key = server_key(path.with_name(path.name + ".key"))
        self._lock = threading.Lock()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL)")
            done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
            for name, apply in MIGRATIONS:
                if name not in done:
                    apply(db)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, time.time()))
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
        if verdict != "ok":  # a torn file can open and fail only on the pages it lost
            raise SessionsError(f"the session store {path} is damaged ({verdict}); {recovery(path)}")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                db = sqlite3.connect(self.path, timeout=self.busy_seconds)
                try:
                    with db:
                        yield db
                finally:
                    db.close()
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise SessionsError("the session store is busy; please try again in a moment") from None
                raise SessionsError(f"cannot use the session store {self.path}: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise SessionsError(
                    f"the session store {self.path} is unreadable ({exc}); {recovery(self.path)}"
                ) from None

    # -- ownership ---------------------------------------------------------------------------
    def _hash(self, token: str) -> str:
        return hmac.new(self._key, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def create(self, owner: str = "") -> str:
        """A new, empty session bound to ``owner``; returns its token (the only copy)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions (id, state, updated, owner) VALUES (?, ?, ?, ?)",
                (self._hash(token), DialogueState().model_dump_json(), time.time(), owner),
            )
        return token

    def open(self, token: object, owner: str = "") -> str:
        """The row key of the session ``token`` names, if ``owner`` owns it; else UnknownSession."""
        token = text(token, "session_id")
        if len(token) > MAX_TOKEN_CHARS:
            raise UnknownSession(_UNKNOWN)
        key = self._hash(token)
        with self._db() as db:
            row = db.execute("SELECT owner FROM sessions WHERE id = ?", (key,)).fetchone()
        if row is None or not hmac.compare_digest(row[0].encode(), owner.encode()):
            raise UnknownSession(_UNKNOWN)
        return key

    # -- contents, by row key (from :meth:`open`) ---------------------------------------------
    def state(self, key: str) -> DialogueState:
        with self._db() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ?", (key,)).fetchone()
        if row is None:
            return DialogueState()
        try:
            return DialogueState.model_validate_json(row[0])
        except ValidationError as exc:
            raise InvalidState(f"{exc.error_count()} errors") from None

    def load(self, key: str) -> tuple[DialogueState, bool]:
        """The state, or a fresh one in place of an invalid row (True): that session starts afresh
        at its next save, and nothing else is touched."""
        try:
            return self.state(key), False
        except InvalidState as exc:
            log.warning("a session's stored state was invalid (%s); it starts afresh", exc)
            return DialogueState(), True

    def save_state(self, key: str, state: DialogueState) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE sessions SET state = ?, updated = ? WHERE id = ?",
                (state.model_dump_json(), time.time(), key),
            )

    def append(
        self,
        key: str,
        role: str,
        text: str,
        recommendations: list[dict] | None = None,
        notices: list[str] | None = None,
    ) -> None:
        with self._db() as db:
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?", (key,)
            ).fetchone()
            db.execute(
                "INSERT INTO messages (session_id, seq, role, text, recommendations, created, notices)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    seq,
                    role,
                    text,
                    json.dumps(recommendations or []),
                    time.time(),
                    json.dumps(notices or []),
                ),
            )

    def history(self, key: str) -> list[StoredMessage]:
        with self._db() as db:
            rows = db.execute(
                "SELECT role, text, recommendations, notices FROM messages WHERE session_id = ? ORDER BY seq",
                (key,),
            ).fetchall()
        return [StoredMessage(r, t, json.loads(recs), json.loads(ns)) for r, t, recs, ns in rows]

    def reset(self, key: str) -> None:
        """Empty the session (state and messages); its token and owner stay valid."""
        with self._db() as db:
            db.execute("DELETE FROM messages WHERE session_id = ?", (key,))
        self.save_state(key, DialogueState())


_UNKNOWN = "unknown session: start one with new_session() (the web API: /new_session) and pass its token"
