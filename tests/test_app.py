"""The browser app's handlers in-process, on the real catalog and Chroma with a scripted LLM.

The page itself is driven in a real browser by ``test_app_browser.py``; here are the cases that are
cheaper to reach directly: escaping, failures, filters and removable preferences.
"""

from __future__ import annotations

import json

import pytest

from chatrec.app.web import FAILED, ChatApp, card_html, preference_entries
from tests.helpers import ScriptedLLM, make_bot, reason_from_facts

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
    first_with_cards = next(i for i, u in enumerate(updates) if u[2])
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
