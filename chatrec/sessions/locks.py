"""One turn at a time per session, across threads, processes and app instances.

A turn reads the session's state, works for seconds (ranking, the LLM) and writes it back; two
turns of one session interleaved would lose one's changes. So a turn holds a lock on its session
that the operating system or the database server releases if the holder dies:

- PostgreSQL: the session's row in ``session_locks``, ``SELECT ... FOR UPDATE NOWAIT`` in a
  transaction kept open for the turn, retried until ``seconds`` pass;
- SQLite (one machine by nature): an exclusive ``flock`` on a per-session file beside the
  database, there only while a turn holds it, so the database itself stays free for every other
  session's reads and writes.

Either way a turn that cannot get the lock in time says so in one line and changes nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from chatrec.errors import SessionsError
from chatrec.sessions.schema import session_locks

TURN_BUSY = "this conversation is busy with another message; please try again in a moment"
POLL_SECONDS = 0.02
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock that is held


@contextmanager
def row_lock(engine: Engine, key: str, seconds: float) -> Iterator[None]:
    """Hold the session's lock row until the block ends (PostgreSQL). A session's row is made at
    its first turn, so a missing lock row is inserted first (the caller has checked the token)."""
    deadline = time.monotonic() + seconds
    query = sa.select(session_locks.c.id).where(session_locks.c.id == key).with_for_update(nowait=True)
    with engine.connect() as db:
        while True:
            try:
                found = db.execute(query).first()
                if found is not None:
                    break
                db.execute(session_locks.insert().values(id=key))
                db.commit()
                continue
            except sa.exc.IntegrityError:  # another turn inserted it first: lock that one
                db.rollback()
                continue
            except sa.exc.OperationalError as exc:
                db.rollback()
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
            _wait(deadline)
        try:
            yield
        finally:
            db.rollback()  # nothing was written on this connection; ending it frees the row


@contextmanager
def file_lock(directory: Path, key: str, seconds: float) -> Iterator[None]:
    """Hold an exclusive lock on ``directory/key`` until the block ends (SQLite). ``flock`` locks
    belong to the open file, so threads of one process exclude each other as processes do.

    The holder removes the file as it lets go, so lock files never pile up (one per session ever
    seen, before). A waiter that then gets the lock on the removed file sees that the path names
    another file, or none, and locks that one instead: two holders can never hold different files
    of one path."""
    deadline = time.monotonic() + seconds
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / key
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _flock(fd, deadline)
        except BaseException:
            os.close(fd)
            raise
        if _names(path, fd):
            break
        os.close(fd)
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)  # releases the lock


def remove_idle_lock_files(directory: Path, before: float) -> int:
    """Remove lock files last touched before ``before`` that no turn holds (left by a crash, or
    by versions that kept one per session); returns how many."""
    removed = 0
    for path in directory.glob("*") if directory.is_dir() else ():
        with suppress(FileNotFoundError):
            if path.stat().st_mtime >= before:
                continue
            fd = os.open(path, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if _names(path, fd):
                    path.unlink()
                    removed += 1
            except BlockingIOError:
                pass  # a turn holds it: it removes the file itself
            finally:
                os.close(fd)
    return removed


def _flock(fd: int, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            _wait(deadline)


def _names(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _wait(deadline: float) -> None:
    if time.monotonic() >= deadline:
        raise SessionsError(TURN_BUSY)
    time.sleep(POLL_SECONDS)
