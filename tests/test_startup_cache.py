"""The start-up cache (``chatrec.store.cache``): built once and then reused with nothing read from
the store but its generation and count, never used once a write changed the store (even one that
keeps the count), never saved from a read that a write overlapped, ignored when a file is damaged,
readable by the owner only; and an agent started from it ranks exactly as one started from the
store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chatrec.catalog import Item
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.retriever import IN_MEMORY_ITEMS, Retriever
from chatrec.store.cache import MANIFEST, Snapshot, snapshot
from chatrec.store.chroma import Store
from chatrec.store.embeddings import Embedder
from chatrec.store.shipped import with_shipped_vectors
from chatrec.understanding.understand import Understander
from tests.conftest import make_settings

FILES = ["catalog.marshal", "columns.json", "numbers.npy", "postings.npy", "vectors.npy", MANIFEST]
MESSAGES = [
    "a heist thriller",
    "something funny for the family from the 90s, under two hours",
    "a sad drama about war, no horror",
    "films with Robert De Niro",
    "space adventure",
]


@pytest.fixture
def store(tmp_path: Path, movie_rows: list[dict], embedder: Embedder) -> Store:
    """Every 60th film of the default catalog with its shipped vector: real metadata and vectors,
    ingested in a second or two."""
    shipped = with_shipped_vectors(embedder, Settings())
    store = Store(make_settings(tmp_path))
    run_ingest(movie_rows[::60], movies.MAPPING, store, shipped, log=lambda _: None)
    return store


def start(store: Store) -> Snapshot:
    """What a new app instance on this store reads at start."""
    return snapshot(Store(store.settings), max_vectors=IN_MEMORY_ITEMS)


def saved(store: Store) -> list[Path]:
    return [p for p in (store.settings.cache_dir / "startup").glob("*/*") if not p.name.startswith(".tmp-")]


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which of the store's content reads happen from now on."""
    seen: list[str] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def read(self: Store, *args: Any) -> Any:
            seen.append(name)
            return real(self, *args)

        return read

    for name in ("metadata", "matrix", "vectors"):
        monkeypatch.setattr(Store, name, spy(name, getattr(Store, name)))
    return seen


def assert_same(a: Snapshot, b: Snapshot) -> None:
    assert list(a.metadata.items()) == list(b.metadata.items())
    assert a.matrix is not None and b.matrix is not None
    np.testing.assert_array_equal(a.matrix, b.matrix)
    assert a.index.ids.tolist() == b.index.ids.tolist()
    assert a.index.ratings.tolist() == b.index.ratings.tolist()
    for field, column in a.index.numbers.items():
        np.testing.assert_array_equal(column, b.index.numbers[field])
    for field, postings in a.index.postings.items():
        assert sorted(postings) == sorted(b.index.postings[field])
        for value, rows in postings.items():
            np.testing.assert_array_equal(rows, b.index.postings[field][value])


def test_built_once_then_reused_without_reading_the_store(store, monkeypatch):
    first = start(store)
    assert len(saved(store)) == 1
    seen = reads(monkeypatch)
    again = start(store)
    assert seen == []
    assert isinstance(again.matrix, np.memmap) and not again.matrix.flags.writeable
    assert_same(first, again)


def test_repeated_strings_are_one_object_from_the_cache(store):
    start(store)
    metas = list(start(store).metadata.values())
    genres = [g for m in metas for g in m.get("genres", [])]
    drama = [g for g in genres if g == "Drama"]
    assert len(drama) > 1 and all(g is drama[0] for g in drama)


def test_a_cache_of_another_python_is_not_read(store, monkeypatch):
    """marshal's format belongs to the Python version that wrote it."""
    import chatrec.store.cache as cache

    start(store)
    monkeypatch.setattr(cache.sys, "version_info", (3, 99, 0))
    seen = reads(monkeypatch)
    start(store)
    assert "metadata" in seen


def test_files_are_readable_by_the_owner_only(store):
    start(store)
    (folder,) = saved(store)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    for path in [folder.parent, folder, *folder.iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, path


@pytest.mark.parametrize("write", ["update in place", "add", "delete"])
def test_a_write_makes_the_cache_stale(store, monkeypatch, write):
    before = start(store)
    ingest = Store(store.settings)  # another process, as `chatrec ingest` is
    first = next(iter(before.metadata))
    assert before.matrix is not None
    if write == "update in place":  # the count stays: only the generation tells
        meta = {**before.metadata[first], "title": "Renamed"}
        ingest.upsert([Item(first, "Renamed", "Renamed.", meta)], before.matrix[:1] * -1, ["h"])
    elif write == "add":
        ingest.upsert([Item("new", "New", "New.", {"title": "New", "year": 2010})], before.matrix[:1], ["h"])
    else:
        ingest.delete([first])
    seen = reads(monkeypatch)
    after = start(store)
    assert "metadata" in seen
    assert_same(
        after,
        snapshot(
            Store(store.settings.model_copy(update={"startup_cache": False})), max_vectors=IN_MEMORY_ITEMS
        ),
    )
    assert after.metadata != before.metadata
    assert len(saved(store)) == 1  # the earlier generation's files are gone


def test_a_write_during_the_read_is_not_saved(store, monkeypatch):
    real = Store.metadata

    def overtaken(self: Store) -> dict:
        found = real(self)
        Store(self.settings).delete([next(iter(found))])
        return found

    monkeypatch.setattr(Store, "metadata", overtaken)
    start(store)
    assert saved(store) == []


@pytest.mark.parametrize("damage", ["one byte changed", "cut short"])
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_file_is_ignored_and_the_cache_rebuilt(store, monkeypatch, name, damage):
    first = start(store)
    path = saved(store)[0] / name
    data = bytearray(path.read_bytes())
    if damage == "cut short":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    seen = reads(monkeypatch)
    assert_same(start(store), first)
    assert "metadata" in seen
    seen.clear()
    assert_same(start(store), first)  # rebuilt, and sound again
    assert seen == []


def test_off_switch_writes_nothing(store):
    plain = snapshot(
        Store(store.settings.model_copy(update={"startup_cache": False})), max_vectors=IN_MEMORY_ITEMS
    )
    assert saved(store) == []
    assert not isinstance(plain.matrix, np.memmap)


def test_the_agent_from_the_cache_ranks_as_one_from_the_store(store, embedder):
    def agent(settings: Settings) -> tuple[RankingPipeline, Understander]:
        retriever = Retriever(embedder, Store(settings))
        retriever.warm()
        return RankingPipeline(retriever), Understander(
            retriever.titles, retriever.vocabulary, retriever.catalog
        )

    plain = agent(store.settings.model_copy(update={"startup_cache": False}))
    start(store)  # the cache, built
    cached = agent(store.settings)
    assert cached[0].retriever._table is not None and isinstance(cached[0].retriever._table.matrix, np.memmap)
    for message in MESSAGES:
        ranked = []
        for pipeline, understander in (plain, cached):
            state = DialogueState()
            understander.read(message, state)
            ranked.append([(h.item.id, h.score) for h in pipeline.rank(state, message, 10)])
        assert ranked[0] == ranked[1], message
        assert ranked[0]
