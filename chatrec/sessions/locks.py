"""One turn at a time per session, across threads, processes and app instances.

A turn reads the session's state, works for seconds (ranking, the LLM) and writes it back; two
turns of one session interleaved would lose one's changes. So a turn holds a lock on its session
that the operating system or the database server releases if the holder dies:

- PostgreSQL: the session's row in ``session_locks``, ``SELECT ... FOR UPDATE NOWAIT`` in a
  transaction kept open for the turn, retried until ``seconds`` pass;
- SQLite (one machine by nature): an exclusive ``flock`` on a per-session file beside the
  database, so the database itself stays free for every other session's reads and writes.

Either way a turn that cannot get the lock in time says so in one line and changes nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from chatrec.errors import SessionsError, UnknownSession
from chatrec.sessions.schema import session_locks

TURN_BUSY = "this conversation is busy with another message; please try again in a moment"
POLL_SECONDS = 0.02
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock that is held


@contextmanager
def row_lock(engine: Engine, key: str, seconds: float) -> Iterator[None]:
    """Hold the session's lock row until the block ends (PostgreSQL)."""
    deadline = time.monotonic() + seconds
    query = sa.select(session_locks.c.id).where(session_locks.c.id == key).with_for_update(nowait=True)
    with engine.connect() as db:
        while True:
            try:
                found = db.execute(query).first()
                break
            except sa.exc.OperationalError as exc:
                db.rollback()
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
            _wait(deadline)
        try:
            if found is None:
                raise UnknownSession("unknown session")
            yield
        finally:
            db.rollback()  # nothing was written on this connection; ending it frees the row


@contextmanager
def file_lock(directory: Path, key: str, seconds: float) -> Iterator[None]:
    """Hold an exclusive lock on ``directory/key`` until the block ends (SQLite). ``flock`` locks
    belong to the open file, so threads of one process exclude each other as processes do."""
    deadline = time.monotonic() + seconds
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / key, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                _wait(deadline)
        yield
    finally:
        os.close(fd)  # releases the lock


def _wait(deadline: float) -> None:
    if time.monotonic() >= deadline:
        raise SessionsError(TURN_BUSY)
    time.sleep(POLL_SECONDS)
