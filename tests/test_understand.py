"""Rule-based understanding on a tiny in-memory catalog: each rule with its known answer."""

from __future__ import annotations

import pytest

from chatrec.catalog import Catalog
from chatrec.catalog.credits import Credits
from chatrec.catalog.titles import TitleIndex
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.understand import Understander
from chatrec.writing.answers import answer

CATALOG = {
    "h95": {
        "title": "Heat",
        "year": 1995,
        "runtime": 170,
        "reviews": 154,
        "genres": ["Crime", "Thriller"],
        "directors": ["Michael Mann"],
        "cast": ["Al Pacino", "Robert De Niro"],
        "languages": ["English"],
    },
    "h13": {"title": "The Heat", "year": 2013, "runtime": 117, "reviews": 200, "genres": ["Comedy"]},
    "gf": {
        "title": "The Godfather",
        "year": 1972,
        "runtime": 175,
        "reviews": 100,
        "genres": ["Crime", "Drama"],
        "directors": ["Francis Ford Coppola"],
        "cast": ["Al Pacino"],
        "languages": ["English", "Italian"],
    },
    "am": {
        "title": "Amélie",
        "year": 2001,
        "runtime": 122,
        "reviews": 90,
        "genres": ["Comedy", "Romance"],
        "languages": ["French"],
        "rating": "R",
    },
    "sf": {"title": "Alien", "year": 1979, "runtime": 117, "reviews": 80, "genres": ["Horror", "Sci-Fi"]},
}


@pytest.fixture
def reader() -> Understander:
    vocabulary = Vocabulary.from_metadata(CATALOG)
    return Understander(TitleIndex.from_metadata(CATALOG), vocabulary, Catalog(CATALOG))


def read(reader, text, state=None):
    state = state or DialogueState()
    return reader.read(text, state), state


@pytest.mark.parametrize(
    ("text", "year_from", "year_to"),
    [
        ("anything from the 80s?", 1980, 1989),
        ("a 1990s thriller", 1990, 1999),
        ("before 2000 please", None, 1999),
        ("nothing before 1975", 1975, None),
        ("after 1995", 1996, None),
        ("since 2005", 2005, None),
        ("between 1990 and 1980", 1980, 1990),
        ("made in 1994", 1994, 1994),
        ("anything from 2011 or 2012 thats a good thriller", 2011, 2012),
    ],
)
def test_years(reader, text, year_from, year_to):
    _, state = read(reader, text)
    assert (state.constraints.year_from, state.constraints.year_to) == (year_from, year_to)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("under two hours", 119),
        ("less than 90 minutes", 89),
        ("at most 100 mins", 100),
        ("no longer than 2 hours", 120),
        ("under an hour and a half", 89),
        ("something short", 100),
    ],
)
def test_runtime(reader, text, minutes):
    assert read(reader, text)[1].constraints.max_runtime == minutes


def test_like_a_title_but_shorter(reader):
    result, state = read(reader, "something like Heat but shorter")
    assert state.liked_ids == ["h95"]  # "Heat", not "The Heat"
    assert state.constraints.max_runtime == int(170 * 0.85)
    assert result.intent == "request"


def test_dislike_and_fuzzy_title(reader):
    _, state = read(reader, "I hated The Godfather")
    assert state.disliked_ids == ["gf"] and "gf" in state.excluded_ids()
    _, state = read(reader, "I loved the godfathr")
    assert state.liked_ids == ["gf"]


def test_common_words_are_not_titles(reader):
    _, state = read(reader, "it was a heat wave in the city")
    assert not state.liked_ids and not state.mentioned_ids


def test_genres_languages_ratings_people(reader):
    _, state = read(reader, "a French comedy, no horror, PG-13 at most, with Al Pacino")
    c = state.constraints
    assert c.languages == ["French"] and c.not_genres == ["Horror"] and c.ratings == ["G", "PG", "PG-13"]
    assert state.likes.genres == ["Comedy"] and state.likes.people == ["Al Pacino"]
    _, state = read(reader, "nothing scary", state)
    assert state.constraints.not_genres == ["Horror"]


def test_later_year_bound_replaces_a_contradicting_one(reader):
    _, state = read(reader, "before 1990")
    read(reader, "after 2000", state)
    assert (state.constraints.year_from, state.constraints.year_to) == (2001, None)
    read(reader, "any year is fine", state)
    assert state.constraints.year_from is None


def test_turn_kinds(reader):
    state = DialogueState()
    state.record_shown(["gf", "am", "sf"], {"gf": "It is a crime film."})
    assert read(reader, "hi there!", state)[0].intent == "greeting"
    assert read(reader, "   ", state)[0].intent == "empty"
    why = read(reader, "why did you suggest The Godfather?", state)[0]
    assert (why.intent, why.item_id) == ("why", "gf")
    question = read(reader, "how long is the second one?", state)[0]
    assert (question.intent, question.item_id, question.question) == ("question", "am", "runtime")
    assert read(reader, "show me more", state)[0].intent == "more"
    result, state = read(reader, "not that one", state)  # the one just discussed, not the first
    assert result.intent == "feedback" and "am" in state.disliked_ids
    result, state = read(reader, "I've seen the first one", state)
    assert "gf" in state.mentioned_ids and result.intent == "feedback"


def test_him_her_and_that_director_are_the_people_of_the_film_in_question(reader):
    state = DialogueState()
    state.like("gf")
    _, state = read(reader, "seen Heat. anything else with him?", state)
    assert state.constraints.people == ["Al Pacino"]  # of Heat's leads, the one in the liked film too
    state = DialogueState()
    state.record_shown(["sf", "h95", "am"], {})
    _, state = read(reader, "the middle one looks good, more from that director pls", state)
    assert state.constraints.people == ["Michael Mann"]
    _, state = read(reader, "nothing by him tho", state)
    assert "Michael Mann" in state.dislikes.people
    state.record_shown(["gf", "h95", "am"], {})
    _, state = read(reader, "the de niro one looks good, more with him", state)
    assert state.constraints.people == ["Robert De Niro"]  # named now, not the person said before


@pytest.mark.parametrize(
    ("before", "correction", "years"),
    [
        ("dramas after 1994", "typo sorry, meant 1985 not 1995", (1985, None)),
        ("anything from 1995", "oops i meant 1985 not 1995", (1985, 1985)),
        ("an 80s comedy", "sorry, 1989 exactly, i meant the year not the whole decade", (1989, 1989)),
    ],
)
def test_a_correction_with_bare_years_moves_the_bound_it_names(reader, before, correction, years):
    _, state = read(reader, before)
    _, state = read(reader, correction, state)
    assert (state.constraints.year_from, state.constraints.year_to) == years


def test_one_card_and_the_other_two(reader):
    state = DialogueState()
    state.record_shown(["gf", "h95", "am"], {})
    _, state = read(reader, "liked the middle one, didnt like the other two", state)
    assert state.liked_ids == ["h95"] and set(state.disliked_ids) == {"gf", "am"}


def test_strip_titles():
    from chatrec.catalog.titles import strip_titles

    assert strip_titles("I loved Heat (1995), something like heat", ["Heat"]) == "I loved , something like"


def test_tell_me_more_names_the_best_known_cast_first_not_the_alphabet():
    films = {f"n{k}": {"title": f"Neeson film {k}", "cast": ["Liam Neeson"]} for k in range(5)}
    taken = {"title": "Taken", "year": 2008, "cast": ["Alban Lenoir", "Anatole Taubman", "Liam Neeson"]}
    catalog = Catalog({**films, "taken": taken})
    said = answer(catalog, "taken", "story", DialogueState(), Credits(catalog))
    assert "with Liam Neeson, Alban Lenoir" in said, said


def test_the_best_known_are_by_the_reviews_of_their_films_and_a_billing_order_is_kept():
    busy = {f"b{k}": {"title": f"Small film {k}", "cast": ["Aaron Busy"], "reviews": 5} for k in range(9)}
    hits = {f"h{k}": {"title": f"Hit {k}", "cast": ["Zoe Star"], "reviews": 300} for k in range(2)}
    credits = Credits(Catalog({**busy, **hits}))
    # alphabetical (the old catalog's casts): 600 reviews beat nine credits of 45
    assert credits.best_known(["Aaron Busy", "Zoe Star"]) == ["Zoe Star", "Aaron Busy"]
    # billed so (the recent films' casts): kept as billed
    assert credits.best_known(["Zoe Star", "Aaron Busy"]) == ["Zoe Star", "Aaron Busy"]
    billed = ["Zed Lead", "Aaron Busy", "Zoe Star"]
    assert credits.best_known(billed) == billed


@pytest.mark.parametrize(
    ("text", "hard"),
    [
        ("i like comedies and horror movies", []),  # named apart: either will do
        ("crime, comedy, horror... anything really", []),
        ("horror or comedy", []),
        ("a crime comedy", ["Crime", "Comedy"]),  # a compound: both
        ("a sci-fi horror pls", ["Sci-Fi", "Horror"]),
        ("a comedy-horror", ["Comedy", "Horror"]),
        ("horror but also a comedy", ["Horror", "Comedy"]),  # joined otherwise than a list: both
        ("horror movies and comedies", []),
        ("any good horror?", ["Horror"]),
    ],
)
def test_genres_named_apart_are_a_choice_a_compound_asks_for_both(reader, text, hard):
    _, state = read(reader, text)
    assert state.constraints.genres == hard
    assert len(state.likes.genres) >= max(len(hard), 1)  # a choice still steers
