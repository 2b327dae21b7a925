"""The reader's parts on their own (numbers, polarity, title spotting), and the whole agent on a
catalog that is not films: titles, people and categories come from that catalog's fields."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.agent import ChatRec
from chatrec.catalog import FieldMapping, FieldSpec
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.sources import read_rows
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Store
from chatrec.understanding.mention_train import LEAVES, TREES, fit_forest
from chatrec.understanding.mentions import F, TitleSpotter
from chatrec.understanding.numbers import decades, removals, runtime_bounds
from chatrec.understanding.people import Surnames
from chatrec.understanding.polarity import polarity
from chatrec.understanding.tokens import Forest, ReaderStats, title_keys, tokenize
from tests.helpers import make_settings, plain_bot


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("a war movie around two and a half hours long", {"min_runtime": 128, "max_runtime": 172}),
        ("an hour and a half", {"min_runtime": 76, "max_runtime": 103}),
        ("at least two hours", {"min_runtime": 120}),
        ("under 90 mins", {"max_runtime": 89}),
        ("no longer than 2 hours", {"max_runtime": 120}),
        ("1h30 max", {"max_runtime": 90}),
        ("two hours or less", {"max_runtime": 120}),
        ("over 2 hrs", {"min_runtime": 120}),
        ("be back in 5 minutes", {}),
        ("two movies please", {}),
    ],
)
def test_runtime_bounds(text, bounds):
    assert runtime_bounds(text) == bounds


def test_decades_and_removals():
    assert decades("an eighties comedy") == (1980,)
    assert decades("the 80s or the nineties") == (1980, 1990)
    assert removals("forget the year limit") == ["year_from", "year_to"]
    assert removals("any length is fine") == ["max_runtime", "min_runtime"]
    assert removals("no horror please") == []


@pytest.mark.parametrize(
    ("text", "title", "said"),
    [
        ("I loved Heat but Ronin was boring", "Heat", "liked"),
        ("I loved Heat but Ronin was boring", "Ronin", "disliked"),
        ("I'm not a fan of Jim Carrey, but I want something funny", "Jim Carrey", "disliked"),
        ("i liked heat, ronin and collateral", "collateral", "liked"),
        ("I liked Arrival, and disliked Passengers", "Arrival", "liked"),
        ("I liked Arrival, and disliked Passengers", "Passengers", "disliked"),
        ("i've seen jaws", "jaws", "seen"),
        ("have you seen drive?", "drive", "asked"),
        ("titanic is overrated", "titanic", "disliked"),
        ("I didn’t like Dumb and Dumber", "Dumb and Dumber", "disliked"),
        ("Inception and Memento are two of my all-time favourites", "Memento", "liked"),
        ("Avatar? never again", "Avatar", "disliked"),
        ("Avatar? I loved it", "Avatar", "liked"),
        # negatives as people type them (issue 13, second pass)
        ("i love all of those except john wick", "john wick", "disliked"),
        ("something funny like wedding crashers but not like ted", "ted", "disliked"),
        ("something funny like wedding crashers but not like ted", "wedding crashers", "liked"),
        ("i don't like movies like halloween. i like a more psychological film", "halloween", "disliked"),
        ("i have seen the panic room , but i didn't like it.", "panic room", "disliked"),
        ("i didn't care much for men in black ii", "men in black ii", "disliked"),
        ("blade runner 2049 was a dissapointment", "blade runner 2049", "disliked"),
        ("moana is not something i'd watch", "moana", "disliked"),
        ("nothing too cheesy like the expendables !", "the expendables", "disliked"),
        ("my least favorite movie is the room", "the room", "disliked"),
        (
            "i've seen guardians of the galaxy but it was too silly for my tastes",
            "guardians of the galaxy",
            "disliked",
        ),
        # ... and what must stay positive or neutral
        ("iron man isn't bad either", "iron man", "liked"),
        ("it's good, not as good as the original star wars though", "star wars", "liked"),
        ("i saw taken but not taken 2", "taken 2", "asked"),
        ("i have seen all of those except flowers in the attic", "flowers in the attic", "asked"),
        ("i'm looking for something like the notebook", "the notebook", "liked"),
        ("i really like jaws", "jaws", "liked"),
        # a cue that rules out what follows it speaks of that, not of the name before it
        ("something light and funny, nothing with adam sandler", "funny", "liked"),
        ("loved heat, nothing by michael bay", "heat", "liked"),
        ("avatar, nothing like it", "avatar", "disliked"),
        ("source code was fun. and nightcrawler no thx", "nightcrawler", "disliked"),
        ("crime or mystery, but nothing from the 2020s", "mystery", "liked"),
    ],
)
def test_polarity(text, title, said):
    start = text.index(title)
    assert polarity(text, start, start + len(title)) == said


BOOKS = [
    ("And Then There Were None", 1939, "Agatha Christie", "Mystery"),
    ("Murder on the Orient Express", 1934, "Agatha Christie", "Mystery"),
    ("The Murder of Roger Ackroyd", 1926, "Agatha Christie", "Mystery"),
    ("The Hound of the Baskervilles", 1902, "Arthur Conan Doyle", "Mystery"),
    ("Gone Girl", 2012, "Gillian Flynn", "Mystery;Thriller"),
    ("The Girl with the Dragon Tattoo", 2005, "Stieg Larsson", "Mystery;Thriller"),
    ("The Big Sleep", 1939, "Raymond Chandler", "Mystery;Crime"),
    ("The Maltese Falcon", 1930, "Dashiell Hammett", "Mystery;Crime"),
    ("The Name of the Rose", 1980, "Umberto Eco", "Mystery;Historical"),
    ("In Cold Blood", 1966, "Truman Capote", "Crime;Nonfiction"),
    ("Pride and Prejudice", 1813, "Jane Austen", "Romance;Classic"),
    ("Emma", 1815, "Jane Austen", "Romance;Classic"),
    ("Dune", 1965, "Frank Herbert", "Science Fiction"),
    ("Foundation", 1951, "Isaac Asimov", "Science Fiction"),
    ("The Hobbit", 1937, "J. R. R. Tolkien", "Fantasy"),
    ("The Shining", 1977, "Stephen King", "Horror"),
    ("Misery", 1987, "Stephen King", "Horror;Thriller"),
    ("Rebecca", 1938, "Daphne du Maurier", "Mystery;Gothic"),
    ("The Da Vinci Code", 2003, "Dan Brown", "Mystery;Thriller"),
    ("Big Little Lies", 2014, "Liane Moriarty", "Mystery;Fiction"),
]
BOOK_MAPPING = FieldMapping(
    id="id",
    title="title",
    fields={
        "year": FieldSpec(column="year", type="int"),
        "authors": FieldSpec(column="authors", type="list", separator=";"),
        "genres": FieldSpec(column="genres", type="list", separator=";"),
    },
    text=["genres", "authors"],
)


@pytest.fixture(scope="module")
def book_bot(tmp_path_factory, embedder) -> ChatRec:
    directory = tmp_path_factory.mktemp("books")
    lines = ["id,title,year,authors,genres"]
    lines += [f'book-{i},"{t}",{y},{a},{g}' for i, (t, y, a, g) in enumerate(BOOKS)]
    source = directory / "books.csv"
    source.write_text("\n".join(lines) + "\n")
    settings = make_settings(directory, collection="books")
    store = Store(settings)
    run_ingest(read_rows(source, BOOK_MAPPING), BOOK_MAPPING, store, embedder, log=lambda _: None)
    retriever = Retriever(embedder, store)
    return plain_bot(retriever, settings)


def _title(bot: ChatRec, item_id: str) -> str:
    return str(bot.retriever.catalog[item_id]["title"])


def test_books_authors_are_people(book_bot):
    reply = book_bot.chat("nothing by Agatha Christie please, a mystery")
    assert reply.state.dislikes.people == ["Agatha Christie"]
    assert "Mystery" in reply.state.likes.genres
    assert reply.recommendations
    for rec in reply.recommendations:
        assert "Agatha Christie" not in book_bot.retriever.catalog[rec.item_id]["authors"], rec.label
        assert "Mystery" in rec.genres


def test_books_titles_and_polarity(book_bot):
    reply = book_bot.chat("i loved gone girl but the da vinci code was boring")
    assert [_title(book_bot, i) for i in reply.state.liked_ids] == ["Gone Girl"]
    assert [_title(book_bot, i) for i in reply.state.disliked_ids] == ["The Da Vinci Code"]
    reply = book_bot.chat("anything by stephen king?")
    assert reply.state.likes.people == ["Stephen King"]
    assert any(_title(book_bot, r.item_id) in {"The Shining", "Misery"} for r in reply.recommendations)


def test_title_keys_write_sequels_as_people_do():
    assert title_keys("The Godfather: Part II") == [
        "godfather part ii",
        "godfather 2",
        "godfather ii",
        "godfather part 2",
    ]
    assert "kill bill 2" in title_keys("Kill Bill: Vol. 2")
    assert title_keys("Heat") == ["heat"]
    assert title_keys("Avengers: Infinity War") == ["avengers infinity war", "infinity war"]


def test_forest_reproduces_the_fitted_trees():
    """The shipped filter is scikit-learn's boosted trees evaluated by our own NumPy code."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] * x[:, 1] > 0).astype(float)  # an interaction no linear filter can draw
    ours = Forest(fit_forest(x, y)).probability(x)
    theirs = HistGradientBoostingClassifier(
        max_iter=TREES, max_leaf_nodes=LEAVES, learning_rate=0.1, early_stopping=False, random_state=0
    ).fit(x, y)
    assert np.allclose(ours, theirs.predict_proba(x)[:, 1], atol=1e-6)
    assert ((ours > 0.5) == y).mean() > 0.9


def test_a_title_inside_the_name_of_a_film_the_catalog_lacks_is_not_that_title():
    catalog = {"a": {"title": "Pacific Rim", "year": 2013}, "b": {"title": "Blade Runner", "year": 1982}}
    stats = ReaderStats(
        mention_counts={"pacific rim uprising": 3, "pacific rim": 5, "blade runner 2049": 4},
        text_counts={},
        word_counts={},
        item_counts={"a": 5, "b": 9},
        aliases={},
        forest={},
        threshold=0.5,
    )
    spotter = TitleSpotter(catalog, stats)
    for text, inside in [
        ("i want to see pacific rim uprising", 1.0),
        ("i really loved blade runner 2049", 1.0),
        ("pacific rim was fun", 0.0),
    ]:
        tokens = tokenize(text)
        (cand,) = spotter.candidates(tokens, fuzzy=False)
        assert spotter.features(tokens, cand, text, cand.key)[F["inside_other"]] == inside, text


def test_spotter_without_statistics_falls_back_to_rules():
    catalog = {"a": {"title": "Gone Girl", "year": 2012}, "b": {"title": "Emma", "year": 1815}}
    spotter = TitleSpotter(catalog, stats=None)
    assert [m.item_id for m in spotter.spot("I loved Gone Girl")] == ["a"]
    assert [m.item_id for m in spotter.spot("have you read 'Emma'?")] == ["b"]
    assert spotter.spot("emma is my sister") == []


def test_typos_of_known_films_are_found_in_a_catalog_too_big_to_compare_every_title(monkeypatch):
    """Past TYPO_KEYS title keys (a catalog of millions) a typo is compared with the best-known
    films' titles only (README, "The store at scale"): those are still found, the obscure are not."""
    from chatrec.understanding import tokens

    catalog = {
        "known": {"title": "Jurassic Park", "year": 1993, "reviews": 200},
        "obscure": {"title": "Jurassic Parka", "year": 2001, "reviews": 1},
        **{f"x{n}": {"title": f"Filler Picture {n}", "year": 2000, "reviews": 5} for n in range(40)},
    }
    assert [m.item_id for m in TitleSpotter(catalog).spot("jurasic parka was fun")] == ["obscure"]
    monkeypatch.setattr(tokens, "TYPO_KEYS", 10)
    spotter = TitleSpotter(catalog)
    assert [m.item_id for m in spotter.spot("jurasic park was amazing")] == ["known"]
    assert [m.item_id for m in spotter.spot("jurasic parka was fun")] == ["known"]


def test_every_title_of_the_default_catalog_is_compared_for_typos(movie_rows):
    from chatrec.understanding.mentions import FUZZY_MIN_CHARS
    from chatrec.understanding.tokens import TYPO_KEYS

    keys = {k for row in movie_rows for k in title_keys(str(row.get("title", "")))}
    assert len([k for k in keys if len(k) >= FUZZY_MIN_CHARS]) <= TYPO_KEYS


def test_surnames_by_credits_or_renown_with_near_misses_only_for_words_no_one_wrote():
    credits = {
        "Akira Kurosawa": 32, "Kiyoshi Kurosawa": 2, "Christopher Nolan": 14, "Jonathan Nolan": 6,
        "Lloyd Nolan": 13, "Nolan Gould": 3, "Melissa Leo": 40, "Leo Gorcey": 30, "Leo McCarey": 20,
        "Joel Coen": 17, "Ethan Coen": 16, "Pat Shortt": 8, "Leonardo DiCaprio": 34,
    }  # fmt: skip
    fame = {"Christopher Nolan": 2808, "Jonathan Nolan": 1578, "Lloyd Nolan": 600, "Nolan Gould": 90}
    fame |= {"Melissa Leo": 3857, "Leo Gorcey": 3000, "Leo McCarey": 5000, "Akira Kurosawa": 980}
    names = Surnames._build(credits, fame)
    words = {"shorter": 120}  # uses as plain words in ReDial train
    assert names.person("nolan", words) == "Christopher Nolan"  # renown, though Lloyd has 13 credits
    assert names.person("leo", words) is None  # the Leos together are better known than Melissa Leo
    assert names.person("kurasawa", words) == "Akira Kurosawa"  # a near miss no one wrote otherwise
    assert names.person("shorter", words) is None  # a word, never Pat Shortt
    assert names.person("coen", words) is None and names.family("coen") == ["Joel Coen", "Ethan Coen"]
    assert names.nicknamed("leo", "dicaprio") == "Leonardo DiCaprio"
    assert names.nicknamed("the", "dicaprio") is None
    assert names.person("dicaprio", {"dicaprio": 61}, cued=False) is None  # too common with no cue


def test_a_real_surname_is_no_misspelling_and_a_misspelt_full_name_is_its_holder():
    credits = {"Ingmar Bergman": 40, "Ingrid Bergman": 38, "S. N. Behrman": 9, "Cate Blanchett": 45}
    credits |= {"Jake Gyllenhaal": 30, "Maggie Gyllenhaal": 25, "Cate Shortland": 6}
    names = Surnames._build(credits)
    assert names.person("bergman", {}) is None  # Ingmar and Ingrid share it: never S. N. Behrman
    assert names.person("gyllenhaal", {}) is None
    assert names.misspelt("cate", "blanchet") == "Cate Blanchett"
    assert names.misspelt("jake", "gyllenhal") == "Jake Gyllenhaal"
    assert names.misspelt("cate", "shortland") is None  # said right: the full-name reader has it
    assert names.misspelt("tom", "blanchet") is None
