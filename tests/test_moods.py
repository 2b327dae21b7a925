"""Moods steer the ranking by the shipped mood index; the index and its agreement sample are sound.

The scenario tests talk as people type and check the cards against the index itself, so they
fail if moods stop steering (the same messages without the index give other cards).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatrec.catalog import Item
from chatrec.catalog.moods import DIMENSIONS, HAS_IT, SAYS_IT, MoodIndex, dimension
from chatrec.dialogue.state import DialogueState
from chatrec.eval.moods import load_requests
from chatrec.ranking.steering import steer
from chatrec.store.chroma import Hit
from tests.test_conversation import bot, film  # noqa: F401  (fixtures and helpers shared)

INDEX = MoodIndex.load()
LABELS = Path(__file__).parents[1] / "chatrec" / "eval" / "mood_labels.jsonl"


def test_the_shipped_index_scores_the_films_with_a_story_and_only_those():
    assert len(INDEX) > 13_000
    assert INDEX.score("no-such-film", "sad") is None
    some = next(iter(INDEX._films))
    assert all(0 <= (INDEX.score(some, d) or 0) <= 100 for d in DIMENSIONS)
    assert dimension("feel-good") == "uplifting" and dimension("chipper") is None


def test_the_agreement_sample_was_labelled_for_every_dimension():
    labels = [json.loads(line) for line in LABELS.read_text().splitlines()]
    assert len(labels) >= 100
    assert {lab["dimension"] for lab in labels} == set(DIMENSIONS)
    assert all(lab["key"] in INDEX for lab in labels)


def test_the_mood_benchmark_has_forty_requests_with_and_without_a_liked_film():
    requests = load_requests()
    assert len(requests) >= 40
    assert all(r.messages and r.judge_note for r in requests)


def _hit(item_id: str, score: float) -> Hit:
    return Hit(Item(item_id, item_id, item_id, {"year": 2000}), score)


FAKE = MoodIndex(DIMENSIONS, {"weepy": [95] + [0] * 13, "mild": [55] + [0] * 13, "dry": [5] + [0] * 13})


def test_a_wish_lifts_the_films_high_on_the_mood():
    state = DialogueState()
    state.like_attributes(moods=["sad"])
    hits = [_hit("dry", 1.0), _hit("mild", 0.9), _hit("weepy", 0.8)]
    assert [h.item.id for h in steer(hits, state, FAKE)] == ["weepy", "mild", "dry"]


def test_a_not_sets_films_with_the_mood_behind_and_films_without_a_story_between():
    state = DialogueState()
    state.dislike_attributes(moods=["sad"])
    hits = [_hit("weepy", 1.0), _hit("unknown", 0.95), _hit("mild", 0.9), _hit("dry", 0.85)]
    assert [h.item.id for h in steer(hits, state, FAKE)] == ["dry", "mild", "unknown", "weepy"]


def test_without_an_index_moods_change_nothing():
    state = DialogueState()
    state.dislike_attributes(moods=["sad"])
    hits = [_hit("weepy", 1.0), _hit("dry", 0.5)]
    ranked = steer(hits, state, MoodIndex(DIMENSIONS, {}))
    assert [h.item.id for h in ranked] == ["weepy", "dry"]


@pytest.mark.parametrize(
    ("messages", "mood"),
    [
        (["need a comedy but nothing too sad pls"], "sad"),
        (["loved goodfellas", "something like it but not so dark"], "dark"),
        (["a horror film that isnt too gory"], "gory"),
    ],
)
def test_a_mood_ruled_out_keeps_films_that_have_it_off_the_cards(bot, messages, mood):  # noqa: F811
    session = bot.new_session()
    for message in messages:
        reply = bot.chat(message, session)
    shown = [r.item_id for r in reply.recommendations]
    assert shown and mood in reply.state.dislikes.moods
    assert not [i for i in shown if INDEX.has(i, mood)], [
        (r.title, INDEX.score(r.item_id, mood)) for r in reply.recommendations
    ]
    assert "stories" in reply.text.split("\n")[0]  # the opening says moods were judged by the stories


@pytest.mark.parametrize(
    ("message", "mood"),
    [
        ("somethin uplifting for a rainy sunday", "uplifting"),
        ("i want a tense one, edge of my seat", "tense"),
    ],
)
def test_a_wished_mood_puts_films_high_on_it_first(bot, message, mood):  # noqa: F811
    reply = bot.chat(message)
    scores = [INDEX.score(r.item_id, mood) for r in reply.recommendations]
    assert scores and all(s is not None and s >= HAS_IT for s in scores), scores
    before = bot.pipeline.moods
    bot.pipeline.moods = MoodIndex(DIMENSIONS, {})  # the same message, moods kept but not steered
    try:
        plain = bot.chat(message)
    finally:
        bot.pipeline.moods = before
    assert [r.item_id for r in plain.recommendations] != [r.item_id for r in reply.recommendations]


def test_the_says_it_band_is_above_the_has_it_band():
    assert 50 < HAS_IT < SAYS_IT <= 100


def test_a_reason_says_the_mood_asked_for_only_of_films_at_the_top_of_it(bot):  # noqa: F811
    reply = bot.chat("i want a tense one, edge of my seat")
    saying = [r for r in reply.recommendations if "tense" in r.reason]
    assert saying, [r.reason for r in reply.recommendations]
    assert all(INDEX.score(r.item_id, "tense") >= SAYS_IT for r in saying)  # type: ignore[operator]
