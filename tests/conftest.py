"""Shared fixtures: real models and real Chroma stores, each built once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import chatrec  # noqa: F401  (sets the offline switches before any model library loads)
from chatrec.catalog.recent import RECENT_ID_PREFIX
from chatrec.config import Settings
from chatrec.ingest import movies
from chatrec.ingest.pipeline import Summary, run_ingest
from chatrec.ingest.plots import default_plots
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Store
from chatrec.store.embeddings import Embedder, load_embedder
from chatrec.store.shipped import with_shipped_vectors
from tests.helpers import Postgres, make_settings, postgres


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(Settings())


@pytest.fixture(scope="session")
def movie_rows() -> list[dict]:
    """The default catalog's rows as ingest reads them: the old films, then the recent ones."""
    return list(movies.default_rows().rows)


@pytest.fixture(scope="session")
def full_ingest(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Store, Summary]:
    """The whole default catalog ingested once, as `chatrec ingest` does it.

    ``CHATREC_TEST_STORE=DIR`` keeps the store in DIR across runs (ingest then only checks it).
    """
    kept = os.environ.get("CHATREC_TEST_STORE")
    settings = make_settings(Path(kept) if kept else tmp_path_factory.mktemp("full"))
    store = Store(settings)
    rows = movies.default_rows().rows
    shipped = with_shipped_vectors(embedder, Settings())  # as `chatrec ingest` embeds the default catalog
    summary = run_ingest(rows, movies.MAPPING, store, shipped, batch_size=settings.ingest_batch_size)
    return store, summary


@pytest.fixture(scope="session")
def retriever(full_ingest: tuple[Store, Summary], embedder: Embedder) -> Retriever:
    return Retriever(embedder, full_ingest[0])


# Films the logic and scenario tests name, kept in the small catalog beside the most-reviewed films.
# fmt: off
NAMED = {
    "Total Recall (1990)", "Total Recall (2012)", "A Nightmare on Elm Street (1984)",
    "A Nightmare on Elm Street (2010)", "Inception (2010)", "Memento (2000)", "Jaws (1975)",
    "Heat (1995)", "The Heat (2013)", "Ronin (1998)",
    "Collateral (2004)", "The Godfather (1972)", "The Matrix (1999)", "Jurassic Park (1993)",
    "Titanic (1997)", "The Mask (1994)", "Ace Ventura: Pet Detective (1994)", "Liar Liar (1997)",
    "Dumb and Dumber (1994)",
    "Toy Story (1995)", "Frozen (2013)", "Drive (2011)", "Alien (1979)", "Aliens (1986)", "Up (2009)",
    "Goodfellas (1990)", "Pulp Fiction (1994)", "Fight Club (1999)", "Seven (1995)", "Shrek (2001)",
    "The Shining (1980)", "Saw (2003)", "Gravity (2013)", "Avatar (2009)", "Casino (1995)", "Scarface (1983)",
    "Superbad (2007)", "The Hangover (2009)", "Ghostbusters (1984)", "Back to the Future (1985)",
    "The Insider (1999)",
}
# Recent films (2015–2025) the scenario tests name; every film of 2019 joins them, so that a
# request for a year of the recent catalog has a whole year to choose from.
NAMED_RECENT = {
    "La La Land (2016)", "Arrival (2016)", "Hidden Figures (2016)", "Don't Breathe (2016)",
    "The Conjuring 2 (2016)", "Zootopia (2016)", "Hell or High Water (2016)", "The Nice Guys (2016)",
    "Get Out (2017)", "It (2017)", "Avengers: Infinity War (2018)",
}
RECENT_YEAR = 2019
# fmt: on
SMALL_SIZE = 1000
# Tests that use any of these need the full catalog, a real server, a browser or the real LLM:
# they are marked slow, and `pytest -m "not slow"` is the fast lane for logic.
SLOW_FIXTURES = {
    "full_ingest",
    "qwen",
    "llama_server",
    "llama_embedding_server",
    "fault_server",
    "app_url",
    "chroma_url",
    "postgres_server",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def small_retriever(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, movie_rows: list[dict]
) -> Retriever:
    """The 1,000 most-reviewed films plus the ones tests name and the recent films of 2019, in a
    real Chroma store with real embeddings: the agent's logic runs exactly as on the full catalog,
    in seconds."""

    def wanted(rank: int, row: dict) -> bool:
        label = f"{row.get('title')} ({row.get('year')})"
        recent = str(row["id"]).startswith(RECENT_ID_PREFIX)
        return (
            (not recent and rank < SMALL_SIZE)
            or label in NAMED | NAMED_RECENT
            or (recent and row.get("year") == RECENT_YEAR)
        )

    by_reviews = sorted(movie_rows, key=lambda r: (-int(r.get("reviews") or 0), str(r["id"])))
    rows = [row for rank, row in enumerate(by_reviews) if wanted(rank, row)]
    missing = (NAMED | NAMED_RECENT) - {f"{r.get('title')} ({r.get('year')})" for r in rows}
    assert not missing, f"named films not in the default catalog: {missing}"
    store = Store(make_settings(tmp_path_factory.mktemp("small")))
    # With the shipped plot knowledge, as the default ingest does: topics and plot-blended vectors.
    run_ingest(rows, movies.MAPPING, store, embedder, batch_size=256, plots=default_plots(0.5))
    return Retriever(embedder, store)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One real PostgreSQL server for the test session (Debian's package, initdb in a temp dir)."""
    with postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: Postgres) -> str:
    """A fresh database on the session's server, for one test."""
    return postgres_server.new_database()
