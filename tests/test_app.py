"""The browser app's handlers in-process, on the real catalog and Chroma with a scripted LLM.

The page itself is driven in a real browser by ``test_app_browser.py``; here are the cases that are
cheaper to reach directly: escaping, failures, filters and removable preferences.
"""

from __future__ import annotations

import json
import sqlite3
import time

import gradio as gr
import pytest

from chatrec.app.web import FAILED, ChatApp, build_app, card_html, preference_entries
from tests.helpers import ScriptedLLM, free_port, make_bot, reason_from_facts

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


@pytest.fixture
def retriever(small_retriever):
    """Logic tests run on the small catalog (see conftest); the full one has its own tests."""
    return small_retriever


@pytest.fixture
def app(retriever, tmp_path) -> ChatApp:
    return ChatApp(make_bot(retriever, tmp_path, ScriptedLLM(script=[reason_from_facts])))


def new_page(app: ChatApp) -> str:
    """What a browser with nothing stored gets on page load: its own new session's token."""
    return app.load(None)[0]


def turn(app: ChatApp, message: str, session_id: str) -> list[tuple]:
    """Every update one message streams to the page."""
    history = app.load(session_id)[1]
    return list(app.respond(message, history, session_id))


def test_card_escapes_every_field():
    card = {
        "item_id": "x",
        "title": EVIL,
        "year": 2031,
        "genres": [EVIL],
        "directors": [EVIL],
        "runtime": 90,
        "rating": EVIL,
        "reason": EVIL,
        "feedback": "disliked",
    }
    rendered = card_html(card)
    assert "<script" not in rendered and "<img" not in rendered
    assert rendered.count("&lt;script&gt;") == 5  # title, genres, director, rating, reason
    assert "will not come back" in rendered


def test_turn_streams_cards_before_text_and_reasons(app):
    s1 = new_page(app)
    updates = turn(app, "I loved Heat. Something similar, but under two hours", s1)
    first_with_cards = next(i for i, u in enumerate(updates) if isinstance(u[2], list) and u[2])
    assert updates[first_with_cards][1][-1]["content"] == "", "cards come before any text"
    _, history, cards, session_id, prefs, *_ = updates[-1]
    assert session_id == s1 and len(cards) == 3
    assert all(c["reason"] and c["runtime"] <= 119 for c in cards)
    assert [m["role"] for m in history] == ["user", "assistant"] and history[-1]["content"]
    assert any(e["group"] == "Likes" and e["label"] == "Heat (1995)" for e in prefs)
    assert any(e["kind"] == "constraint" and e["value"] == "max_runtime" for e in prefs)


def test_chat_text_is_escaped(app):
    s2 = new_page(app)
    _, history, *_ = turn(app, EVIL, s2)[-1]
    assert "<script" not in history[0]["content"] and "&lt;script&gt;" in history[0]["content"]


def test_thumbs_down_marks_the_card_and_the_film_never_returns(app):
    s3 = new_page(app)
    cards = turn(app, "a war drama", s3)[-1][2]
    gone = cards[0]["item_id"]
    marked, prefs = app.feedback(gone, False, s3, cards)
    assert marked[0]["feedback"] == "disliked" and marked[1]["feedback"] == ""
    assert [e["value"] for e in prefs if e["kind"] == "disliked"] == [gone]
    for message in ["show me more", "more war dramas please"]:
        assert gone not in {c["item_id"] for c in turn(app, message, s3)[-1][2]}


def test_reload_restores_conversation_cards_and_feedback(retriever, tmp_path):
    first = ChatApp(make_bot(retriever, tmp_path, ScriptedLLM(script=[reason_from_facts])))
    s4 = new_page(first)
    cards = turn(first, "a heist film", s4)[-1][2]
    first.feedback(cards[1]["item_id"], True, s4, cards)
    again = ChatApp(make_bot(retriever, tmp_path, ScriptedLLM(script=[reason_from_facts])))  # restart
    session_id, history, restored, prefs, *_ = again.load(s4)
    assert session_id == s4 and len(history) == 2
    assert [c["item_id"] for c in restored] == [c["item_id"] for c in cards]
    assert restored[1]["feedback"] == "liked"
    assert [e["value"] for e in prefs if e["kind"] == "liked"] == [cards[1]["item_id"]]
    assert again.load(None)[0] not in ("", s4), "a new browser gets a new session"


def test_filters_feed_the_hard_constraints_and_chips_remove_them(app):
    s5 = new_page(app)
    prefs, year_from, year_to, genres, max_runtime = app.apply_filters(1990, 1995, ["Crime"], 130, s5)
    assert (year_from, year_to, genres, max_runtime) == (1990, 1995, ["Crime"], 130)
    for card in turn(app, "something exciting", s5)[-1][2]:
        assert 1990 <= card["year"] <= 1995 and "Crime" in card["genres"] and card["runtime"] <= 130
    assert {e["value"] for e in prefs if e["kind"] == "constraint"} == {
        "year_from",
        "year_to",
        "genres",
        "max_runtime",
    }
    prefs, year_from, *_ = app.remove("constraint", "year_from", s5)
    assert year_from is None and "year_from" not in {e["value"] for e in prefs}


def test_invalid_filters_are_refused_and_nothing_changes(app):
    s6 = new_page(app)
    app.apply_filters(1990, None, [], None, s6)
    _, year_from, year_to, *_ = app.apply_filters(None, None, [], -5, s6)
    assert (year_from, year_to) == (1990, None)


def test_llm_failure_shows_grounded_cards_and_no_traceback(retriever, tmp_path):
    down = ChatApp(make_bot(retriever, tmp_path, ScriptedLLM(script=[RuntimeError("backend down")])))
    s7 = new_page(down)
    _, history, cards, *_ = turn(down, "a funny animated film for kids", s7)[-1]
    assert len(cards) == 3 and all(c["reason"] for c in cards)
    reply = history[-1]["content"]
    assert reply and reply != FAILED and "Traceback" not in reply and "backend down" not in reply
    assert down.load(s7)[1] == history, "a reload shows the turn as it was shown, notice included"


def test_preference_entries_match_what_remove_takes(app):
    s8 = new_page(app)
    turn(app, "I love Tom Hanks comedies from the 90s, but no horror", s8)
    state = app.bot.state(s8)
    entries = preference_entries(state, app.catalog)
    assert entries
    for entry in entries:
        assert app.bot.state(s8).remove(entry["kind"], entry["value"]), entry


def test_api_chat_and_feedback_return_plain_json(app):
    reply = app.api_chat("a space adventure")
    json.dumps(reply)
    assert len(reply["recommendations"]) == 3 and reply["text"]
    state = app.api_feedback(reply["session_id"], reply["recommendations"][0]["item_id"], False)
    assert reply["recommendations"][0]["item_id"] in state["disliked_ids"]
    with pytest.raises(gr.Error, match="not in the catalog"):  # an id outside the catalog is no 👍
        app.api_feedback(reply["session_id"], "no-such-film", True)
    assert app.bot.state(reply["session_id"]).liked_ids == []


# -- issue 16: sessions belong to their owner; faults in the page stay one line -------------------
def as_user(name: str | None) -> gr.Request:
    """What Gradio passes a handler for a logged-in user (CHATREC_APP_AUTH) or, None, no login."""
    return gr.Request(username=name)


def test_failure1_page_events_cannot_reach_another_users_session(app):
    alice, bob = as_user("alice"), as_user("bob")
    token = app.load(None, alice)[0]
    history = app.load(token, alice)[1]
    *_, (_, history, cards, token, *_) = app.respond("a heist film", history, token, alice)
    app.apply_filters(1990, None, [], None, token, alice)
    before = (app.bot.history(token, user="alice"), app.bot.state(token, user="alice"))

    # Bob holds Alice's token (or her row's key, or a guess): every event gives him nothing of hers.
    for stolen in [token, app.bot.sessions.open(token, "alice"), "alice", ""]:
        mine, shown, restored, prefs, year_from, *_ = app.load(stolen, bob)
        assert mine != token and shown == [] and restored == [] and prefs == [] and year_from is None
        updates = list(app.respond("show me more", [], stolen, bob))
        assert updates[-1][3] != token and len(updates[-1][1]) == 2
        assert app.feedback(cards[0]["item_id"], False, stolen, cards, bob)[0] == cards
        app.remove("constraint", "year_from", stolen, bob)
        app.apply_filters(None, None, [], 60, stolen, bob)
        fresh, chat, shown_cards, *_ = app.new_conversation(stolen, bob)
        assert fresh != token and chat == [] and shown_cards == []
    assert (app.bot.history(token, user="alice"), app.bot.state(token, user="alice")) == before
    assert app.load(token, alice)[1] == history, "Alice's page still shows her conversation"


def test_failure1_new_conversation_empties_only_the_callers_session(app):
    mine, theirs = new_page(app), new_page(app)
    turn(app, "a heist film", mine)
    turn(app, "a war film", theirs)
    token, chat, cards, *_ = app.new_conversation(mine)
    assert token == mine and chat == [] and cards == [] and app.bot.history(mine) == []
    assert len(app.bot.history(theirs)) == 2


def test_failure1_api_sessions_are_issued_and_checked(app):
    with pytest.raises(gr.Error, match="unknown session"):
        app.api_chat("a comedy", "me")
    token = app.api_new_session()
    reply = app.api_chat("a comedy", token)
    assert reply["session_id"] == token
    with pytest.raises(gr.Error, match="unknown session"):
        app.api_feedback("api", reply["recommendations"][0]["item_id"], False)
    with pytest.raises(gr.Error, match="unknown session"):
        app.api_chat("show me more", token, as_user("bob"))
    assert app.api_chat("a comedy")["session_id"] not in ("", token, "api")


def test_failure3_locked_db_gives_a_one_line_busy_reply(app):
    token = new_page(app)
    locker = sqlite3.connect(app.bot.sessions.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    start = time.monotonic()
    try:
        updates = list(app.respond("a war film", [], token))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert time.monotonic() - start < 8  # the session check, then the turn: each gives up at 2.5 s
    reply = updates[-1][1][-1]["content"]
    assert "busy" in reply and "\n" not in reply and reply != FAILED
    assert turn(app, "a war film", token)[-1][2], "the next turn works again"


def test_failure3_invalid_state_row_in_the_page_resets_with_a_notice(app):
    token = new_page(app)
    turn(app, "no horror please", token)
    with sqlite3.connect(app.bot.sessions.path) as db:
        db.execute("UPDATE sessions SET state = 'not json'")
    _, history, cards, *_ = turn(app, "a comedy", token)[-1]
    assert cards and "start afresh" in history[-1]["content"] and history[-1]["content"] != FAILED


def test_failure4_surrogates_and_non_text_in_the_page_and_api(app):
    token = new_page(app)
    _, history, cards, *_ = list(app.respond("a comedy \ud800", [], token))[-1]
    assert cards and "\ud800" not in history[0]["content"]
    _, history, cards, *_ = list(app.respond(None, [], token))[-1]  # type: ignore[arg-type]
    assert history[-1]["content"] and history[-1]["content"] != FAILED
    for bad in (["x"], {"a": 1}, 5):
        with pytest.raises(gr.Error, match="message must be text"):
            app.api_chat(bad, token)
        with pytest.raises(gr.Error, match="session_id must be text"):
            app.api_chat("a comedy", bad)
    year_from = app.apply_filters(float("inf"), None, [], float("nan"), token)[1]
    assert year_from is None


def test_failure1_web_api_over_http_with_logins(app, tmp_path):
    """/new_session, /chat and /feedback through gradio_client, as two logged-in users."""
    from gradio_client import Client

    page = build_app(app.bot)
    port = free_port()
    page.launch(
        server_port=port, auth=[("alice", "a-pass"), ("bob", "b-pass")], prevent_thread_lock=True, quiet=True
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        alice = Client(url, auth=("alice", "a-pass"), verbose=False)
        bob = Client(url, auth=("bob", "b-pass"), verbose=False)
        token = alice.predict(api_name="/new_session")
        reply = alice.predict(message="a heist film", session_id=token, api_name="/chat")
        first = reply["recommendations"][0]["item_id"]
        for call in (
            lambda: bob.predict(message="show me more", session_id=token, api_name="/chat"),
            lambda: bob.predict(session_id=token, item_id=first, liked=False, api_name="/feedback"),
        ):
            with pytest.raises(Exception, match="unknown session"):
                call()
        state = alice.predict(session_id=token, item_id=first, liked=True, api_name="/feedback")
        assert state["liked_ids"] == [first] and not state["disliked_ids"]
        own = bob.predict(message="a comedy", api_name="/chat")
        assert own["session_id"] not in ("", token)
        config = str(bob.config)
        key = app.bot.sessions.path.with_name(app.bot.sessions.path.name + ".key").read_text()
        assert key not in config and token not in config
    finally:
        page.close()


def test_a_blank_message_adds_no_empty_bubble(app):
    session_id = new_page(app)
    *_, (_, history, *_) = turn(app, "   ", session_id)
    assert [m["role"] for m in history] == ["assistant"] and history[0]["content"].strip()


def test_a_question_about_a_card_keeps_the_cards_on_show(app):
    session_id = new_page(app)
    cards = turn(app, "a war drama", session_id)[-1][2]
    updates = turn(app, "how long is the second one?", session_id)
    assert all(u[2] == gr.skip() for u in updates), "the cards stay for a question"
    assert str(cards[1]["runtime"]) in updates[-1][1][-1]["content"]
