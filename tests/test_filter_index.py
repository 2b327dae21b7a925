"""Filtered queries answered by the in-memory FilterIndex give Chroma's own results.

The index replaced Chroma's ``where`` scans for speed at a million items (README, "The store at
scale"); these tests hold it to the same answers on a real store with real embeddings.
"""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.catalog.filters import Filters
from chatrec.store import chroma

# Every kind of constraint the agent sends, alone and combined, including values nobody has.
FILTERS = [
    Filters(year_from=1990, year_to=1999),
    Filters(year_to=1960),
    Filters(genres=["Comedy"]),
    Filters(genres=["Drama", "Romance"]),
    Filters(not_genres=["Horror"]),
    Filters(not_genres=["Horror", "Comedy"], year_from=2000),
    Filters(max_runtime=100),
    Filters(min_runtime=150, genres=["Action"]),
    Filters(ratings=["PG", "PG-13"]),
    Filters(languages=["French", "Italian"]),
    Filters(people=["Tom Hanks"]),
    Filters(people=["Michael Mann", "Al Pacino"]),
    Filters(topics=["heist"]),
    Filters(year_from=1980, genres=["Drama"], max_runtime=120, not_genres=["War"]),
    Filters(people=["Nobody At All"]),
]
QUERIES = ["a heist thriller", "something funny for the family", "a sad war drama", "space adventure"]


def chroma_where(store, vector, n, f):
    res = store._col.query(query_embeddings=[vector], n_results=n, where=f.where(), include=["distances"])
    return res["ids"][0], [1 - d for d in res["distances"][0]]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: str(f.where()))
def test_the_index_allows_exactly_what_chroma_where_allows(small_retriever, f):
    store = small_retriever.store
    index = store.filter_index()
    assert len(index) == store.count()
    chroma_ids = set(store._col.get(where=f.where(), include=[])["ids"])
    assert set(index.ids[index.allowed(f)].tolist()) == chroma_ids


def exact_nearest(store, vector, n, f):
    """The true top ``n`` of the allowed items by cosine (the stored vectors are unit length)."""
    allowed = store._col.get(where=f.where(), include=[])["ids"]
    if not allowed:
        return []
    sims = store.matrix(allowed) @ np.asarray(vector, dtype=np.float32)
    return [allowed[i] for i in np.argsort(-sims, kind="stable")[:n]]


@pytest.mark.parametrize("exact_limit", [chroma.EXACT_LIMIT, 0], ids=["exact ids", "over-fetch"])
def test_filtered_queries_give_chroma_s_results(small_retriever, embedder, monkeypatch, exact_limit):
    monkeypatch.setattr(chroma, "EXACT_LIMIT", exact_limit)
    store, recalls = small_retriever.store, []
    for query in QUERIES:
        vector = embedder.embed_query(query)
        for f in FILTERS:
            hits = store.query(vector, n=20, filters=f)
            if exact_limit:
                ids, _ = chroma_where(store, vector, 20, f)
                assert [h.item.id for h in hits] == ids, (query, f)
            else:  # over the unfiltered HNSW graph, an approximation: held to the exact top 20
                found = {h.item.id for h in hits}
                assert found <= set(store._col.get(where=f.where(), include=[])["ids"])
                truth = exact_nearest(store, vector, 20, f)
                recalls.append(len(found & set(truth)) / len(truth) if truth else float(not hits))
                assert recalls[-1] >= 0.8, (query, f)  # HNSW builds vary from run to run
            for hit in store.query(vector, n=5, filters=f):
                assert hit.item.metadata and hit.item.text, "documents and metadata come along"
    assert not recalls or np.mean(recalls) >= 0.95


def test_writes_refresh_the_index(small_retriever, tmp_path, movie_rows, embedder):
    from chatrec.ingest import movies
    from chatrec.ingest.pipeline import run_ingest
    from chatrec.store.chroma import Store
    from tests.helpers import make_settings

    store = Store(make_settings(tmp_path))
    run_ingest(movie_rows[:50], movies.MAPPING, store, embedder)
    vector = np.asarray(embedder.embed_query("a drama"))
    before = len(store.query(vector, n=100, filters=Filters(year_from=1900)))
    run_ingest(movie_rows[:80], movies.MAPPING, store, embedder)
    after = len(store.query(vector, n=100, filters=Filters(year_from=1900)))
    assert after > before, "items written after the index was built are found"


def test_unchecked_counts_the_items_a_runtime_or_rating_limit_could_not_check():
    """Items that fit every other constraint but have no runtime (or rating) are left out by the
    limit and counted, so the reply can say how many it could not check."""
    from chatrec.store.filtering import FilterIndex

    index = FilterIndex.build(
        [
            ("short", {"runtime": 90, "genres": ["Comedy"], "rating": "PG"}),
            ("long", {"runtime": 150, "genres": ["Comedy"]}),
            ("unknown", {"genres": ["Comedy"]}),
            ("unknown drama", {"genres": ["Drama"]}),
        ]
    )
    assert index.unchecked(Filters(genres=["Comedy"], max_runtime=120)) == {"runtime": 1}
    assert index.unchecked(Filters(max_runtime=120)) == {"runtime": 2}
    assert index.unchecked(Filters(genres=["Comedy"], ratings=["PG"])) == {"rating": 2}
    assert index.unchecked(Filters(genres=["Comedy"])) == {}
