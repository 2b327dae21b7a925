"""The claim checker and the evidence behind reasons, on real catalog rows (no store needed).

The bad sentences are real outputs of the embedded models (issue 17) and variations of them; each
must be refused with the right kind of claim, and the evidence sentences must pass the same checker.
"""

from __future__ import annotations

import pytest

from chatrec.catalog import Catalog, item_from_row
from chatrec.catalog.titles import TitleIndex
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.catalog.wording import wording_for
from chatrec.dialogue.state import DialogueState
from chatrec.ingest import movies
from chatrec.understanding.understand import Understander
from chatrec.writing.checks import Check
from chatrec.writing.evidence import Evidencer
from chatrec.writing.phrasing import phrase_reply, template
from tests.helpers import violations


@pytest.fixture(scope="module")
def catalog(movie_rows: list[dict]) -> Catalog:
    items = [item_from_row(r, movies.MAPPING) for r in movie_rows if not isinstance(r, Exception)]
    return Catalog({i.id: i.metadata for i in items})


@pytest.fixture(scope="module")
def check(catalog: Catalog) -> Check:
    understander = Understander(TitleIndex.from_metadata(catalog), Vocabulary.from_metadata(catalog), catalog)
    return Check(understander)


def find(catalog: Catalog, title: str, year: int) -> str:
    return next(i for i, m in catalog.items() if m.get("title") == title and m.get("year") == year)


def kinds(check: Check, catalog: Catalog, sentence: str, title: str, year: int, state=None) -> set[str]:
    state = state or DialogueState()
    ev = Evidencer(catalog).evidence(catalog.item(find(catalog, title, year)), state)
    return {c.kind for c in check.reason_problems(sentence, ev)}


ISSUE = [
    # (sentence, film, year, the kind of claim that must be refused)
    (
        "Pain & Gain is a comedy film that tells the story of a man who is struggling with a severe illness.",
        "Pain & Gain",
        2013,
        "story",
    ),
    ("Fight Club is a comedy film that is a thriller and drama film.", "Fight Club", 1999, "genre"),
    ("Hancock is a funny action film that stars Michael Mann.", "Hancock", 2008, "person"),
    ("It is a 2011 animation and mystery film directed by Steven Spielberg.", "Heat", 1995, "year"),
    ("It follows a young woman named Emily who moves to the city.", "Gravity", 2013, "story"),
    ("It is about a cat named Whiskers who saves the day.", "Up", 2009, "name"),
    ("Heat is a scary film from the 80s.", "Heat", 1995, "genre"),
    ("It is a gripping thriller from the 80s.", "Heat", 1995, "year"),
    ("It is a short film at just 95 minutes.", "Heat", 1995, "runtime"),
    ("At under two hours, it is a tight watch.", "Heat", 1995, "runtime"),
    ("It won three Oscars for its direction.", "Heat", 1995, "award"),
    ("It is an award-winning crime drama.", "Heat", 1995, "award"),
    ("Critics gave it a 98% score on Rotten Tomatoes.", "Heat", 1995, "score"),
    ("It is written by Quentin Tarantino, a crime drama.", "Heat", 1995, "person"),
    ("A box-office smash, it is a crime drama directed by Michael Mann.", "Heat", 1995, "score"),
    ("It is a crime drama from the 1902s.", "Heat", 1995, "year"),
    ("Catan is a 1995 game starring players from various countries.", "Heat", 1995, "person"),
    # Shown by the 0.5B in the 300-case benchmark before the checker knew these claims:
    ("It's Michael Mann's 76th film in Metacritic history.", "Heat", 1995, "record"),
    ("It was Steven Spielberg's first film to win three Oscars.", "Jaws", 1975, "record"),
    ("It was nominated for 1 Oscar for Adam Sandler in Click.", "Click", 2006, "award"),
    # A count checked as a substring of "Won 1 Oscar. Nominated for 3 Oscars." let a wrong one pass.
    ("It is an animation film by Brad Bird that won 3 Oscars.", "The Incredibles", 2004, "award"),
    ("It is an animation film that was nominated for 1 Oscar.", "The Incredibles", 2004, "award"),
    # Shown by the 0.5B at 22d64e8 (a reading of all 300 shown reasons against the catalog):
    ("It's a film about Leonardo DiCaprio and people who like it.", "Shutter Island", 2010, "story"),
    ("It's a film that's both about Adam Sandler and Rob Schneider.", "Grown Ups", 2010, "story"),
    ("It's both Adam Sandler and Rob Schneider's favorite.", "The Longest Yard", 2005, "record"),
    # Shown by the 1.5B at b4cb278 (read against the catalog; the checker passed each):
    ("Stan Lee returns as Iron Man in this action-packed sequel.", "Iron Man 2", 2010, "record"),
    ("Robert Downey Jr. stars as Tony Stark, a billionaire.", "Iron Man 2", 2010, "record"),
    ("It's a crime drama that serves as a sequel to Goodfellas.", "Casino", 1995, "record"),
    ("It was a great Oscar win for Michael Mann.", "The Insider", 1999, "award"),
    ("It earned a perfect score of 97% from critics.", "The Hurt Locker", 2008, "score"),
    ("Al Pacino and Robert De Niro play the main characters.", "Heat", 1995, "record"),
    # Shown by the 0.5B at 5b7d1c1 (the meter is 94: acclaimed, not "of all time")
    ("One of the most critically acclaimed films of all time, 94% critics.", "Iron Man", 2008, "record"),
    ("It is Leonardo DiCaprio's next pick for fans of Titanic.", "The Wolf of Wall Street", 2013, "record"),
    # Shown by the 1.5B at 57c0634: how popular a film is, which nothing in the catalog says
    ("It was a massive hit, winning 11 Oscars and 88% with critics.", "Titanic", 1997, "score"),
    ("It was a huge success, with 6 Oscars.", "Star Wars: Episode IV – A New Hope", 1977, "score"),
    ("It is a popular choice among fans of both genres.", "The Maze Runner", 2014, "score"),
    ("It's a horror classic that many fans love.", "The Exorcist", 1973, "score"),
    ("It is a 2014 thriller with Chad Stahelski.", "John Wick", 2014, "person"),
    ("It's a comedy with Adam Sandler that's a fan favorite of Click's.", "50 First Dates", 2004, "score"),
    ("It's a romance that lots of fans love.", "50 First Dates", 2004, "score"),
]


@pytest.mark.parametrize(("sentence", "title", "year", "kind"), ISSUE)
def test_real_bad_sentences_are_refused_for_the_right_claim(check, catalog, sentence, title, year, kind):
    assert kind in kinds(check, catalog, sentence, title, year)


def test_a_reason_that_repeats_a_disliked_person_is_refused(check, catalog):
    state = DialogueState()
    state.dislike_attributes(people=["Jim Carrey"])
    found = kinds(check, catalog, "It stars Jim Carrey, as you asked.", "The Mask", 1994, state)
    assert "taste" in found


GOOD = [
    ("It is a crime thriller directed by Michael Mann, with Al Pacino and Robert De Niro.", "Heat", 1995),
    ("It runs 170 minutes and critics rate it 84% on Rotten Tomatoes.", "Heat", 1995),
    ("A 1999 thriller and drama, it stars Brad Pitt and Edward Norton.", "Fight Club", 1999),
    ("It is a tense 1990s crime drama from Michael Mann.", "Heat", 1995),
    ("It was nominated for 5 Oscars and critics love it.", "The Insider", 1999),
    ("It was nominated for 1 Oscar for Ted, a comedy film.", "Ted", 2012),  # the film itself
    ("It is a film directed by Steven Spielberg, which won 2 Oscars.", "Jurassic Park", 1993),
    ("It is directed by Steven Spielberg, with 2 Oscar nominations.", "Jurassic Park", 1993),
    ("Critics gave it a perfect score of 100%.", "Toy Story", 1995),
    ("It is an Oscar-winning crime drama with Robert De Niro and Joe Pesci.", "Goodfellas", 1990),
    ("It stars Al Pacino as well as Robert De Niro.", "Heat", 1995),
]


@pytest.mark.parametrize(("sentence", "title", "year"), GOOD)
def test_true_sentences_pass(check, catalog, sentence, title, year):
    assert kinds(check, catalog, sentence, title, year) == set()


def liked_heat(catalog: Catalog) -> DialogueState:
    state = DialogueState()
    state.like(find(catalog, "Heat", 1995))
    state.constrain(max_runtime=160)
    return state


def test_evidence_leads_with_what_ties_the_pick_to_the_user(catalog):
    ev = Evidencer(catalog).evidence(catalog.item(find(catalog, "The Insider", 1999)), liked_heat(catalog))
    assert ev.facts[0].kind == "directors" and "Michael Mann" in ev.facts[0].ways[0]
    assert "Heat (1995)" in ev.plain()


def test_evidence_sentences_pass_the_checker_and_differ_within_a_reply(check, catalog):
    state = liked_heat(catalog)
    films = [("The Insider", 1999), ("Collateral", 2004), ("Ronin", 1998), ("Casino", 1995), ("Up", 2009)]
    evidencer = Evidencer(catalog)
    evidences = [evidencer.evidence(catalog.item(find(catalog, t, y)), state) for t, y in films]
    phrase_reply(evidences)
    for ev in evidences:
        assert not check.reason_problems(ev.plain(), ev), ev.plain()
    assert len({template(ev.plain(), ev) for ev in evidences}) == len(evidences)


def test_a_books_catalog_says_book_and_by():
    books = {"b1": {"title": "Emma", "year": 1815, "authors": ["Jane Austen"], "genres": ["Romance"]}}
    wording = wording_for(books)
    assert wording.noun == "book" and wording.role("authors") == "by"
    ev = Evidencer(books, wording=wording).evidence(
        Catalog(books).item("b1"), DialogueState(likes={"genres": ["Romance"]})
    )
    assert "book" in ev.plain() and "film" not in ev.plain()
    games = wording_for(books, kind="board game", role_words={"directors": "designed by"})
    assert games.role("directors") == "designed by" and games.card_label("directors") == "designed by"


def test_evidence_sentences_pass_the_checker_across_many_states(check, catalog):
    """Every plain sentence is true by construction: the checker finds no claim in any of them
    (300 states of liked films, people, genres, decades and limits, each with related items)."""
    import random

    rng = random.Random(17)
    popular = sorted(catalog, key=lambda i: -int(catalog[i].get("reviews") or 0))[:600]
    evidencer = Evidencer(catalog)
    for _ in range(300):
        liked = catalog[rng.choice(popular)]
        state = DialogueState()
        state.like(next(i for i in popular if catalog[i] is liked))
        person = rng.choice([*liked.get("directors", []), *liked.get("cast", [])[:3]] or ["Tom Hanks"])
        state.like_attributes(
            genres=liked.get("genres", [])[:1], people=[person] * rng.randint(0, 1), decades=[1990]
        )
        state.constrain(max_runtime=rng.choice([None, 100, 130]), not_genres=rng.choice([[], ["Horror"]]))
        fits = [i for i in popular if not violations(catalog[i], state.constraints)]
        picks = [catalog.item(i) for i in rng.sample(fits, 3)]
        evidences = [evidencer.evidence(item, state) for item in picks]
        phrase_reply(evidences)
        for ev in evidences:
            assert not check.claims.claims(ev.plain(), ev), ev.plain()
            assert check.claims.ties(ev.plain(), ev), ev.plain()
        assert len({template(ev.plain(), ev) for ev in evidences}) == 3


def test_cards_use_the_catalogs_role_words():
    from chatrec.app.web.render import card_html

    card = {"title": "Twilight Struggle", "year": 2005, "directors": ["Ananda Gupta"], "item_id": "g1"}
    games = wording_for({}, kind="board game", role_words={"directors": "designed by"})
    assert "designed by Ananda Gupta" in card_html(card, games)
    assert "dir. Ananda Gupta" in card_html(card)  # the movie catalog keeps its wording
    assert games.noun == "board game" and "game" in games.banner + games.placeholder + " ".join(
        games.examples
    )


BOOKS = [
    ("Emma", 1815, "Jane Austen", "Romance"),
    ("Persuasion", 1817, "Jane Austen", "Romance"),
    ("Pride and Prejudice", 1813, "Jane Austen", "Romance"),
    ("Middlemarch", 1871, "George Eliot", "Drama"),
    ("Dracula", 1897, "Bram Stoker", "Horror"),
    ("The Hound of the Baskervilles", 1902, "Arthur Conan Doyle", "Mystery"),
    ("The Time Machine", 1895, "H. G. Wells", "Sci-Fi"),
    ("Jane Eyre", 1847, "Charlotte Bronte", "Romance"),
]


def test_a_books_catalog_hears_about_books_never_films(tmp_path, embedder):
    """Issue 17's 20-book CSV said "film" everywhere and "from the 1902s": the catalog's own words."""
    from chatrec.catalog import FieldMapping, FieldSpec
    from chatrec.ingest.pipeline import run_ingest
    from chatrec.retrieval.retriever import Retriever
    from chatrec.store.chroma import Store
    from tests.helpers import make_settings, plain_bot

    mapping = FieldMapping(
        id="id",
        title="title",
        fields={
            "year": FieldSpec(column="year", type="int"),
            "authors": FieldSpec(column="author", type="list"),
            "genres": FieldSpec(column="genre", type="list"),
        },
        text=["authors", "genres"],
    )
    rows = [
        {"id": str(n), "title": t, "year": y, "author": a, "genre": g} for n, (t, y, a, g) in enumerate(BOOKS)
    ]
    settings = make_settings(tmp_path)
    store = Store(settings)
    run_ingest(rows, mapping, store, embedder, log=lambda _: None)
    bot = plain_bot(Retriever(embedder, store), settings)
    assert bot.wording.noun == "book"
    session = bot.new_session()
    for message in ["hi", "I loved Emma, something similar", "a mystery from the 1900s"]:
        reply = bot.chat(message, session_id=session)
        text = reply.text + " ".join(r.reason for r in reply.recommendations)
        assert "film" not in text and "movie" not in text and "1902s" not in text, text
    assert any(" by " in r.reason or "book" in r.reason for r in reply.recommendations)


def test_a_sentence_opening_with_it_stars_names_no_one_called_it(check, catalog):
    state = DialogueState()
    state.like_attributes(people=["Tom Hanks"])
    assert kinds(check, catalog, "It stars Tom Hanks, as you asked.", "Big", 1988, state) == set()


def test_everyday_words_tell_no_story(catalog):
    """Real sentences of the 0.5B refused (some of them the evidence's own) because the plot-topic
    cues read "fans" as a stalker story, "popular" as high school, "romantic" as a romance plot."""
    ids = [find(catalog, "Fight Club", 1999), find(catalog, "American Beauty", 1999)]
    topics = ["stalker", "high school", "romance", "england"]
    small = Catalog(
        {**{i: catalog[i] for i in ids}, "s": {"title": "Obsessed", "topics": topics, "genres": ["Romance"]}}
    )
    understander = Understander(TitleIndex.from_metadata(small), Vocabulary.from_metadata(small), small)
    state = DialogueState()
    state.like(ids[0])
    ev = Evidencer(small).evidence(small.item(ids[1]), state)
    checker = Check(understander).claims
    for sentence in [
        "Fans of Fight Club (1999) bring it up; it took home 3 Oscars.",
        "It's a film that's popular among people who like Fight Club and won 3 Oscars.",
        "It is a romantic drama, in English like Fight Club.",
    ]:
        assert "story" not in {c.kind for c in checker.claims(sentence, ev)}, sentence
    assert checker.claims("It is a stalker story that won 3 Oscars.", ev)  # a topic it lacks
    # The 1.5B, for Blades of Glory (a stalker story): the topic is true, the characters invented.
    blades = find(catalog, "Blades of Glory", 2007)
    item = Catalog({blades: {**catalog[blades], "topics": ["stalker"]}}).item(blades)
    ev = Evidencer(small).evidence(item, state)
    story = [c for c in checker.claims("It's a comedy film with a stalker story.", ev) if c.kind == "story"]
    assert story == []
    invented = checker.claims("It's a comedy stalker film about a man who stalks a woman.", ev)
    assert "story" in {c.kind for c in invented}


def test_a_cue_shared_by_two_topics_holds_when_the_item_has_either(catalog):
    """The evidence's own sentence for The Village (topics wilderness, cabin in the woods) was
    refused as a *survival* story: "wilderness" cues both topics, and only one must hold."""
    small = Catalog(
        {
            "v": {"title": "The Village", "year": 2004, "topics": ["wilderness", "cabin in the woods"]},
            "s": {"title": "Cast Away", "year": 2000, "topics": ["survival", "desert island"]},
            "h": {"title": "Heat", "year": 1995, "topics": ["heist"]},
        }
    )
    understander = Understander(TitleIndex.from_metadata(small), Vocabulary.from_metadata(small), small)
    checker = Check(understander).claims
    state = DialogueState()
    state.like_attributes(topics=["wilderness", "cabin in the woods"])
    sentence = "It is a wilderness and cabin in the woods story, as you asked."
    ev = Evidencer(small).evidence(small.item("v"), state)
    assert "story" not in {c.kind for c in checker.claims(sentence, ev)}
    ev = Evidencer(small).evidence(small.item("h"), state)
    assert "story" in {c.kind for c in checker.claims(sentence, ev)}


def test_a_year_inside_the_asked_range_ties_the_reason_to_it(check, catalog):
    """ "Something from the 80s" (read as 1980-1989): the 0.5B's "It's a 1987 film that holds 96%
    with critics" was refused as impersonal, though a liked decade counts the same way."""
    state = DialogueState()
    state.constrain(year_from=1980, year_to=1989, not_genres=["Horror"])
    sentence = "It's a 1987 film that holds 96% with critics."
    assert kinds(check, catalog, sentence, "The Princess Bride", 1987, state) == set()
    assert "year" in kinds(
        check, catalog, "It's a 1986 film that holds 96% with critics.", "The Princess Bride", 1987, state
    )


def test_a_reason_is_not_cut_at_an_initial():
    from chatrec.writing.respond import SENTENCE_END

    text = "It is a crime pick directed by D.J. Caruso, like Pain & Gain. Also Mr. Smith. Yes!"
    assert SENTENCE_END.split(text) == [
        "It is a crime pick directed by D.J. Caruso, like Pain & Gain.",
        "Also Mr. Smith.",
        "Yes!",
    ]


# Real outputs about a film the user liked (liked film, sentence, item, claim kind, refused?):
LIKED = [
    # 0.5B, Pulp Fiction: read as written, Fight Club won the Oscar; it did not.
    (
        ("Fight Club", 1999),
        "It is a next pick for fans of Fight Club, which won 1 Oscar.",
        ("Pulp Fiction", 1994),
        "form",
        True,
    ),
    (
        ("Fight Club", 1999),
        "It is a crime film, like Fight Club, and it won 1 Oscar.",
        ("Pulp Fiction", 1994),
        "form",
        False,
    ),
    # 0.5B, Saw: refused for an unknown name "Elm Street." (the full stop taken into the name).
    (
        ("A Nightmare on Elm Street", 2010),
        "It is a horror film, like A Nightmare on Elm Street.",
        ("Saw", 2003),
        "name",
        False,
    ),
    # 1.5B, Bad Boys (114 min) to a fan of Heat (170 min).
    (
        ("Heat", 1995),
        "It's a crime thriller that runs 114 minutes, just like Heat.",
        ("Bad Boys", 1995),
        "runtime",
        True,
    ),
    (
        ("Heat", 1995),
        "It's a crime thriller like Heat that runs 114 minutes.",
        ("Bad Boys", 1995),
        "runtime",
        False,
    ),
]


@pytest.mark.parametrize(("liked", "sentence", "item", "kind", "refused"), LIKED)
def test_claims_about_the_liked_film(check, catalog, liked, sentence, item, kind, refused):
    state = DialogueState()
    state.like(find(catalog, *liked))
    assert (kind in kinds(check, catalog, sentence, *item, state)) == refused


@pytest.mark.parametrize(
    ("sentence", "title", "year", "refused"),
    [
        # the mood index: Toy Story is light, not dark; Saw is dark and gory
        ("A dark, bleak ride from start to finish.", "Toy Story", 1995, True),
        ("A light, breezy watch.", "Toy Story", 1995, False),
        ("Not too gory, if that worries you.", "Saw", 2003, True),
        ("A dark one.", "Saw", 2003, False),
    ],
)
def test_a_mood_said_of_a_film_needs_the_mood_index_behind_it(check, catalog, sentence, title, year, refused):
    assert ("mood" in kinds(check, catalog, sentence, title, year)) is refused
