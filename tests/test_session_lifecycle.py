"""Sessions over months (issue 30, part 1): nothing stored for callers who never say anything,
no lock files left behind, idle sessions removed after the retention on SQLite and PostgreSQL,
and a cap on the sessions one client address starts per hour on the web API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
import sqlalchemy as sa

from chatrec.agent import ChatRec
from chatrec.app.web.handlers import ChatApp
from chatrec.app.web.limits import WINDOW_SECONDS, NewSessionCap, TooManySessions
from chatrec.errors import UnknownSession
from chatrec.sessions import SessionStore
from chatrec.sessions.schema import messages, session_locks, sessions
from chatrec.sessions.store import DAY_SECONDS
from tests.helpers import ROOT, ScriptedLLM, make_bot, reason_from_facts


@pytest.fixture
def bot(small_retriever, tmp_path) -> ChatRec:
    return make_bot(small_retriever, tmp_path, ScriptedLLM(script=[reason_from_facts]))


def lock_files(store: SessionStore) -> list[Path]:
    assert store.path is not None
    locks = store.path.with_name(store.path.name + ".locks")
    return sorted(locks.iterdir()) if locks.is_dir() else []


def address(host: str) -> SimpleNamespace:
    """What the handlers read of Gradio's request: the client's address, no login."""
    return SimpleNamespace(client=SimpleNamespace(host=host), username=None)


def test_a_thousand_calls_without_a_token_store_nothing(bot):
    """Page loads, new sessions, blank messages, start-overs and reads with a new token: 1,000
    calls through the web handlers and the Python API leave no row and no lock file."""
    app = ChatApp(bot)
    calls = [
        lambda: app.load(None),
        lambda: app.api_new_session(),
        lambda: app.new_conversation(None),
        lambda: list(app.respond("   ", [], None)),
        lambda: bot.chat("", bot.new_session()),
        lambda: bot.history(bot.new_session()),
        lambda: bot.state(bot.new_session()),
        lambda: bot.owns(bot.new_session()),
    ]
    for n in range(1000):
        calls[n % len(calls)]()
    assert bot.sessions.count() == 0 and lock_files(bot.sessions) == []
    assert len(bot._locks) == 0


def test_a_real_turn_stores_its_session_and_leaves_no_lock_file(bot):
    sessions = [bot.new_session() for _ in range(5)]
    for session in sessions:
        bot.chat("something like heat", session)
    bot.feedback(bot.new_session(), next(iter(bot.catalog)), liked=True)
    assert bot.sessions.count() == 6 and lock_files(bot.sessions) == []
    assert [m.role for m in bot.history(sessions[0])] == ["user", "assistant"]


def test_a_token_is_good_before_its_first_turn_only_for_its_owner(bot):
    token = bot.new_session("alice")
    assert bot.owns(token, user="alice") and not bot.owns(token, user="bob") and not bot.owns(token)
    nonce, _, signature = token.rpartition(".")
    forged = f"{nonce}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    other = "y" if nonce.endswith("x") else "x"  # a nonce ending in "x" would stay the same
    for wrong in (forged, nonce, f"{nonce[:-1]}{other}.{signature}", "."):
        assert not bot.owns(wrong, user="alice")
    bot.chat("a comedy please", token, user="alice")
    with pytest.raises(UnknownSession):
        bot.chat("and mine?", token, user="bob")
    assert bot.sessions.count() == 1


def test_a_lock_file_left_by_a_crash_goes_with_the_retention(bot):
    key = bot.sessions.open(bot.new_session())
    locks = bot.sessions.path.with_name(bot.sessions.path.name + ".locks")
    locks.mkdir(exist_ok=True)
    (locks / key).write_text("")
    old = time.time() - 40 * DAY_SECONDS
    os.utime(locks / key, (old, old))
    (locks / "recent").write_text("")
    assert bot.sessions.prune(30) == 0
    assert [p.name for p in lock_files(bot.sessions)] == ["recent"]


def test_a_held_lock_file_is_never_removed(bot):
    key = bot.sessions.open(bot.new_session())
    with bot.sessions.locked(key):
        path = lock_files(bot.sessions)[0]
        old = time.time() - 40 * DAY_SECONDS
        os.utime(path, (old, old))
        bot.sessions.prune(30)
        assert lock_files(bot.sessions) == [path]
    assert lock_files(bot.sessions) == []


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def test_a_session_idle_past_the_retention_is_gone_after_cleanup(backend, request, tmp_path):
    target = (
        f"sqlite:///{tmp_path / 's.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    )
    store = SessionStore(target)
    idle, used = store.create("alice"), store.create("alice")
    for token in (idle, used):
        store.append(store.open(token, "alice"), "user", "hello")
    quiet = sessions.update().where(sessions.c.id == store.open(idle, "alice"))
    with store._db() as db:  # the first one has not been used for a month and a day
        db.execute(quiet.values(updated=time.time() - 31 * DAY_SECONDS))
    assert store.prune(30) == 1 and store.count() == 1
    assert store.history(store.open(idle, "alice")) == []  # its token opens an empty session
    assert [m.text for m in store.history(store.open(used, "alice"))] == ["hello"]
    assert store.prune(30, now=time.time() + 31 * DAY_SECONDS) == 1 and store.count() == 0
    with store._db() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(messages)) == 0
        assert db.scalar(sa.select(sa.func.count()).select_from(session_locks)) == 0


def test_chatrec_sessions_prune_reports_what_it_removed(tmp_path):
    env = {**os.environ, "CHATREC_DATA_DIR": str(tmp_path)}
    store = SessionStore(tmp_path / "sessions.db")
    store.append(store.open(store.create()), "user", "hi")
    with store._db() as db:  # a month and a day without a word
        db.exec_driver_sql("UPDATE sessions SET updated = updated - ?", (31 * DAY_SECONDS,))
    run = [sys.executable, "-m", "chatrec", "sessions", "prune"]
    done = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "removed 1 sessions idle for more than 30 days; 0 remain" in done.stdout
    bad = subprocess.run([*run, "--days", "-3"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "must be a number of days above 0" in bad.stderr


def test_new_sessions_per_address_are_capped_per_hour(bot):
    app = ChatApp(bot)
    app.new_sessions = cap = NewSessionCap(3)
    clock = [1000.0]
    cap._now = lambda: clock[0]
    for _ in range(3):
        app.api_new_session(address("10.0.0.1"))
    with pytest.raises(gr.Error, match="too many new conversations from your address"):
        app.api_new_session(address("10.0.0.1"))
    with pytest.raises(gr.Error, match="too many new conversations"):
        app.api_chat("hi", None, address("10.0.0.1"))
    app.api_new_session(address("10.0.0.2"))  # another address is not held back
    assert app.load(app.api_new_session(address("10.0.0.2")), address("10.0.0.2"))[0]  # its own: no count
    clock[0] += WINDOW_SECONDS
    assert app.api_chat("hi", None, address("10.0.0.1"))["session_id"]  # a new hour


def test_the_python_api_and_a_cap_of_zero_have_no_cap(bot):
    for _ in range(300):
        bot.new_session()
    uncapped = NewSessionCap(0)
    for _ in range(300):
        uncapped.take("10.0.0.1")
    with pytest.raises(TooManySessions):
        capped = NewSessionCap(1)
        capped.take("10.0.0.1")
        capped.take("10.0.0.1")
