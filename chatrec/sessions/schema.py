"""The session store's schema: the tables as the store reads them, and the migrations that build
them, applied once each and recorded by name in ``_migrations`` so stored conversations survive
upgrades. Written in SQLAlchemy Core, so the same migrations run on SQLite and PostgreSQL; files
made before SQLAlchemy carry the same names and continue from where they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn

# The tables as they are after every migration below: what the store queries.
metadata = sa.MetaData()
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("owner", sa.Text, nullable=False, server_default=""),
)
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("session_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("recommendations", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("notices", sa.Text, nullable=False, server_default="[]"),
)
session_locks = sa.Table("session_locks", metadata, sa.Column("id", sa.Text, primary_key=True))
server_key = sa.Table(
    "server_key",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.Text, nullable=False),
)
applied = sa.Table(
    "_migrations", metadata, sa.Column("name", sa.Text, primary_key=True), sa.Column("applied", sa.Float)
)

MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = []


def migration(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def add_column(db: Connection, table: str, column: sa.Column) -> None:
    """``ALTER TABLE ... ADD COLUMN`` with the column spelt by the database's own dialect."""
    spec = CreateColumn(column).compile(dialect=db.dialect)
    db.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {spec}"))


@migration
def m001_sessions_and_messages(db: Connection) -> None:
    first = sa.MetaData()  # the tables as they were then, not as they are now
    sa.Table(
        "sessions",
        first,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    sa.Table(
        "messages",
        first,
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("recommendations", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created", sa.Float, nullable=False),
    )
    first.create_all(db)


@migration
def m002_message_notices(db: Connection) -> None:
    """A turn's notices ("the language model was unavailable ...") are part of what the user saw,
    so a reload must show them again."""
    add_column(db, "messages", sa.Column("notices", sa.Text, nullable=False, server_default="[]"))


@migration
def m003_session_owner(db: Connection) -> None:
    """Sessions belong to whoever the server issued them to: the row id is now a keyed hash of the
    session's token, and ``owner`` the logged-in user (empty without a login). Rows from before
    were keyed by ids that anyone could pass in, so no token can reach them any more."""
    add_column(db, "sessions", sa.Column("owner", sa.Text, nullable=False, server_default=""))


@migration
def m004_session_locks(db: Connection) -> None:
    """One row per session that a turn holds ``FOR UPDATE`` (PostgreSQL), so turns of one session
    queue across app instances. Apart from ``sessions``, so that the turn's own writes to its
    session row do not wait for the lock the turn holds."""
    session_locks.create(db)
    db.execute(session_locks.insert().from_select(["id"], sa.select(sessions.c.id)))


@migration
def m005_server_key(db: Connection) -> None:
    """The token-hashing key of a shared database (one row): every app instance must hash a token
    alike, and the database is what they share. A SQLite file keeps its key in a file beside it."""
    server_key.create(db)


def migrate(engine: Engine, attempts: int = 3) -> None:
    """Apply the migrations not yet recorded, all in one transaction. Two instances starting on a
    new database race to create the same tables; the loser retries and finds them done."""
    for attempt in range(attempts):
        try:
            with engine.begin() as db:
                applied.create(db, checkfirst=True)
                done = set(db.scalars(sa.select(applied.c.name)))
                for name, step in MIGRATIONS:
                    if name not in done:
                        step(db)
                        db.execute(applied.insert().values(name=name, applied=time.time()))
            return
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
