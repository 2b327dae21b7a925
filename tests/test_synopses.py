"""The shipped plot synopses: they load fast, are short quoted openings, and belong to the right film.

Fast: reads the shipped file and looks films up in the catalog's SQLite file directly (no ingest).
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

from chatrec.catalog.recent import packaged_recent
from chatrec.catalog.synopses import CREDIT, DEFAULT_PATH, Synopses
from chatrec.errors import SourceError
from chatrec.ingest.movies import movies_db_path

ENDS_A_SENTENCE = re.compile(r"[.!?…][\"”’')\]]*$")  # a stop, or the "…" of a cut clause, then any closer


@pytest.fixture(scope="module")
def synopses() -> Synopses:
    return Synopses.load()


@pytest.fixture(scope="module")
def catalog_id():
    """Catalog item id (``omdb.ID`` as text, as the ingest forms it) of a title and year."""
    try:
        db = sqlite3.connect(movies_db_path())
    except SourceError:
        pytest.skip("bokeh-sampledata (the default catalog) is not installed")

    def lookup(title: str, year: int) -> str:
        rows = db.execute("SELECT ID FROM omdb WHERE Title = ? AND Year = ?", (title, year)).fetchall()
        assert len(rows) == 1, (title, year, rows)
        return str(rows[0][0])

    yield lookup
    db.close()


def test_the_shipped_file_loads_in_well_under_a_second_and_covers_most_plotted_films():
    started = time.perf_counter()
    loaded = Synopses.load(DEFAULT_PATH)  # read afresh, not the shared packaged copy
    assert time.perf_counter() - started < 0.5
    assert len(loaded) >= 9_000


def test_every_synopsis_is_short_and_ends_a_sentence_or_a_cut_clause(synopses):
    texts = [synopses.get(item_id) for item_id in _ids(DEFAULT_PATH)]
    assert len(texts) + len(packaged_recent().stories()) == len(synopses)
    for text in texts:
        assert text and len(text) <= 400, text
        assert ENDS_A_SENTENCE.search(text), text
        assert not re.search(r"\[\d+\]|  |\(see below\)", text), text  # wiki artefacts cleaned


def test_the_file_is_sorted_by_id_and_gzipped_without_a_timestamp():
    ids = _ids(DEFAULT_PATH)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert DEFAULT_PATH.read_bytes()[4:8] == b"\0\0\0\0"  # gzip MTIME = 0: a rebuild is byte-identical


def test_known_films_carry_their_own_story(synopses, catalog_id):
    heat = synopses.get(catalog_id("Heat", 1995))
    assert heat and re.search(r"heist|robbery|\brob\b|McCauley", heat)
    # The 1972 Heat is another story (a former child star in Los Angeles), not the 1995 heist.
    heat_1972 = synopses.get(catalog_id("Heat", 1972))
    assert heat_1972 and "McCauley" not in heat_1972 and "Los Angeles" in heat_1972
    godfather = synopses.get(catalog_id("The Godfather", 1972))
    assert godfather and "Corleone" in godfather
    jaws = synopses.get(catalog_id("Jaws", 1975))
    assert jaws and "Amity" in jaws


def test_a_known_mislink_has_no_synopsis(synopses, catalog_id):
    # Titanic (1997) is linked to the 1996 miniseries' plot: better no synopsis than the wrong story.
    assert catalog_id("Titanic", 1997) not in synopses
    assert "Titanic" in (synopses.get(catalog_id("Titanic", 1953)) or "")


def test_unknown_ids_have_none(synopses):
    assert synopses.get("no-such-film") is None
    assert "no-such-film" not in synopses
    assert synopses.get("tt0113277") is None  # keyed by catalog item id, not IMDb id


def test_a_given_file_loads_and_the_credit_names_the_licence(tmp_path):
    path = tmp_path / "s.jsonl.gz"
    rows = [{"id": "1", "synopsis": "A quoted opening."}, {"id": "2", "synopsis": "Another one."}]
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode(), mtime=0))
    loaded = Synopses.load(path)
    assert len(loaded) == 2 and "1" in loaded and loaded.get("2") == "Another one."
    assert loaded.get("3") is None
    assert CREDIT == "Plot: Wikipedia, CC BY-SA"


def _ids(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["id"] for line in fh]
