"""Where sessions are stored: a SQLite file (the default) or a PostgreSQL database, both through
SQLAlchemy Core, and the one-line errors each gives when it is busy, unreachable or unreadable.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from chatrec.errors import ConfigError, SessionsError

BUSY = "the session store is busy; please try again in a moment"


def recovery(path: Path) -> str:
    """What to do about an unreadable sessions file; the README repeats it."""
    return f"move it aside to start with no stored conversations: mv '{path}' '{path}.broken'"


@dataclass(frozen=True)
class Backend:
    """An engine and what to call it in messages (the file, or the URL without its password)."""

    engine: Engine
    path: Path | None  # the SQLite file; None for a database server
    # SQLite takes one writer at a time, and its busy handler polls: under 20 concurrent turns a
    # thread slowed by the GIL held the lock while others polled past the busy timeout (7 of 193
    # turns said "busy" in the load benchmark). Threads of one process queue here instead, so the
    # timeout only measures other processes.
    serial: AbstractContextManager[object] = field(default_factory=nullcontext)

    @property
    def where(self) -> str:
        return str(self.path) if self.path else self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Database errors as one line: busy (SQLite locked elsewhere for longer than the busy
        timeout), unreadable (a file that is not a database), or unusable (server down, ...)."""
        try:
            yield
        except sa.exc.TimeoutError:  # every pooled connection in use for longer than busy_seconds
            raise SessionsError(BUSY) from None
        except sa.exc.OperationalError as exc:
            if self.path and ("locked" in str(exc.orig) or "busy" in str(exc.orig)):
                raise SessionsError(BUSY) from None
            raise SessionsError(f"cannot use the session store {self.where}: {_first_line(exc)}") from None
        except sa.exc.DatabaseError as exc:
            if self.path:
                problem = f"is unreadable ({_first_line(exc)}); {recovery(self.path)}"
                raise SessionsError(f"the session store {self.path} {problem}") from None
            raise SessionsError(f"the session store {self.where} failed: {_first_line(exc)}") from None


def open_backend(target: Path | str, busy_seconds: float) -> Backend:
    """A SQLite file (a path or ``sqlite:///FILE``) or a PostgreSQL URL (``postgresql://`` means
    psycopg 3). Nothing is connected yet."""
    url = sa.make_url(f"sqlite:///{target}" if isinstance(target, Path) else target)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError("a SQLite session store needs a file: sqlite:///PATH")
        return Backend(_sqlite(url, busy_seconds), Path(url.database), threading.RLock())
    if url.get_backend_name() != "postgresql":
        raise ConfigError(f"sessions go to SQLite or PostgreSQL, not {url.get_backend_name()}")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    try:
        engine = sa.create_engine(
            url,
            pool_pre_ping=True,  # a restarted server leaves dead pooled connections behind
            # A turn holds one connection for its session's lock and borrows another for reads and
            # writes: room for dozens of concurrent turns per instance before "busy".
            pool_size=10,
            max_overflow=50,
            pool_timeout=busy_seconds,
            connect_args={"connect_timeout": max(2, round(busy_seconds))},
        )
    except ModuleNotFoundError as exc:
        raise ConfigError(f"PostgreSQL sessions need {exc.name}: pip install 'chatrec[postgres]'") from None
    return Backend(engine, None)


def _sqlite(url: URL, busy_seconds: float) -> Engine:
    """SQLite with real transactions: every transaction starts ``BEGIN IMMEDIATE``, so a write
    waits its turn (up to ``busy_seconds``) instead of failing on a lock upgrade, and migrations
    are all-or-nothing. (The sqlite3 module's default opens transactions only before writes.)"""
    engine = sa.create_engine(url, connect_args={"timeout": busy_seconds})

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: object, record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _first_line(exc: sa.exc.DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or ["unknown error"])[0]
