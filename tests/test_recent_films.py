"""The recent films (2015–2025): how the builder cleans the source, and what the default catalog
gets from the shipped file. Fast: no store, no model."""

from __future__ import annotations

import gzip
from collections import Counter

from benchmarks.build_recent_films import clean_rows, directors, genres_from_lead, story
from chatrec.catalog.recent import RECENT_ID_PREFIX, RecentFilms, packaged_recent, read_recent
from chatrec.catalog.synopses import Synopses
from chatrec.ingest import movies
from chatrec.ingest.pipeline import collect_items

LEAD = (
    "Mercy is a 2023 American action film written by Alex Wright, directed by Tony Dean Smith and "
    "starring Leah Gibson and Jon Voight. It follows the doctor, a former military, who must protect "
    "the patient when the Irish mob takes over the hospital. It grossed $2 million."
)


def test_directors_are_read_from_directed_by():
    assert directors(LEAD) == ["Tony Dean Smith"]
    assert directors("X is a 2018 film. Directed by Anthony and Joe Russo and written by Ann Bee.") == [
        "Anthony Russo",
        "Joe Russo",
    ]
    assert directors("X is a 2024 film written and directed by Megan Park. It stars Maisy Stella.") == [
        "Megan Park"
    ]
    assert directors("X is a 2024 film directed by D. J. Caruso from a screenplay.") == ["D. J. Caruso"]
    assert directors("X is a 2024 film starring Ann Bee.") == []


def test_the_story_is_quoted_whole_from_the_sentences_that_tell_it():
    assert story(LEAD) == (
        "It follows the doctor, a former military, who must protect the patient when the Irish mob "
        "takes over the hospital."
    )
    assert story("X is a 2016 film. It stars Ann Bee. It grossed $3 million.") == ""
    assert story("X is a 2016 film. The film received reviews that focused on its pace.") == ""


def test_genres_come_from_the_first_sentence_in_the_catalogs_spelling():
    assert genres_from_lead("Ick is a 2024 science fiction horror comedy film directed by Joseph Kahn.") == [
        "Sci-Fi",
        "Horror",
        "Comedy",
    ]


def test_bad_rows_are_skipped_and_counted_never_fatal():
    rows = [
        {"title": "Good", "year": 2019, "href": "Good_(film)", "extract": LEAD, "genres": ["Action"]},
        {"title": "Good", "year": 2019, "href": "Good_(film)", "extract": LEAD},  # the same article
        {"title": "Mercy", "year": 2023, "href": None, "extract": "Mercy may refer to: a film, a song."},
        {"title": "No lead", "year": 2020, "href": "No_lead", "extract": ""},
        {"title": "", "year": 2020, "href": "X", "extract": LEAD},
        {"title": "Far", "year": "soon", "href": "Far", "extract": LEAD},
        {"title": "Let's", "year": 2015, "href": "Let%27s_Go", "extract": LEAD, "cast": ["A B", " "]},
    ]
    counts: Counter[str] = Counter()
    films = clean_rows(rows, counts)
    assert [f["id"] for f in films] == ["wiki:Good_(film)", "wiki:Let%27s_Go"]  # the href as given
    assert counts["dropped: same article twice"] == 1
    assert counts["dropped: disambiguation page"] == 1
    assert counts["dropped: no article or lead"] == 1
    assert counts["dropped: no title or year"] == 2
    assert films[1]["genres"] == ["Action"] and films[1]["cast"] == ["A B"]  # genres from the lead


def test_a_bad_line_of_the_shipped_file_is_skipped_and_counted(tmp_path):
    path = tmp_path / "films.jsonl.gz"
    lines = ['{"id": "wiki:A", "title": "A", "year": 2020}', "not json", '{"id": "B", "title": "B"}', "[]"]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    found = read_recent(path)
    assert [f["id"] for f in found.films] == ["wiki:A"] and found.skipped == 3
    assert read_recent(tmp_path / "missing.jsonl.gz") == RecentFilms()


def test_the_default_catalog_runs_to_2025_and_keeps_the_old_row_of_a_film_in_both():
    catalog = movies.default_rows()
    assert catalog.joined > 0 and catalog.recent + catalog.joined == len(packaged_recent().films)
    items, rejected = collect_items(catalog.rows, movies.MAPPING)
    assert not rejected
    years = [item.year for item in items.values() if item.year]
    assert (min(years), max(years)) == (1940, 2025)
    recent = [item for item in items.values() if item.id.startswith(RECENT_ID_PREFIX)]
    assert len(recent) == catalog.recent > 3000
    ex_machina = [item for item in items.values() if item.title == "Ex Machina"]
    assert [item.year for item in ex_machina] == [2014]  # bokeh's row; the list's 2015 one joined it
    arrival = items["wiki:Arrival_(film)"]
    assert (
        arrival.metadata["directors"] == ["Denis Villeneuve"] and arrival.metadata["href"] == "Arrival_(film)"
    )
    assert arrival.metadata["reviews_prior"] == catalog.prior > 0 and "reviews" not in arrival.metadata
    get_out = items["wiki:Get_Out"]
    assert Synopses.load().get(get_out.id) in get_out.text  # the story is embedded
