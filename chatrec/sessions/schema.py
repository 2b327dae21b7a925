"""The session store's schema as registered migrations; applied ones are recorded in the database,
so stored conversations survive upgrades."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

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


@migration
def m003_session_owner(db: sqlite3.Connection) -> None:
    """Sessions belong to whoever the server issued them to: the row id is now a keyed hash of the
    session's token, and ``owner`` the logged-in user (empty without a login). Rows from before
    were keyed by ids that anyone could pass in, so no token can reach them any more."""
    db.execute("ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
