"""The dialogue benchmark's cases and its scoring: the shipped parts are well formed, and a reader
is scored for exactly what it read (acts, slots, the film a question is about, the cards)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chatrec.dialogue.state import DialogueState
from chatrec.eval.dialogue import PARTS, SLOT_KEYS, Case, Judge, gold_slots, load_cases, meets, score
from chatrec.understanding.understand import Understanding, Wish

ACTS = {"request", "question", "feedback", "correction", "chitchat"}
FILMS = {"Heat (1995)": "h", "Collateral (2004)": "c", "Thief (1981)": "t", "Alien (1979)": "a"}


@pytest.mark.parametrize("part", list(PARTS))
def test_every_shipped_part_is_well_formed(part):
    cases = load_cases(part)
    assert len(cases) >= 120
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.message.strip() and set(case.gold["acts"]) <= ACTS and case.gold["acts"], case.id
        assert set(case.gold.get("slots") or {}) <= set(SLOT_KEYS) | {"topics"}, case.id
        if "question" in case.gold["acts"]:
            assert case.gold.get("question"), case.id


def test_a_malformed_line_is_skipped_and_said(tmp_path, capsys):
    good = '{"id": "x1", "context": {}, "message": "hi", "gold": {"acts": ["chitchat"]}}'
    (tmp_path / PARTS["tune"]).write_text(f"{good}\nnot json\n{{}}\n")
    assert [c.id for c in load_cases("tune", tmp_path)] == ["x1"]
    assert capsys.readouterr().out.count("skipped") == 2


@dataclass
class Card:
    label: str
    genres: list[str]
    year: int
    people: set[str]


def test_cards_meet_what_the_request_stated():
    card = Card("Alien (1979)", ["Horror", "Sci-Fi"], 1979, {"Ridley Scott"})
    assert meets(card, {"genres": ["Horror"], "year_from": 1970, "year_to": 1979, "people": ["Ridley Scott"]})
    assert not meets(card, {"genres": ["Comedy"]})
    assert not meets(card, {"year_from": 1980})
    assert not meets(card, {"people": ["James Cameron"]})


class Scripted:
    """A reader that says what it is told to, changing the state as a reader would."""

    def read(self, text: str, state: DialogueState) -> Understanding:
        if text.startswith("who"):
            return Understanding("question", acts=["question"], item_id=state.last_shown[1], question="cast")
        state.like("h")
        state.constrain(year_from=1990, year_to=1999, genres=["Crime"])
        return Understanding(acts=["request"], wish=Wish(genres=["Crime"]), moods=["dark"])


def test_a_reader_is_scored_for_what_it_read():
    judge = Judge(FILMS.get, {v: k for k, v in FILMS.items()}.__getitem__)
    cards = {"cards": ["Collateral (2004)", "Thief (1981)", "Alien (1979)"]}
    asked = Case("q", cards, "who stars in the middle one?", {"acts": ["question"], "target": "Thief (1981)"})
    wrong = Case("w", cards, "who is in the last one", {"acts": ["question"], "target": "Alien (1979)"})
    slots = {
        "genres": ["Crime"],
        "year_from": 1990,
        "year_to": 1999,
        "liked": ["Heat (1995)"],
        "moods": ["sad"],
    }
    request = Case(
        "r", {}, "crime from the 90s like heat, something sad", {"acts": ["request"], "slots": slots}
    )
    assert gold_slots(request) == {
        ("genres", "Crime"),
        ("year_from", "1990"),
        ("year_to", "1999"),
        ("liked", "Heat (1995)"),
        ("moods", "sad"),
    }
    ranked = [Card("Heat (1995)", ["Crime"], 1995, set()), Card("Fargo (1996)", ["Crime"], 1996, set())]
    tally = score("scripted", Scripted(), [asked, wrong, request], judge, lambda state, text: ranked)
    row = tally.row("scripted", "test")
    assert row["act_accuracy"] == 1.0
    assert (row["questions"], row["target_accuracy"]) == (2, 0.5)
    assert (tally.slots["tp"], tally.slots["fp"], tally.slots["fn"]) == (4, 1, 1)  # dark for sad
    assert (row["governed"], row["request_governs"]) == (1, 1.0)
    assert any(e.startswith("- w ") for e in tally.errors)
