"""The deployment's failure modes (issue 18, part 4): app instances over PostgreSQL sessions,
`chroma run` and an OpenAI-compatible LLM server, each piece taken away mid-conversation.

Whatever is down, the turn ends with one clear line, and the session keeps no half-written turn:
the history holds every message with its reply or not at all, and the state is not advanced by a
turn that was not stored. Servers are real: a throwaway PostgreSQL cluster, a `chroma run`
process, and a closed port where the LLM server should be.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from chatrec.agent import ChatRec
from chatrec.app.web import ChatApp
from chatrec.errors import SessionsError, StoreError
from chatrec.events import Recommendations
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.llm.backends import build_chat_model
from chatrec.retrieval import retriever as retriever_module
from chatrec.sessions import SessionStore
from chatrec.store.chroma import Store
from chatrec.writing.prompts import reply as canned
from tests.helpers import (
    ScriptedLLM,
    free_port,
    make_bot,
    make_settings,
    plain_bot,
    postgres,
    reason_from_facts,
)
from tests.test_chroma_server import chroma_server


def snapshot(bot: ChatRec, token: str) -> tuple[list, dict]:
    """What a session holds: its messages (role, text) and its state."""
    history = [(m.role, m.text) for m in bot.history(token)]
    return history, bot.state(token).model_dump()


def one_line(message: str) -> str:
    assert message and "\n" not in message and "Traceback" not in message, message
    return message


# -- PostgreSQL --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_postgres_down_mid_turn_keeps_no_half_turn_and_the_app_says_so(small_retriever, tmp_path):
    """The server stops after the turn has ranked (its cards are on the page) and before it is
    stored: the app's reply is one line naming the store, and after a restart the session is as
    it was before that turn."""
    with postgres() as server:
        bot = plain_bot(small_retriever, make_settings(tmp_path, sessions_url=server.url))
        app = ChatApp(bot)
        token = bot.new_session()
        bot.chat("I loved Heat, a crime film please", token)
        before = snapshot(bot, token)

        updates, stopped = [], False
        for update in app.respond("something from the 80s", [], token):
            updates.append(update)
            if update[2] and not stopped:  # the cards are on the page: take the database away
                server.stop()
                stopped = True
        _, history, cards, *_ = updates[-1]
        said = one_line(history[-1]["content"])
        assert said.startswith("Sorry, I cannot answer right now: cannot use the session store")
        assert f"chatrec@127.0.0.1:{server.port}" in said and cards, "the cards stay"

        server.start()
        assert snapshot(bot, token) == before, "the failed turn left no message and no state change"
        reply = bot.chat("something from the 80s", token)
        assert reply.recommendations and all(1980 <= r.year <= 1989 for r in reply.recommendations)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.db'}"
    return request.getfixturevalue("postgres_url")


REFUSE_REPLIES = {  # the database refuses the turn's second write (the reply), as a full disk would
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.role = 'assistant' "
        "BEGIN SELECT RAISE(ABORT, 'no space left on device'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'no space left on device'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE INSERT ON messages FOR EACH ROW "
        "WHEN (NEW.role = 'assistant') EXECUTE FUNCTION refuse()",
    ],
}


def test_a_store_failing_half_way_through_a_turn_keeps_none_of_it(small_retriever, tmp_path, target):
    """The message and its reply are stored together or not at all (on the code before this
    test, the user's message and the new state stayed without a reply)."""
    bot = plain_bot(small_retriever, make_settings(tmp_path, sessions_url=target))
    token = bot.new_session()
    bot.chat("a heist film", token)
    before = snapshot(bot, token)
    engine = sa.create_engine(target)
    with engine.begin() as db:
        for statement in REFUSE_REPLIES[engine.dialect.name]:
            db.exec_driver_sql(statement)
    engine.dispose()
    with pytest.raises(SessionsError) as failed:
        bot.chat("I loved Jaws, something from the 70s", token)
    assert "no space left on device" in one_line(str(failed.value))
    assert snapshot(bot, token) == before


def test_postgres_down_at_start_is_one_line(small_retriever, tmp_path):
    closed = f"postgresql://chatrec:SECRET@127.0.0.1:{free_port()}/chatrec"
    with pytest.raises(SessionsError) as down:
        SessionStore(closed)
    said = one_line(str(down.value))
    assert said.startswith("cannot use the session store postgresql+psycopg://chatrec:***@127.0.0.1")
    assert "SECRET" not in said


# -- Chroma ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_chroma_killed_mid_conversation_then_back(tmp_path, embedder, movie_rows, monkeypatch):
    """`chroma run` is killed between two turns. An instance holding the catalog in memory (up to
    IN_MEMORY_ITEMS items, read once) keeps answering. With a catalog too big for that, every turn
    queries the server: the next one is one line naming it and stores nothing, a greeting still
    works, and once a server is back on the same address the same agent answers, with no restart."""
    path = tmp_path / "server"
    llm = ScriptedLLM(script=[reason_from_facts])
    with chroma_server(path) as (proc, url):
        settings = make_settings(tmp_path, chroma_url=url, collection="deploy_films")
        run_ingest(movie_rows[:300], movies.MAPPING, Store(settings), embedder)
        held = ChatRec.from_settings(settings, llm=llm)
        held_token = held.new_session()
        assert held.chat("a drama", held_token).recommendations
        monkeypatch.setattr(retriever_module, "IN_MEMORY_ITEMS", 0)  # as for a catalog of millions
        bot = ChatRec.from_settings(settings, llm=llm)
        token = bot.new_session()
        assert bot.chat("a drama", token).recommendations
        before = snapshot(bot, token)
        proc.kill()
        proc.wait(timeout=30)

    assert held.chat("I loved it, something from the 90s", held_token).recommendations
    assert len(held.history(held_token)) == 4, "whole turns from the catalog in memory"
    with pytest.raises(StoreError) as down:
        bot.chat("I loved it, something from the 90s", token)
    assert one_line(str(down.value)).startswith(f"the catalog store at {url} could not")
    assert snapshot(bot, token) == before, "the failed turn left no message and no state change"
    assert bot.chat("hello", token).text, "turns that need no catalog still work"

    with chroma_server(path, port=int(url.rsplit(":", 1)[1])):
        assert bot.chat("a comedy", token).recommendations
    assert len(bot.history(token)) == 6


# -- the LLM server --------------------------------------------------------------------------------
def test_llm_server_down_gives_whole_turns_with_catalog_reasons(small_retriever, tmp_path, monkeypatch):
    """Nothing listens where the OpenAI-compatible server should be: every turn is still whole,
    with catalog-built reasons and one line saying so, at once (no retries, no waiting)."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    model = build_chat_model(make_settings(tmp_path, llm="openai", llm_model="qwen2.5:0.5b"))
    bot = make_bot(small_retriever, tmp_path, model)
    token = bot.new_session()
    events = list(bot.stream("a heist film from the 90s", token))
    reply = events[-1].reply
    assert any(isinstance(e, Recommendations) for e in events)
    assert len(reply.recommendations) == 3 and all(r.reason for r in reply.recommendations)
    assert reply.notices == [canned("llm_fallback")]
    history = bot.history(token)
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].notices == reply.notices and len(history[1].recommendations) == 3
    assert bot.state(token).shown_ids == [r.item_id for r in reply.recommendations], (
        "a whole turn advances the state"
    )
