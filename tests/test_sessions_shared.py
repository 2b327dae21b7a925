"""Sessions shared by processes (issue 18, part 1): one store URL, SQLite or a real PostgreSQL
server that the tests start, the same migrations on both, and turns of one session that queue
across processes instead of losing each other's changes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from chatrec.agent import ChatRec
from chatrec.errors import SessionsError
from chatrec.sessions import SessionStore, StoredMessage
from chatrec.sessions.locks import TURN_BUSY
from chatrec.sessions.schema import MIGRATIONS
from tests.conftest import NAMED
from tests.helpers import (
    ROOT,
    free_port,
    make_settings,
    movie_mapping_file,
    plain_bot,
    postgres,
    run_module,
    serving,
    write_jsonl,
)

# Twenty films of the small catalog, one liked per concurrent turn.
FILMS = sorted(NAMED - {"The Heat (2013)", "Aliens (1986)", "Liar Liar (1997)"})[:20]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def target(request, tmp_path) -> str:
    """Where a store lives: a SQLite file URL, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


def assert_whole_turns(history: list[StoredMessage], sent: list[str]) -> None:
    """Every message sent is in the history once, each followed by its own reply: no turn lost,
    none interleaved with another."""
    assert [m.role for m in history] == ["user", "assistant"] * len(sent)
    assert sorted(m.text for m in history if m.role == "user") == sorted(sent)
    assert all(m.text for m in history if m.role == "assistant")


# -- migrations ------------------------------------------------------------------------------------
def test_migrations_run_once_on_either_backend(target):
    with ThreadPoolExecutor(4) as pool:  # instances starting together on a new database
        stores = list(pool.map(lambda _: SessionStore(target), range(4)))
    token = stores[0].create("alice")
    assert all(store.open(token, "alice") == stores[0].open(token, "alice") for store in stores)
    with stores[0].backend.engine.connect() as db:
        names = [row[0] for row in db.exec_driver_sql("SELECT name FROM _migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    with pytest.raises(Exception, match="unknown session"):
        stores[1].open(token, "bob")


def test_a_sqlite_file_from_before_sqlalchemy_upgrades_with_its_conversations(tmp_path):
    """A file made by the sqlite3 code (migrations m001-m003) keeps every session and message."""
    path = tmp_path / "sessions.db"
    key = bytes(range(32))
    path.with_name("sessions.db.key").write_text(key.hex())
    row = hmac.new(key, b"old-token", hashlib.sha256).hexdigest()
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied REAL);"
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL);"
            "CREATE TABLE messages (session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL,"
            " text TEXT NOT NULL, recommendations TEXT NOT NULL DEFAULT '[]', created REAL NOT NULL,"
            " PRIMARY KEY (session_id, seq));"
            "ALTER TABLE messages ADD COLUMN notices TEXT NOT NULL DEFAULT '[]';"
            "ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
        )
        db.executemany("INSERT INTO _migrations VALUES (?, 0)", [(n,) for n, _ in MIGRATIONS[:3]])
        db.execute("INSERT INTO sessions VALUES (?, ?, 0, 'alice')", (row, '{"liked_ids": ["m1"]}'))
        message = (row, 1, "user", "I loved Heat", "[]", 0, '["a notice"]')
        db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)", message)
    store = SessionStore(path)
    key_row = store.open("old-token", "alice")
    assert store.state(key_row).liked_ids == ["m1"]
    assert store.history(key_row) == [StoredMessage("user", "I loved Heat", [], ["a notice"])]
    with store.locked(key_row):
        store.append(key_row, "assistant", "noted")
    assert [m.text for m in store.history(key_row)] == ["I loved Heat", "noted"]


# -- the turn lock ---------------------------------------------------------------------------------
def test_a_held_session_is_busy_for_another_store_and_free_for_other_sessions(target):
    first, second = SessionStore(target), SessionStore(target, turn_seconds=0.5)
    held, other = first.open(first.create()), first.open(first.create())
    with first.locked(held):
        start = time.monotonic()
        with pytest.raises(SessionsError, match="busy") as busy, second.locked(held):
            pass
        assert str(busy.value) == TURN_BUSY and 0.5 <= time.monotonic() - start < 2
        with second.locked(other):  # another session is not held up
            second.append(other, "user", "hello")
        second.append(held, "user", "a write outside a turn is not blocked by the lock")
    with second.locked(held):
        pass


HOLD = """
import sys, time
from chatrec.sessions import SessionStore
store = SessionStore(sys.argv[1])
with store.locked(sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_killed_holder_frees_its_session_at_once(target):
    """The lock belongs to the process (flock) or its connection (PostgreSQL): a crash frees it."""
    store = SessionStore(target, turn_seconds=5)
    key = store.open(store.create())
    args = [sys.executable, "-c", HOLD, target, key]
    holder = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=ROOT, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SessionsError, match="busy"), SessionStore(target, turn_seconds=0.3).locked(key):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    start = time.monotonic()
    with store.locked(key):
        assert time.monotonic() - start < 2


def test_two_agents_on_one_store_lose_no_concurrent_turn(target, small_retriever, tmp_path):
    """2 x 10 turns at once on one session, through two agents that share nothing but the store
    URL (each with its own connections, lock files and in-process locks)."""
    settings = make_settings(tmp_path, sessions_url=target)
    bots = [plain_bot(small_retriever, settings) for _ in range(2)]
    token = bots[0].new_session()
    sent = [f"I loved {film}" for film in FILMS]
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda i: bots[i % 2].chat(sent[i], token), range(20)))
    assert all(reply.recommendations for reply in replies)
    assert_whole_turns(bots[1].history(token), sent)
    wanted = {small_retriever.titles.link(*split(film)) for film in FILMS}
    assert None not in wanted and wanted <= set(bots[0].state(token).liked_ids)


def split(label: str) -> tuple[str, int]:
    title, year = label.rsplit(" (", 1)
    return title, int(year.rstrip(")"))


# -- PostgreSQL down -------------------------------------------------------------------------------
def test_postgres_down_is_one_line_and_coming_back_needs_no_restart(small_retriever, tmp_path):
    with postgres() as server:
        bot: ChatRec = plain_bot(small_retriever, make_settings(tmp_path, sessions_url=server.url))
        token = bot.new_session()
        bot.chat("a heist film", token)
        server.stop()
        start = time.monotonic()
        calls = (  # a new session's token needs no database (it is signed), its first turn does
            lambda: bot.chat("show me more", token),
            lambda: bot.chat("a heist film", bot.new_session()),
            lambda: bot.history(token),
        )
        for call in calls:
            with pytest.raises(SessionsError) as down:
                call()
            message = str(down.value)
            assert "\n" not in message and "cannot use the session store" in message
            assert f"127.0.0.1:{server.port}" in message
        assert time.monotonic() - start < 10
        server.start()
        assert bot.chat("show me more", token).recommendations
        assert len(bot.history(token)) == 4, "the failed turn left nothing half-written"


# -- two app processes on one PostgreSQL database -------------------------------------------------
def app_env(data: Path) -> dict[str, str]:
    """An app instance: its own data dir (a copy of the catalog store), and an LLM server that is
    not there (every reply falls back to catalog-built reasons at once)."""
    return {
        **os.environ,
        "CHATREC_DATA_DIR": str(data),
        "CHATREC_COLLECTION": "films",
        "CHATREC_LLM": "openai",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "OPENAI_API_KEY": "none",
    }


def test_two_app_instances_share_sessions_through_postgres(postgres_url, movie_rows, tmp_path):
    from gradio_client import Client

    by_reviews = sorted(movie_rows, key=lambda r: -int(r.get("reviews") or 0))
    rows = [r for r in movie_rows if f"{r.get('title')} ({r.get('year')})" in NAMED] + by_reviews[:150]
    source = write_jsonl(tmp_path / "films.jsonl", rows)
    mapping = movie_mapping_file(tmp_path / "mapping.json")
    first = tmp_path / "a"
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping), env=app_env(first))
    assert done.returncode == 0, done.stderr
    shutil.copytree(first, tmp_path / "b")
    urls = []
    with ExitStack() as stack:
        for name in ("a", "b"):
            port = free_port()
            env = {**app_env(tmp_path / name), "CHATREC_SESSIONS_URL": postgres_url}
            log = stack.enter_context((tmp_path / f"{name}.log").open("w"))
            args = [sys.executable, "app.py", "--port", str(port)]
            stack.enter_context(serving(args, port, seconds=240, cwd=ROOT, env=env, stdout=log, stderr=log))
            urls.append(f"http://127.0.0.1:{port}/")
        for url in urls:  # what a load balancer asks before it sends anyone here
            with urllib.request.urlopen(f"{url}healthz", timeout=10) as health:
                assert health.status == 200
                body = json.load(health)
            assert body["status"] == "ready" and body["items"] >= 150 and body["sessions"] == 0
        a, b = (Client(url, verbose=False) for url in urls)

        token = a.predict(api_name="/new_session")
        started = a.predict(message="I loved Heat (1995)", session_id=token, api_name="/chat")
        continued = b.predict(message="show me more", session_id=token, api_name="/chat")
        assert continued["session_id"] == token
        assert continued["state"]["liked_ids"] == started["state"]["liked_ids"] != []
        shown_on_a = {r["item_id"] for r in started["recommendations"]}
        assert shown_on_a <= set(continued["state"]["shown_ids"])
        assert not shown_on_a & {r["item_id"] for r in continued["recommendations"]}

        token = b.predict(api_name="/new_session")
        sent = [f"I loved {film}" for film in FILMS]
        clients = [a, b] * 10
        pairs = zip(clients, sent, strict=True)
        jobs = [c.submit(message=text, session_id=token, api_name="/chat") for c, text in pairs]
        replies = [job.result(timeout=300) for job in jobs]
    store = SessionStore(postgres_url)
    key = store.open(token)
    assert_whole_turns(store.history(key), sent)
    assert len(set(store.state(key).liked_ids)) == len(FILMS) == 20
    assert all(reply["session_id"] == token for reply in replies)
