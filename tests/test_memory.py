"""The catalog in memory: the retriever's filter masks (built from the catalog it read) agree with
Chroma's ``where`` on real catalog rows, its filtered search is exact, and items ingested after the
catalog was read still come from the store."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatrec.catalog import Item
from chatrec.catalog.filters import Filters
from chatrec.ingest import movies
from chatrec.ingest.pipeline import collect_items
from chatrec.retrieval import memory
from chatrec.retrieval.retriever import MASKS, Retriever
from chatrec.store.chroma import Store
from tests.conftest import make_settings
from tests.test_retrieval import filters_strategy


@pytest.fixture(scope="module")
def rows_store(tmp_path_factory, movie_rows, embedder) -> Retriever:
    """Every tenth film of the default catalog (with the people the filter strategy names), under
    random unit vectors: real metadata, and no minutes spent embedding."""
    items, _ = collect_items(movie_rows, movies.MAPPING)
    people = {"Michael Mann", "Al Pacino", "Woody Allen", "Meryl Streep"}
    chosen = [i for k, i in enumerate(items.values()) if k % 10 == 0 or people & i.people]
    vectors = np.random.default_rng(0).normal(size=(len(chosen), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = Store(make_settings(tmp_path_factory.mktemp("rows")))
    store.upsert(chosen, vectors, ["h"] * len(chosen))
    return Retriever(embedder, store)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=filters_strategy(), min_runtime=st.one_of(st.none(), st.integers(60, 150)))
def test_masks_agree_with_chroma(rows_store, f, min_runtime):
    f = f.model_copy(update={"min_runtime": min_runtime})
    if f.max_runtime is not None and min_runtime is not None and f.max_runtime < min_runtime:
        f = f.model_copy(update={"max_runtime": None})
    ids = list(rows_store.catalog)
    chroma = {item.id for item in rows_store.store.get(ids, filters=f)}
    assert {item.id for item in rows_store.items(ids, f)} == chroma


@pytest.mark.parametrize(
    "f",
    [Filters(year_from=1980, year_to=1999, not_genres=["Horror"]), Filters()],
    ids=["filtered", "unfiltered"],
)
def test_search_is_exact_and_keeps_exclusions(rows_store, f):
    stored = rows_store.store.vectors(list(rows_store.catalog))
    liked = next(iter(stored))
    vector = stored[liked]  # no request text: the liked film's vector is the query
    passing = {i.id for i in rows_store.store.get(list(stored), filters=f)} - {liked}
    best = sorted(passing, key=lambda i: -float(stored[i] @ vector))
    hits = rows_store.search("", n=20, filters=f, exclude_ids=[liked, *best[:3]], like_ids=[liked])
    assert [h.item.id for h in hits] == best[3:23]
    assert [h.score for h in hits] == pytest.approx([float(stored[i] @ vector) for i in best[3:23]], abs=1e-5)


def test_items_ingested_after_the_catalog_was_read(rows_store, embedder, tmp_path):
    store = Store(make_settings(tmp_path))
    old = Item("old", "Old", "Old (1950). Drama.", {"title": "Old", "year": 1950, "genres": ["Drama"]})
    store.upsert([old], embedder.embed([old.text]), ["h"])
    retriever = Retriever(embedder, store)
    retriever.warm()
    new = Item("new", "New", "New (2010). Drama.", {"title": "New", "year": 2010, "genres": ["Drama"]})
    store.upsert([new], embedder.embed([new.text]), ["h"])
    assert [i.id for i in retriever.items(["new", "old", "new"], Filters(year_from=2000))] == ["new", "new"]
    assert sorted(retriever.vectors(["old", "new"])) == ["new", "old"]


SCALE_FILTERS = [
    Filters(),
    Filters(not_genres=["Horror"]),
    Filters(genres=["Comedy"], year_from=1980),
    Filters(people=["Al Pacino"]),
    Filters(year_from=1990, year_to=1999, max_runtime=100),
    Filters(people=["Nobody At All"]),
]


@pytest.mark.parametrize("way", ["gather rows", "full product", "cached product"])
def test_every_scan_of_the_table_gives_the_exact_ranking(rows_store, monkeypatch, way):
    """At 1M items a narrow filter scans only its rows and a turn's queries share one product
    (README, "The store at scale"): each way ranks exactly as a brute-force pass over Chroma's
    stored vectors and Chroma's own ``where``."""
    monkeypatch.setattr(memory, "GATHER_SHARE", 1.0 if way == "gather rows" else 0.0)
    table = rows_store._table
    assert table is not None
    ids = list(rows_store.catalog)
    stored = rows_store.store.vectors(ids)
    for query in ids[:3]:
        vector = stored[query]
        if way == "cached product":
            table.similarities(vector)
        for f in SCALE_FILTERS:
            passing = {i.id for i in rows_store.store.get(ids, filters=f)} - {query}
            best = sorted(passing, key=lambda i: (-float(stored[i] @ vector), table.index.row[i]))[:25]
            found = table.nearest(vector, 25, rows_store._allowed(f), exclude_ids=[query])
            assert [i for i, _ in found] == best, (way, f)
            assert [s for _, s in found] == pytest.approx([float(stored[i] @ vector) for i in best], abs=1e-5)


def test_cached_masks_stay_those_of_their_filters(rows_store):
    """More filter sets than the cache holds, asked in turns: each answer is still its own."""
    index = rows_store._index
    sets = [Filters(year_from=year) for year in range(1950, 1950 + 2 * MASKS)] + SCALE_FILTERS
    for f in [*sets, *reversed(sets), *sets]:
        assert np.array_equal(rows_store._allowed(f), index.allowed(f)), f
    assert len(rows_store._masks) == MASKS
