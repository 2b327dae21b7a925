"""The conversation issue's examples, with other films, typed as people type them: the request of
the moment governs the cards, questions about cards are answered, films the catalog lacks are
named, moods are kept, the opening reacts to what changed.

On the small real catalog (conftest), through ChatRec with a scripted LLM.
"""

from __future__ import annotations

import pytest

from chatrec.agent import ChatRec
from chatrec.catalog.credits import credits_of
from chatrec.catalog.synopses import CREDIT, Synopses
from tests.helpers import make_settings, plain_bot


@pytest.fixture
def bot(small_retriever, tmp_path) -> ChatRec:
    return plain_bot(small_retriever, make_settings(tmp_path))


def film(bot: ChatRec, label: str) -> str:
    item_id = bot.retriever.titles.link_name(label)
    assert item_id, label
    return item_id


def test_a_film_the_catalog_lacks_is_named_with_the_catalogs_years_and_the_rest_still_counts(bot):
    reply = bot.chat("me and my husband adore collateral and Parasite (2019)")
    assert film(bot, "Collateral (2004)") in reply.state.liked_ids
    last = bot.understander.years[1]  # the catalog's own last year, not a fixed one
    assert "Parasite (2019)" in reply.text and str(last) in reply.text, reply.text
    assert reply.recommendations


def test_a_missing_film_in_lower_case_with_its_year_is_named_too(bot):
    reply = bot.chat("loved parasite (2019), anything similar?")
    assert "Parasite (2019)" in reply.text, reply.text
    assert not reply.state.liked_ids  # never the catalog's Parasite of 1982


def test_praise_with_a_question_mark_asks_for_more_not_for_the_genre(bot):
    reply = bot.chat("inception was great, similar?")
    assert film(bot, "Inception (2010)") in reply.state.liked_ids
    assert reply.recommendations, reply.text


def test_a_horror_film_from_a_recent_year_gets_only_that_years_horror(bot):
    reply = bot.chat("got any good horror movies from 2019?? somethin that actually scares u")
    assert reply.recommendations
    for rec in reply.recommendations:
        assert rec.year == 2019 and "Horror" in rec.genres, rec
        assert rec.item_id.startswith("wiki:")


def test_a_loved_recent_film_is_liked_and_steers_the_next_picks(bot):
    session = bot.new_session()
    la_la_land = film(bot, "La La Land (2016)")
    first = bot.chat("i loooved la la land, what shoud i watch next", session)
    assert la_la_land in first.state.liked_ids
    assert "La La Land" in first.text.split("\n")[0], first.text
    assert first.recommendations and la_la_land not in {r.item_id for r in first.recommendations}
    reply = bot.chat("more like that pls", session)
    assert la_la_land in reply.state.liked_ids
    cold = bot.chat("more like that pls")  # the same words with no liked film
    assert {r.item_id for r in reply.recommendations} != {r.item_id for r in cold.recommendations}
    assert "La La Land" in reply.text, reply.text  # the picks are said to come from it


def test_tell_me_more_about_a_recent_film_quotes_its_story_with_the_credit(bot):
    conjuring = film(bot, "The Conjuring 2 (2016)")
    story = Synopses.load().get(conjuring)
    assert story and conjuring.startswith("wiki:")
    reply = bot.chat("the conjuring 2, whats it about?")
    assert "question" in reply.acts and not reply.recommendations
    assert story in reply.text and CREDIT in reply.text, reply.text
    assert "James Wan" in reply.text  # its director, read from the lead


def test_a_runtime_limit_says_how_many_films_it_could_not_check(bot):
    reply = bot.chat("a comedy under 2 hours pls")
    unknown = bot.retriever.unchecked(reply.state.constraints)["runtime"]
    assert unknown > 0  # every recent comedy: their source has no runtime
    assert f"{unknown:,} films that fit the rest of it have no known running time" in reply.text, reply.text
    assert reply.recommendations and all(r.runtime and r.runtime <= 120 for r in reply.recommendations)


def test_an_explicit_year_beats_newer(bot):
    session = bot.new_session()
    bot.chat("i loved heat", session)
    reply = bot.chat("anything newer? nothing before 2012", session)
    assert reply.state.constraints.year_from == 2012
    assert reply.recommendations and all(r.year >= 2012 for r in reply.recommendations)
    assert "2012" in reply.text.split("\n")[0]


def test_a_question_about_the_middle_card_is_answered_not_met_with_cards(bot):
    session = bot.new_session()
    first = bot.chat("something like collateral", session)
    middle = first.recommendations[1]
    reply = bot.chat("ooh the middle one looks fun, who stars in it?", session)
    assert "question" in reply.acts and not reply.recommendations
    assert middle.title in reply.text and "stars" in reply.text, reply.text
    assert middle.item_id not in reply.state.liked_ids  # "looks fun" is interest, not a verdict


def test_the_request_of_the_moment_governs_every_card_over_the_old_taste(bot):
    session = bot.new_session()
    bot.chat("i loved gravity, such a tense thriller", session)
    reply = bot.chat("got any scary ones from the seventies?", session)
    assert reply.recommendations
    for rec in reply.recommendations:
        assert "Horror" in rec.genres and 1970 <= rec.year <= 1979, rec
    assert "Since you liked Gravity" not in reply.text


def test_a_new_genre_replaces_the_last_one(bot):
    session = bot.new_session()
    bot.chat("loved goodfellas and casino, more mob films pls", session)
    reply = bot.chat("ok, something funny now", session)
    assert reply.state.constraints.genres == ["Comedy"]
    assert reply.recommendations and all("Comedy" in r.genres for r in reply.recommendations)
    assert "comedy" in reply.text.split("\n")[0].casefold()


def test_whats_it_about_quotes_the_story_with_its_credit(bot):
    jaws = film(bot, "Jaws (1975)")
    assert Synopses.load().get(jaws)
    reply = bot.chat("jaws, what's it about?")
    assert "question" in reply.acts and not reply.recommendations
    assert Synopses.load().get(jaws) in reply.text and CREDIT in reply.text
    assert "Steven Spielberg" in reply.text  # the director beside the story


def test_the_last_card_asked_about_is_the_one_answered(bot):
    session = bot.new_session()
    first = bot.chat("a good heist thriller", session)
    last = first.recommendations[-1]
    reply = bot.chat("whats the last one about", session)
    assert last.title in reply.text and not reply.recommendations


@pytest.mark.parametrize(
    ("message", "mood"),
    [
        ("nothing too sad please", "sad"),
        ("like memento but less confusing", "confusing"),
        ("a horror that isnt too gory", "gory"),
    ],
)
def test_moods_are_kept_and_said(bot, message, mood):
    reply = bot.chat(message)
    assert mood in reply.state.dislikes.moods
    assert any(e.kind == "disliked_mood" and e.value == mood for e in reply.state.entries(bot.catalog.label))
    assert mood in reply.text.split("\n")[0]


def test_openings_vary_from_turn_to_turn(bot):
    session = bot.new_session()
    openings = [
        bot.chat(m, session).text.split("\n")[0]
        for m in ("a western pls", "something funny instead", "ok a thriller then", "what about a war film")
    ]
    assert len(set(openings)) == len(openings), openings
    assert not any(o.startswith("Since you liked") for o in openings)


def test_feedback_and_a_request_in_one_message(bot):
    session = bot.new_session()
    first = bot.chat("something like alien", session)
    reply = bot.chat("seen the first one already. anything from the 80s?", session)
    assert {"feedback", "request"} <= set(reply.acts)
    assert first.recommendations[0].item_id in reply.state.mentioned_ids
    assert reply.recommendations and all(1980 <= r.year <= 1989 for r in reply.recommendations)


def test_a_correction_replaces_what_was_said(bot):
    session = bot.new_session()
    bot.chat("comedies from the 70s", session)
    reply = bot.chat("sorry, i meant the 90s", session)
    assert "correction" in reply.acts
    c = reply.state.constraints
    assert (c.year_from, c.year_to) == (1990, 1999)
    assert reply.recommendations and all(1990 <= r.year <= 1999 for r in reply.recommendations)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("films between 1850 and 1860", "nothing in it is from 1850–1860"),
        ("something from the year 3000", "nothing in it is from 3000"),
        ("anything under 5 minutes?", "nothing under 5 minutes"),
    ],
)
def test_an_impossible_ask_is_answered_with_what_the_catalog_spans(bot, message, said):
    reply = bot.chat(message)
    assert said in reply.text and not reply.recommendations, reply.text
    c = reply.state.constraints
    assert (c.year_from, c.year_to, c.max_runtime) == (None, None, None)


def test_an_impossible_limit_beside_a_wish_is_said_and_the_wish_still_answered(bot):
    reply = bot.chat("a western from 1850")
    first, years = reply.text.split("\n")[0], bot.understander.years
    assert "1850" in first and str(years[0]) in first and str(years[1]) in first
    assert reply.recommendations and all("Western" in r.genres for r in reply.recommendations)


def test_a_links_text_is_no_title_and_markup_is_read_as_words(bot):
    film(bot, "Click (2006)")  # in the catalog: without the rule, the link would like it
    reply = bot.chat("i liked heat, my list is [click](https://example.com/list) <b>thx</b> https://x.y/z")
    assert reply.state.liked_ids == [film(bot, "Heat (1995)")]
    assert not any("click" in bot.catalog.label(i).casefold() for i in reply.state.mentioned_ids)


@pytest.mark.parametrize(
    "message",
    [
        "quiero ver una película de miedo esta noche",
        "我想看一部恐怖电影",
        "ich möchte heute abend einen lustigen film sehen",
    ],
)
def test_a_message_in_a_language_the_reader_does_not_handle_gets_one_line_saying_so(bot, message):
    reply = bot.chat(message)
    assert reply.text.startswith("I can only read English") and not reply.recommendations
    assert not reply.state.likes.people and not reply.state.liked_ids  # "lustigen" is no Aaron Lustig


@pytest.mark.parametrize(
    "message",
    [
        "hmm not sure",
        "lol ok",
        "loved amelie, anything french like it?",
        "das boot and more german war films",
    ],
)
def test_english_and_foreign_titles_are_not_taken_for_another_language(bot, message):
    assert not bot.chat(message).text.startswith("I can only read English")


@pytest.mark.parametrize(
    "message",
    [
        "something like heat but shorter",
        "korean movies",
        "movies with strong women",
        "anything happier",
        "more forest movies",
    ],
)
def test_plain_words_are_no_surnames(bot, message):
    reply = bot.chat(message)
    assert not reply.state.constraints.people and not reply.state.likes.people, reply.state


def test_a_list_of_tastes_is_a_choice_not_a_list_every_film_must_meet(bot):
    reply = bot.chat("i like action, comedy, horror, romance and westerns")
    assert len(reply.recommendations) == 3 and "all of that" not in reply.text
    assert not reply.state.constraints.genres and "Western" in reply.state.likes.genres
    listed = {"Action", "Comedy", "Horror", "Romance", "Western"}
    assert all(listed & set(r.genres) for r in reply.recommendations)


def test_a_compound_no_film_has_is_relaxed_not_emptied(bot):
    reply = bot.chat("a western musical horror")
    assert len(reply.recommendations) == 3 and reply.text.startswith("No film in my catalog is all of that")


def test_a_choice_of_people_steers_and_does_not_require_both(bot):
    reply = bot.chat("tom hanks or meryl streep")
    assert not reply.state.constraints.people and len(reply.recommendations) == 3


def test_i_mean_it_is_no_correction(bot):
    reply = bot.chat("no horror, i mean it. something from the 80s")
    assert reply.state.constraints.not_genres == ["Horror"] and "correction" not in reply.acts
    assert reply.recommendations and all("Horror" not in r.genres for r in reply.recommendations)


def test_a_request_after_a_question_with_i_think_is_not_lost(bot):
    session = bot.new_session()
    bot.chat("a western", session)
    reply = bot.chat("is the middle one scary? i think i want a comedy instead", session)
    assert {"question", "request"} <= set(reply.acts) and reply.state.constraints.genres == ["Comedy"]


def test_a_year_of_ones_life_is_no_year_filter(bot):
    reply = bot.chat("i was born in 1990, something fun")
    assert reply.state.constraints.year_from is None and reply.state.constraints.year_to is None


def test_a_link_after_leading_spaces_is_still_no_title(bot):
    reply = bot.chat("   [click](https://example.com)")
    assert not reply.state.liked_ids and not reply.state.mentioned_ids


def test_feedback_before_a_correction_is_kept(bot):
    session = bot.new_session()
    first = bot.chat("something funny from 2012 on", session).recommendations[0]
    reply = bot.chat("seen the first one already. sorry, i meant from the nineties", session)
    assert first.item_id in reply.state.mentioned_ids and "correction" in reply.acts
    assert (reply.state.constraints.year_from, reply.state.constraints.year_to) == (1990, 1999)


@pytest.mark.parametrize(
    ("message", "mood"),
    [
        ("not in the mood for anything sad. a comedy from the nineties?", "sad"),
        ("dont feel like anything too dark tonight", "dark"),
    ],
)
def test_not_in_the_mood_for_a_mood_rules_it_out(bot, message, mood):
    reply = bot.chat(message)
    assert mood in reply.state.dislikes.moods and mood not in reply.state.likes.moods


def test_no_princess_stuff_rules_the_topic_out_whatever_word_cued_it(bot):
    session = bot.new_session()
    bot.chat("my kids like toy story and finding nemo", session)
    reply = bot.chat("no princess stuff", session)
    assert "fairy tale" in reply.state.dislikes.topics and "fairy tale" not in reply.state.likes.topics
    assert not any("fairy tale" in bot.catalog[r.item_id].get("topics", []) for r in reply.recommendations)


@pytest.mark.parametrize(
    ("message", "wanted", "ruled_out"),
    [
        ("thanks!! one more thing, pacino in the 70s?", ["Al Pacino"], []),
        ("enough burton lol. depp in something else?", ["Johnny Depp"], ["Tim Burton"]),
        ("ok and now something w leo dicaprio", ["Leonardo DiCaprio"], []),
        ("any good coen brothers comedies", ["Joel Coen", "Ethan Coen"], []),
        ("more nolan pls", ["Christopher Nolan"], []),
        ("a crime movie w/ pacino pls", ["Al Pacino"], []),
    ],
)
def test_people_named_as_people_type_them_govern_the_cards(bot, message, wanted, ruled_out):
    reply = bot.chat(message)
    assert reply.state.constraints.people == wanted and reply.state.dislikes.people == ruled_out
    assert reply.recommendations
    for rec in reply.recommendations:
        assert set(wanted) <= set(credits_of(bot.catalog).people(rec.item_id)), rec
    assert not reply.state.likes.topics  # "brothers" asks for no film about siblings


@pytest.mark.parametrize(
    "message",
    ["ok changed my mind, an action comedy", "somthing fast paced and funny, action comedy, under 2 hrs"],
)
def test_a_genre_word_in_lower_case_is_the_genre_not_the_film_called_so(bot, message):
    reply = bot.chat(message)
    assert not reply.state.liked_ids, [bot.catalog.label(i) for i in reply.state.liked_ids]
    assert set(reply.state.constraints.genres) == {"Action", "Comedy"}
    assert all({"Action", "Comedy"} <= set(r.genres) for r in reply.recommendations)


def test_a_word_people_write_often_and_never_as_a_film_is_no_title(bot):
    bot.chat("i love jaws and e.t.")
    reply = bot.chat("ok all spielberg lol. anything not by him?")
    assert not [
        bot.catalog.label(i) for i in reply.state.mentioned_ids if "him" in bot.catalog.label(i).casefold()
    ]


def test_one_distinctive_word_of_a_well_known_title_names_it_and_an_everyday_word_does_not(bot):
    reply = bot.chat("kids have seen nemo a million times. something else for them pls")
    assert film(bot, "Finding Nemo (2003)") in reply.state.mentioned_ids
    assert film(bot, "Finding Nemo (2003)") not in {r.item_id for r in reply.recommendations}
    reply = bot.chat("hmm that makes sense, anything with more action?", reply.session_id)
    assert not any("Sense" in bot.catalog.label(i) for i in reply.state.mentioned_ids)


@pytest.mark.parametrize(
    ("message", "label", "kind"),
    [
        ("goodfellas, did scorsese direct that?", "Goodfellas (1990)", "director"),
        ("was keanu reeves in the matrix?", "The Matrix (1999)", "cast"),
        ("fight club, how graphic is it? my gf hates blood", "Fight Club (1999)", "suitability"),
        ("jaws, thats a horror movie right?", "Jaws (1975)", "genre"),
    ],
)
def test_a_question_about_a_named_film_is_answered_not_taken_for_a_verdict(bot, message, label, kind):
    reply = bot.chat(message)
    assert reply.acts == ["question"], reply.acts
    assert label.rsplit(" (", 1)[0] in reply.text and not reply.recommendations, reply.text
    assert film(bot, label) not in reply.state.liked_ids and film(bot, label) not in reply.state.disliked_ids


@pytest.mark.parametrize(
    "message",
    [
        "ok ty, gonna watch the second one tonight. bye!",
        "thanks! the last one it is",
        "whats ur favorite movie?",
    ],
)
def test_a_choice_made_or_a_word_to_the_bot_asks_for_no_cards(bot, message):
    first = bot.chat("i loved heat")
    reply = bot.chat(message, first.session_id)
    assert "request" not in reply.acts and not reply.recommendations, (reply.acts, reply.text)


def test_a_misspelt_film_whose_name_ends_in_a_genre_word_is_that_film_not_a_wish_for_the_genre(bot):
    reply = bot.chat("yes! i watched infinitive war and it was very interesting")
    assert film(bot, "Avengers: Infinity War (2018)") in reply.state.mentioned_ids
    assert "War" not in reply.state.constraints.genres and "War" not in reply.state.likes.genres


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("i loved the original total recall", "Total Recall (1990)"),
        ("the total recall remake was fun", "Total Recall (2012)"),
        ("loved nightmare on elm street growing up", "A Nightmare on Elm Street (1984)"),
    ],
)
def test_the_words_near_a_remade_title_say_which_film_is_meant(bot, message, label):
    assert film(bot, label) in bot.chat(message).state.mentioned_ids


@pytest.mark.parametrize(
    ("message", "genre", "absent"),
    [
        ("anime like spirited away pls", "Animation", None),
        ("any good movies with cowboys?", "Western", None),
        ("no slashers pls, still horror tho", "Horror", "Horror"),  # a kind of horror, not all of it
    ],
)
def test_words_for_a_whole_genre_read_as_it_and_a_kind_within_one_rules_none_out(bot, message, genre, absent):
    reply = bot.chat(message)
    assert genre in {*reply.state.constraints.genres, *reply.state.likes.genres}, reply.state
    assert absent not in {*reply.state.constraints.not_genres, *reply.state.dislikes.genres}
