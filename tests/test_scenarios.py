# ruff: noqa: E501  (the scenario table reads best one conversation a line)
"""Conversations as people type them, through ChatRec, asserting the state and the shown items.

The catalog is a real slice of the default one (the films these scenarios name plus the most
reviewed 700), embedded into a temporary Chroma store, so the whole suite takes seconds; the
reader uses its shipped statistics, the LLM is scripted (its own tests cover the real ones).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chatrec.agent import ChatRec
from chatrec.events import Reply
from tests.helpers import make_settings, plain_bot


@pytest.fixture
def bot(small_retriever, tmp_path) -> ChatRec:
    """The agent on the shared small catalog (see conftest: it holds every film named here), with
    the ranking's retrieval and steering but no cross-encoder, so 60+ conversations stay quick."""
    retriever = small_retriever
    settings = make_settings(tmp_path)
    return plain_bot(retriever, settings)


def talk(bot: ChatRec, *messages: str, session: str | None = None) -> Reply:
    """The messages in one conversation: ``session``, or a new one."""
    session = session or bot.new_session()
    replies = [bot.chat(m, session) for m in messages]
    return replies[-1]


def film(bot: ChatRec, label: str) -> str:
    item_id = bot.retriever.titles.link_name(label)
    assert item_id, label
    return item_id


Check_ = Callable[[ChatRec, Reply], None]


def liked(*labels: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        for label in labels:
            assert film(bot, label) in reply.state.liked_ids, (label, reply.state)
            assert film(bot, label) not in [r.item_id for r in reply.recommendations]

    return check


def disliked(*labels: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        for label in labels:
            assert film(bot, label) in reply.state.disliked_ids, (label, reply.state)

    return check


def seen_not_liked(*labels: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        for label in labels:
            item_id = film(bot, label)
            assert item_id in reply.state.mentioned_ids and item_id not in reply.state.liked_ids

    return check


def nothing_liked(bot: ChatRec, reply: Reply) -> None:
    assert not reply.state.liked_ids and not reply.state.disliked_ids, reply.state


def years(low: int, high: int | None) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        c = reply.state.constraints
        assert (c.year_from, c.year_to) == (low, high), c
        top = high or 10_000
        assert reply.recommendations and all(low <= (r.year or 0) <= top for r in reply.recommendations)

    return check


def no_years(bot: ChatRec, reply: Reply) -> None:
    assert (reply.state.constraints.year_from, reply.state.constraints.year_to) == (None, None)


def runtime(low: int | None, high: int | None) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        c = reply.state.constraints
        assert (c.min_runtime, c.max_runtime) == (low, high), c
        for r in reply.recommendations:
            assert r.runtime is not None and (low or 0) <= r.runtime <= (high or 10_000), r

    return check


def mostly_genre(genre: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert genre in reply.state.likes.genres, reply.state.likes
        matching = [r for r in reply.recommendations if genre in r.genres]
        assert len(matching) >= 2, [(r.label, r.genres) for r in reply.recommendations]

    return check


def avoids_genre(genre: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert genre in reply.state.constraints.not_genres, reply.state.constraints
        assert all(genre not in r.genres for r in reply.recommendations)

    return check


def avoids_person(name: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert name in reply.state.dislikes.people, reply.state.dislikes
        for r in reply.recommendations:
            meta = bot.retriever.catalog[r.item_id]
            assert name not in [*meta.get("cast", []), *meta.get("directors", [])], r.label

    return check


def no_liked_genre(genre: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert genre not in reply.state.likes.genres, reply.state.likes

    return check


def likes_genre(genre: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert genre in reply.state.likes.genres, reply.state.likes

    return check


def no_liked_topic(topic: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert topic not in reply.state.likes.topics, reply.state.likes

    return check


def avoids_topic(topic: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert topic in reply.state.dislikes.topics and topic not in reply.state.likes.topics, reply.state
        assert reply.recommendations
        for r in reply.recommendations:
            assert topic not in bot.retriever.catalog[r.item_id].get("topics", []), r.label

    return check


def no_topics(bot: ChatRec, reply: Reply) -> None:
    assert not reply.state.likes.topics, reply.state.likes  # "a big fan of" names no stalker film


def likes_person(name: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert name in reply.state.likes.people, reply.state.likes

    return check


def by_person(name: str) -> Check_:
    """The person asked for governs: every card credits them."""

    def check(bot: ChatRec, reply: Reply) -> None:
        assert name in reply.state.constraints.people, reply.state.constraints
        for r in reply.recommendations:
            meta = bot.retriever.catalog[r.item_id]
            assert name in [*meta.get("cast", []), *meta.get("directors", [])], r.label

    return check


def avoids_mood(mood: str) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert mood in reply.state.dislikes.moods and mood not in reply.state.likes.moods, reply.state

    return check


def answers_about(label: str, *, intent: str = "question") -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        meta = bot.retriever.catalog[film(bot, label)]
        assert reply.intent == intent and meta["title"] in reply.text, reply.text

    return check


def answers_about_shown(index: int) -> Check_:
    def check(bot: ChatRec, reply: Reply) -> None:
        assert reply.intent == "question", reply.intent
        target = bot.retriever.catalog[reply.state.last_shown[index]]["title"]
        assert target in reply.text, (target, reply.text)

    return check


def unclear(bot: ChatRec, reply: Reply) -> None:
    assert reply.intent == "unclear" and "?" in reply.text and len(reply.recommendations) <= 3


def answered(bot: ChatRec, reply: Reply) -> None:
    assert reply.text.strip()


# fmt: off
SCENARIOS: list[tuple[str, list[str], list[Check_]]] = [
    # titles anywhere: no cue word, lists, lower case, typos, no year
    ("numbered-list", ["i like: 1. toy story 2. finding nemo 3. up. my kid is 6"], [liked("Toy Story (1995)", "Finding Nemo (2003)")]),
    ("favourites", ["Inception and Memento are two of my all-time favourites"], [liked("Inception (2010)", "Memento (2000)")]),
    ("best-ever", ["Jaws is the best movie ever made"], [liked("Jaws (1975)")]),
    ("lower-list", ["i liked heat, ronin and collateral"], [liked("Heat (1995)", "Ronin (1998)", "Collateral (2004)")]),
    ("bare-title", ["the matrix"], [liked("The Matrix (1999)")]),
    ("title-with-year", ["something like heat (1995)"], [liked("Heat (1995)")]),
    ("ambiguous-heat", ["heat was great"], [liked("Heat (1995)")]),
    ("the-heat", ["I loved The Heat with Sandra Bullock"], [liked("The Heat (2013)")]),
    ("heat-wave", ["it's a heat wave here, something cool to watch"], [nothing_liked]),
    ("typo-godfather", ["i loved the godfathr"], [liked("The Godfather (1972)")]),
    ("typo-jurassic", ["jurasic park was amazing when i was a kid"], [liked("Jurassic Park (1993)")]),
    ("typo-inception", ["inceptoin blew my mind"], [liked("Inception (2010)")]),
    ("and-list", ["pulp fiction, fight club and seven"], [liked("Pulp Fiction (1994)", "Fight Club (1999)", "Seven (1995)")]),
    ("shouting", ["TITANIC!!!"], [liked("Titanic (1997)")]),
    ("two-turns", ["i like goodfellas", "and casino too"], [liked("Goodfellas (1990)", "Casino (1995)")]),
    ("common-words", ["i want to go up to the mountains and watch something"], [nothing_liked]),
    ("drive-word", ["a long drive home, need a film for tonight"], [nothing_liked]),
    # polarity
    ("boring", ["Avatar was boring"], [disliked("Avatar (2009)")]),
    ("overrated", ["honestly titanic is overrated"], [disliked("Titanic (1997)")]),
    ("cant-stand", ["i can't stand frozen"], [disliked("Frozen (2013)")]),
    ("not-a-fan", ["not a fan of the hangover"], [disliked("The Hangover (2009)")]),
    ("never-again", ["avatar? never again"], [disliked("Avatar (2009)")]),
    ("mixed", ["I loved Heat but Ronin was boring"], [liked("Heat (1995)"), disliked("Ronin (1998)")]),
    ("didnt-like", ["i didn't like gravity, but i loved Alien"], [disliked("Gravity (2013)"), liked("Alien (1979)")]),
    ("seen-it", ["i've seen jaws"], [seen_not_liked("Jaws (1975)")]),
    ("seen-lower", ["already watched the shining"], [seen_not_liked("The Shining (1980)")]),
    ("asked", ["have you seen jaws?"], [seen_not_liked("Jaws (1975)")]),
    # people
    ("jim-carrey", ["I'm not a fan of Jim Carrey, but I want something funny"], [avoids_person("Jim Carrey"), mostly_genre("Comedy")]),
    ("jim-carrey-lower", ["not a fan of jim carrey. a comedy please"], [avoids_person("Jim Carrey")]),
    ("cant-stand-person", ["i can't stand tom cruise"], [avoids_person("Tom Cruise")]),
    ("likes-person", ["anything with tom hanks"], [likes_person("Tom Hanks")]),
    ("not-with-person", ["a romantic comedy, not with meg ryan"], [avoids_person("Meg Ryan"), mostly_genre("Comedy")]),
    ("without-person", ["an action movie without tom cruise"], [avoids_person("Tom Cruise"), mostly_genre("Action")]),
    ("not-his-genre", ["i'm a big fan of tom hanks", "not his war films"], [avoids_genre("War"), likes_person("Tom Hanks"), no_topics]),
    ("anything-but", ["anything but war films, maybe a drama"], [avoids_genre("War"), mostly_genre("Drama")]),
    ("nothing-with-after-a-wish", ["tbh i just want something light and funny, nothing with adam sandler"], [avoids_person("Adam Sandler"), mostly_genre("Comedy")]),
    ("what-else-did-he-do", ["ok so ive already seen pulp fiction and resevoir dogs, what else did tarantino do"], [by_person("Quentin Tarantino"), seen_not_liked("Pulp Fiction (1994)")]),
    ("surname-before-a-kind", ["any good scorsese crime films?"], [by_person("Martin Scorsese")]),
    ("misspelt-full-name", ["anything w jake gyllenhal? 2010 or later"], [likes_person("Jake Gyllenhaal")]),
    ("shared-surname", ["whats a good starter bergman film"], [lambda bot, reply: not reply.state.constraints.people]),
    ("not-a-then-a", ["why that one? thats not a romance. anyway similar romance but in color"], [likes_genre("Romance")]),
    ("newer-than-the-filter", ["Just watched Midsommar last night, amazing!! what else is like it"], [liked("Midsommar (2019)")]),
    ("newer-lower-after-cue", ["loved knives out, more whodunits pls"], [liked("Knives Out (2019)")]),
    ("hates-gory", ["need a good mystery to watch w my mom, she hates anything gory"], [avoids_mood("gory"), likes_genre("Mystery")]),
    ("card-no-thx", ["a thriller pls", "seen the first one, and the last one no thx"], [lambda bot, reply: reply.state.last_shown and len(reply.state.disliked_ids) == 1]),
    ("no-mafia", ["something like the godfather", "no mafia though"], [avoids_topic("mafia")]),
    ("live-action", ["no cartoons actually, live action"], [avoids_genre("Animation"), no_liked_genre("Action")]),
    ("loves-director", ["i love christopher nolan films"], [likes_person("Christopher Nolan")]),
    # numbers
    ("war-length", ["a war movie around two and a half hours long"], [runtime(128, 172), mostly_genre("War")]),
    ("hour-half", ["something an hour and a half long"], [runtime(76, 103)]),
    ("at-least", ["a drama, at least two hours"], [runtime(120, None)]),
    ("90-mins", ["a comedy under 90 mins"], [runtime(None, 89)]),
    ("under-two", ["under two hours please"], [runtime(None, 119)]),
    ("eighties", ["an eighties comedy"], [years(1980, 1989), mostly_genre("Comedy")]),
    ("the-80s", ["a horror film from the 80s"], [years(1980, 1989)]),
    ("seventies", ["seventies crime films"], [years(1970, 1979)]),
    ("nineties-digits", ["a 90's thriller"], [years(1990, 1999)]),
    ("newer", ["inception and memento are my favourites", "something newer"], [years(2011, None)]),
    ("spelled-years", ["a thriller between nineteen eighty five and two thousand"], [years(1985, 2000)]),
    # corrections and removals
    ("decade-correction", ["an 80s comedy", "actually the 90s instead"], [years(1990, 1999)]),
    ("forget-year", ["something from the 80s", "forget the year limit"], [no_years]),
    ("any-length", ["under 100 minutes", "any length is fine"], [runtime(None, None)]),
    ("nothing-longer", ["a comedy, nothing longer than 100 minutes"], [runtime(None, 100)]),
    ("not-too-long", ["something funny, nothing too long please"], [runtime(None, 120)]),
    ("runtime-correction", ["under two hours", "actually at least two hours"], [runtime(120, None)]),
    ("any-year", ["before 1990", "any year is fine"], [no_years]),
    # soft requests
    ("comedy-maybe", ["a comedy maybe"], [mostly_genre("Comedy")]),
    ("lighter", ["something lighter"], [mostly_genre("Comedy")]),
    ("horror-please", ["scary movies please"], [mostly_genre("Horror")]),
    ("no-horror", ["i can't stand horror"], [avoids_genre("Horror")]),
    ("nothing-scary", ["nothing scary please, a family film"], [avoids_genre("Horror")]),
    # words of a film the catalog lacks, and genre words that also cue a plot topic
    ("infinity-war", ["i just watched Avengers: Infinity War and i liked it"], [no_liked_genre("War")]),
    ("infinity-war-lower", ["any movie", "like avengers infinity war or black panther"], [no_liked_genre("War")]),
    ("wizard-of-oz", ["or maybe something like the wizard of oz"], [no_liked_topic("magic")]),
    ("musicals", ["i love musicals, got any?"], [likes_genre("Musical"), no_liked_topic("broadway show")]),
    ("infinity-war-typo", ["i watched infinitive war, loved it"], [no_liked_genre("War")]),
    ("war-still-war", ["a good war movie"], [likes_genre("War")]),
    ("the-forest", ["i do love scary movies", "one of the best i have seen lately is The Forest, have you seen it?"], [no_liked_topic("wilderness")]),
    ("guy-buddies", ["any good comedies?", "something to watch with my guy buddies"], [no_liked_topic("friendship"), likes_genre("Comedy")]),
    ("superhero", ["a superhero movie pls"], [lambda bot, reply: reply.state.likes.topics == ["superhero"]]),
    ("friendship-asked", ["a film about friendship"], [lambda bot, reply: reply.state.likes.topics == ["friendship"]]),
    # references
    ("last-one", ["a crime film please", "tell me more about the last one"], [answers_about_shown(-1)]),
    ("second-one", ["a comedy", "how long is the second one?"], [answers_about_shown(1)]),
    ("is-it-scary", ["movies like alien", "is the second one scary?"], [answers_about_shown(1), no_liked_genre("Horror")]),
    ("it-after-title", ["I loved Heat", "who directed it?"], [answers_about("Heat (1995)")]),
    ("it-after-question", ["a comedy", "tell me more about the last one", "who directed it?"], [answers_about_shown(-1)]),
    ("about-title", ["a thriller", "tell me more about jaws"], [answers_about("Jaws (1975)")]),
    ("seen-that-next", ["a sci-fi film", "seen that one, next"], []),
    # bad input: any message gets an answer
    ("hmm", ["hmm, not sure"], [unclear]),
    ("asdf", ["asdf"], [unclear]),
    ("emoji", ["🎬🍿🎬"], [answered]),
    ("sql", ["'; DROP TABLE sessions; --"], [answered]),
    ("nul", ["\x00\x00 heat"], [answered]),
    ("long", ["comedy " * 2000], [answered]),
    ("numbers-only", ["1234567"], [answered]),
]
# fmt: on


@pytest.mark.parametrize(("messages", "checks"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(bot, messages, checks):
    reply = talk(bot, *messages)
    assert reply.text.strip()
    for check in checks:
        check(bot, reply)


def test_seen_that_one_next_marks_seen_and_moves_on(bot):
    first = talk(bot, "a sci-fi film")
    reply = talk(bot, "seen that one, next", session=first.session_id)
    shown = first.recommendations[0].item_id
    assert shown in reply.state.mentioned_ids and shown not in reply.state.liked_ids
    assert reply.recommendations and shown not in [r.item_id for r in reply.recommendations]


def test_not_that_one_after_naming_a_loved_film_drops_the_card_not_the_film(bot):
    first = talk(bot, "i loved heat, something like it")
    reply = talk(bot, "not that one", session=first.session_id)
    card, heat = first.recommendations[0].item_id, film(bot, "Heat (1995)")
    assert card in reply.state.disliked_ids
    assert heat in reply.state.liked_ids and heat not in reply.state.disliked_ids


def test_suite_size():
    assert len(SCENARIOS) >= 60
