"""Retrieval over the full default catalog: the known answer, filters as guarantees, the CLI."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatrec.catalog.filters import Filters
from chatrec.errors import ConfigError
from tests.helpers import run_module, violations

GENRES = [
    "Drama",
    "Comedy",
    "Horror",
    "Action",
    "Crime",
    "Thriller",
    "Documentary",
    "Sci-Fi",
    "Animation",
    "Western",
]
RATINGS = ["G", "PG", "PG-13", "R", "NC-17"]
LANGUAGES = ["English", "French", "Spanish", "Japanese", "Italian", "German"]
QUERIES = [
    "heist thriller",
    "funny animated film for kids",
    "space adventure",
    "romance in Paris",
    "war drama",
    "",
]


def test_full_catalog_is_in_the_store(full_ingest):
    store, summary = full_ingest
    assert summary.skipped == 0
    assert summary.added + summary.updated + summary.unchanged == store.count() == 20785
    years = [y for m in store.metadata().values() if isinstance(y := m.get("year"), int)]
    assert (min(years), max(years)) == (1940, 2025)  # bokeh's 17,472 films and 3,313 recent ones


def test_heat_for_a_michael_mann_heist_query(retriever):
    hits = retriever.search("heist thriller in the 90s directed by Michael Mann", n=5)
    assert "Heat (1995)" in [h.item.label for h in hits]


def test_exclusions_are_exact(retriever):
    top = retriever.search("heist thriller", n=10)
    excluded = [h.item.id for h in top[:4]]
    again = retriever.search("heist thriller", n=6, exclude_ids=excluded)
    assert [h.item.id for h in again] == [h.item.id for h in top[4:10]]


def test_unknown_values_never_pass_a_constraint(retriever):
    hits = retriever.search("documentary", n=50, filters=Filters(max_runtime=60, not_genres=["Horror"]))
    assert len(hits) == 50
    assert all("runtime" in h.item.metadata and "genres" in h.item.metadata for h in hits)


def test_filter_values_are_matched_to_the_catalog_spelling(retriever):
    canonical = retriever.canonical(Filters(genres=["sci-fi"], ratings=["pg-13"], languages=["FRENCH"]))
    assert (canonical.genres, canonical.ratings, canonical.languages) == (["Sci-Fi"], ["PG-13"], ["French"])
    with pytest.raises(ConfigError, match="unknown genres 'Dramedy'"):
        retriever.canonical(Filters(not_genres=["Dramedy"]))


years = st.one_of(st.none(), st.integers(1930, 2020))
PEOPLE = ["Michael Mann", "Al Pacino", "Woody Allen", "Meryl Streep"]


@st.composite
def filters_strategy(draw: st.DrawFn) -> Filters:
    year_from, year_to = draw(years), draw(years)
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    return Filters(
        year_from=year_from,
        year_to=year_to,
        genres=draw(st.lists(st.sampled_from(GENRES), max_size=2, unique=True)),
        not_genres=draw(st.lists(st.sampled_from(GENRES), max_size=3, unique=True)),
        max_runtime=draw(st.one_of(st.none(), st.integers(40, 240))),
        ratings=draw(st.lists(st.sampled_from(RATINGS), max_size=2, unique=True)),
        languages=draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True)),
        people=draw(st.lists(st.sampled_from(PEOPLE), max_size=1)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=filters_strategy(), query=st.sampled_from(QUERIES), n=st.integers(1, 30))
def test_no_filter_combination_returns_a_violating_item(retriever, f, query, n):
    hits = retriever.search(query, n=n, filters=f)
    assert len(hits) <= n
    assert len({h.item.id for h in hits}) == len(hits)
    for hit in hits:
        assert not violations(hit.item.metadata, f), (hit.item.label, hit.item.metadata)


def test_search_cli_prints_results(full_ingest, tmp_path):
    store, _ = full_ingest
    env = {"CHATREC_DATA_DIR": str(store.settings.data_dir)}
    out = run_module(
        "chatrec", "search", "heist thriller in the 90s directed by Michael Mann", "-n", "5", env=env
    )
    assert out.returncode == 0, out.stderr
    assert "Heat (1995)" in out.stdout
    out = run_module(
        "chatrec",
        "search",
        "comedy",
        "--genre",
        "comedy",
        "--year-from",
        "1980",
        "--year-to",
        "1989",
        "-n",
        "3",
        env=env,
    )
    assert out.returncode == 0
    details = [line for line in out.stdout.splitlines() if line.startswith("    ")]
    assert len(details) == 3 and all("Comedy" in line.split(" · ")[0] for line in details)
    bad = run_module("chatrec", "search", "x", "--year-from", "2000", "--year-to", "1990", env=env)
    assert bad.returncode == 1 and "after year_to" in bad.stderr and "Traceback" not in bad.stderr
