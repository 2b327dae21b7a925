"""The session store: each session's DialogueState and message history, in a SQLite file (the
default) or a PostgreSQL database that several app instances share (``CHATREC_SESSIONS_URL``).

A session exists only once the store has issued it: :meth:`SessionStore.create` returns an
unguessable token signed for its owner (the logged-in user, or nobody), and rows are keyed by a
keyed hash (HMAC) of that token. Whoever cannot show the token, or is logged in as someone else,
gets :class:`UnknownSession` and never a byte of the session. Issuing a token writes nothing: the
session's row is made at its first write, so callers who never say anything leave nothing behind,
and :meth:`SessionStore.prune` removes sessions idle past the retention. A SQLite file and its hashing key are
created readable by their owner only; a shared database keeps the key in a table, so every
instance hashes a token alike.

Turns of one session run one at a time across processes and machines (:meth:`locked`). Faults
stay small: a database locked or unreachable gives :class:`SessionsError` in one line, for that
call only; a file that is not a database gives one line at start-up naming it; one unreadable
state row raises :class:`InvalidState` for that session only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from chatrec.dialogue.state import DialogueState
from chatrec.errors import SessionsError, UnknownSession
from chatrec.inputs import text
from chatrec.sessions.backend import open_backend, recovery
from chatrec.sessions.files import KEY_BYTES, create_private, server_key
from chatrec.sessions.locks import file_lock, remove_idle_lock_files, row_lock
from chatrec.sessions.schema import messages, migrate, session_locks, sessions
from chatrec.sessions.schema import server_key as key_table

if TYPE_CHECKING:
    from chatrec.config import Settings

log = logging.getLogger(__name__)
MAX_REMEMBERED = 100_000  # sessions whose owner is kept in memory (about 20 MB at most)
BUSY_SECONDS = 2.5  # how long a call waits for a database lock held elsewhere before saying "busy"
TURN_SECONDS = 30.0  # how long a turn waits for another turn of its session (a reply takes seconds)
TOKEN_BYTES = 24  # 192 random bits: guessing one is out of reach
PRUNE_CHUNK = 500  # ids per DELETE ... IN (...): well under SQLite's limit of bound parameters
SIGNATURE_BYTES = 16  # of the HMAC that binds a token to its owner: forging one is out of reach
MAX_TOKEN_CHARS = 200


DAY_SECONDS = 86_400.0


class SessionKey(str):
    """A session's row key (from :meth:`SessionStore.open`), carrying the owner that its first
    write stores with the row: rows are made lazily, so the writer must know whose it is."""

    __slots__ = ("owner",)
    owner: str

    def __new__(cls, key: str, owner: str) -> SessionKey:
        made = super().__new__(cls, key)
        made.owner = owner
        return made


class InvalidState(Exception):
    """A session's stored state no longer validates (hand-edited, or written by a broken build)."""


@dataclass(frozen=True)
class StoredMessage:
    role: str  # "user" | "assistant"
    text: str
    recommendations: list[dict]
    notices: list[str] = field(default_factory=list)


class SessionStore:
    """Sessions by token: state and history, in a SQLite file (a path) or the database a URL names."""

    def __init__(
        self, target: Path | str, *, busy_seconds: float = BUSY_SECONDS, turn_seconds: float = TURN_SECONDS
    ) -> None:
        self.backend = open_backend(target, busy_seconds)
        self.path = self.backend.path
        self.turn_seconds = turn_seconds
        # A session's owner never changes: once read, a token is checked without the database
        # (a web turn checks its token several times; under load those reads were most of its work).
        self._owners: dict[str, str] = {}
        if self.path:
            create_private(self.path)  # before sqlite creates it with the umask's mode
        with self.backend.errors():
            migrate(self.backend.engine)
            self._key = self._server_key()
            if self.path:  # a torn file can open and fail only on the pages it lost
                with self._db() as db:
                    verdict = db.exec_driver_sql("PRAGMA quick_check(1)").scalar()
                if verdict != "ok":
                    damaged = f"the session store {self.path} is damaged ({verdict})"
                    raise SessionsError(f"{damaged}; {recovery(self.path)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionStore:
        """``CHATREC_SESSIONS_URL`` if set, else the SQLite file ``CHATREC_SESSIONS_PATH``."""
        return cls(settings.sessions_url or settings.sessions_file)

    @contextmanager
    def _db(self) -> Iterator[Connection]:
        with self.backend.serial, self.backend.errors(), self.backend.engine.begin() as db:
            yield db

    def _server_key(self) -> bytes:
        if self.path:
            return server_key(self.path.with_name(self.path.name + ".key"))
        for _ in range(3):  # two instances may create it at once: one insert wins, both read it
            with self._db() as db:
                stored = db.scalar(sa.select(key_table.c.key).where(key_table.c.id == 1))
            if stored:
                return bytes.fromhex(stored)
            try:
                with self._db() as db:
                    db.execute(key_table.insert().values(id=1, key=secrets.token_hex(KEY_BYTES)))
            except sa.exc.IntegrityError:
                pass
        raise SessionsError(f"cannot read the session key from {self.backend.where}")

    # -- ownership ---------------------------------------------------------------------------
    def _hash(self, token: str) -> str:
        return hmac.new(self._key, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def create(self, owner: str = "") -> str:
        """A new, empty session bound to ``owner``; returns its token (the only copy). Nothing is
        stored until the session's first write: the token's signature is what makes it valid."""
        nonce = secrets.token_urlsafe(TOKEN_BYTES)
        return f"{nonce}.{self._signature(nonce, owner)}"

    def _signature(self, nonce: str, owner: str) -> str:
        signed = b"\0".join(s.encode("utf-8", "surrogatepass") for s in ("session", nonce, owner))
        digest = hmac.new(self._key, signed, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _signed_for(self, token: str, owner: str) -> bool:
        nonce, dot, signature = token.rpartition(".")
        given = signature.encode("utf-8", "surrogatepass")  # any text: compared as bytes
        return bool(dot and nonce) and hmac.compare_digest(given, self._signature(nonce, owner).encode())

    def _remember(self, key: str, owner: str) -> None:
        if len(self._owners) >= MAX_REMEMBERED:
            self._owners.clear()
        self._owners[key] = owner

    def open(self, token: object, owner: str = "") -> SessionKey:
        """The row key of the session ``token`` names, if ``owner`` owns it; else UnknownSession.
        A stored session is checked against its row (tokens from before signing have only that);
        one not stored yet, or pruned, against the token's signature."""
        token = text(token, "session_id")
        if len(token) > MAX_TOKEN_CHARS:
            raise UnknownSession(_UNKNOWN)
        key = self._hash(token)
        stored = self._owners.get(key)
        if stored is None:
            with self._db() as db:
                stored = db.scalar(sa.select(sessions.c.owner).where(sessions.c.id == key))
            if stored is not None:
                self._remember(key, stored)
        if stored is None and self._signed_for(token, owner):
            return SessionKey(key, owner)
        if stored is None or not hmac.compare_digest(stored.encode(), owner.encode()):
            raise UnknownSession(_UNKNOWN)
        return SessionKey(key, owner)

    def locked(self, key: str) -> AbstractContextManager[None]:
        """Hold session ``key`` for one turn: another turn of it, in any process that shares this
        store, waits up to ``turn_seconds`` and then gets "busy" (:mod:`chatrec.sessions.locks`)."""
        if self.path:
            return file_lock(self.path.with_name(self.path.name + ".locks"), key, self.turn_seconds)
        return self._row_lock(key)

    @contextmanager
    def _row_lock(self, key: str) -> Iterator[None]:
        with self.backend.errors(), row_lock(self.backend.engine, key, self.turn_seconds):
            yield

    # -- contents, by row key (from :meth:`open`) ---------------------------------------------
    def state(self, key: str) -> DialogueState:
        with self._db() as db:
            stored = db.scalar(sa.select(sessions.c.state).where(sessions.c.id == key))
        if stored is None:
            return DialogueState()
        try:
            return DialogueState.model_validate_json(stored)
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
            self._set_state(db, key, state)

    def save_turn(
        self,
        key: str,
        state: DialogueState,
        user: str,
        reply: str,
        recommendations: list[dict],
        notices: list[str],
    ) -> None:
        """A turn's state and both its messages in one transaction: a fault at any point leaves
        the session as it was before the turn, never a question without its answer."""
        with self._db() as db:
            self._set_state(db, key, state)
            self._insert(db, key, "user", user)
            self._insert(db, key, "assistant", reply, recommendations, notices)

    def append(
        self,
        key: str,
        role: str,
        text: str,
        recommendations: list[dict] | None = None,
        notices: list[str] | None = None,
    ) -> None:
        with self._db() as db:
            self._set_state(db, key)
            self._insert(db, key, role, text, recommendations, notices)

    @staticmethod
    def _set_state(db: Connection, key: str, state: DialogueState | None = None) -> None:
        """Store ``state`` (None: keep it) and mark the session used now; the first write of a
        session makes its row."""
        values: dict[str, object] = {"updated": time.time()}
        if state is not None:
            values["state"] = state.model_dump_json()
        if db.execute(sessions.update().where(sessions.c.id == key).values(**values)).rowcount == 0:
            values.setdefault("state", DialogueState().model_dump_json())
            SessionStore._first_write(db, key, values)

    @staticmethod
    def _first_write(db: Connection, key: str, values: dict[str, object]) -> None:
        """The session's row, made at its first write (a racing first write of the same session
        makes the transaction fail and the caller's turn say so: its lock makes that rare)."""
        owner = getattr(key, "owner", "")
        db.execute(sessions.insert().values(id=str(key), owner=owner, **values))
        if db.scalar(sa.select(session_locks.c.id).where(session_locks.c.id == key)) is None:
            db.execute(session_locks.insert().values(id=str(key)))  # else a turn's lock made it

    @staticmethod
    def _insert(
        db: Connection,
        key: str,
        role: str,
        text: str,
        recommendations: list[dict] | None = None,
        notices: list[str] | None = None,
    ) -> None:
        seq = (db.scalar(sa.select(sa.func.max(messages.c.seq)).where(messages.c.session_id == key)) or 0) + 1
        row = {"session_id": key, "seq": seq, "role": role, "text": text, "created": time.time()}
        extra = {"recommendations": json.dumps(recommendations or []), "notices": json.dumps(notices or [])}
        db.execute(messages.insert().values(**row, **extra))

    def history(self, key: str) -> list[StoredMessage]:
        columns = (messages.c.role, messages.c.text, messages.c.recommendations, messages.c.notices)
        query = sa.select(*columns).where(messages.c.session_id == key).order_by(messages.c.seq)
        with self._db() as db:
            rows = db.execute(query).all()
        return [StoredMessage(r, t, json.loads(recs), json.loads(ns)) for r, t, recs, ns in rows]

    def reset(self, key: str) -> None:
        """Empty the session (state and messages); its token and owner stay valid."""
        with self._db() as db:
            db.execute(messages.delete().where(messages.c.session_id == key))
            fresh = {"state": DialogueState().model_dump_json(), "updated": time.time()}
            db.execute(sessions.update().where(sessions.c.id == key).values(**fresh))

    # -- lifecycle ---------------------------------------------------------------------------
    def prune(self, idle_days: float, now: float | None = None) -> int:
        """Remove the sessions nobody has used for ``idle_days`` (their state, messages and lock
        row; on SQLite also lock files a crash left); returns how many sessions went. Their
        tokens then open empty sessions, as new ones do."""
        cutoff = (time.time() if now is None else now) - idle_days * DAY_SECONDS
        with self._db() as db:
            gone = list(
                db.scalars(sessions.delete().where(sessions.c.updated < cutoff).returning(sessions.c.id))
            )
            for start in range(0, len(gone), PRUNE_CHUNK):
                chunk = gone[start : start + PRUNE_CHUNK]
                db.execute(messages.delete().where(messages.c.session_id.in_(chunk)))
                db.execute(session_locks.delete().where(session_locks.c.id.in_(chunk)))
        for key in gone:
            self._owners.pop(key, None)
        if self.path:
            remove_idle_lock_files(self.path.with_name(self.path.name + ".locks"), cutoff)
        return len(gone)

    def count(self) -> int:
        """How many sessions are stored (those that have been written to)."""
        with self._db() as db:
            return int(db.scalar(sa.select(sa.func.count()).select_from(sessions)) or 0)


_UNKNOWN = "unknown session: start one with new_session() (the web API: /new_session) and pass its token"
