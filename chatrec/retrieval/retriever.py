"""Top-N retrieval for a query text under hard filters: the library function behind search.

Dense similarity alone misses what small sentence encoders are weak at: names and dates. So the
query is also read for catalog-grounded signals (people, genres, decades); items by a named person
are pulled in as extra candidates, and every candidate's cosine similarity gets a small, fixed
bonus per signal it matches. Hard filters apply to every candidate channel alike.

Speed: the catalog's metadata is in memory (the understanding needs it anyway), so hits are built
from it; for a catalog small enough, its vectors are in memory too and every query is an exact
scan of the items the hard filters allow (``chatrec.retrieval.memory``), with no Chroma round trip
and no documents read back. A bigger catalog asks the store, whose filter index does the same.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property

import numpy as np

from chatrec.catalog import Catalog, Item, list_field
from chatrec.catalog.filters import Filters
from chatrec.catalog.items import renown
from chatrec.catalog.titles import TitleIndex
from chatrec.catalog.vocabulary import QuerySignals, Vocabulary, has_content
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.retrieval.memory import VectorTable
from chatrec.store.cache import Snapshot, snapshot
from chatrec.store.chroma import Hit, Store
from chatrec.store.embeddings import Embedder, load_embedder
from chatrec.store.filtering import FilterIndex

# Filter fields whose values must match the catalog's spelling, and the metadata key they test.
CANONICAL_FIELDS = {
    "genres": "genres",
    "not_genres": "genres",
    "ratings": "rating",
    "languages": "languages",
}
LIKE_WEIGHT = 0.5  # share of the liked items' mean vector in the query vector
DENSE_CANDIDATES = 100
PERSON_CANDIDATES = 50
TOPIC_CANDIDATES = 50  # films whose plots carry a topic the query names, e.g. "heist"
# Up to this many items, vectors are held in memory (17k of 384 floats: 26 MB; 1M: 1.5 GB) and
# queries never go to the store: at 1M items that is what keeps a turn's ranking under 300 ms
# (README, "The store at scale"). Beyond it, every query is the store's filtered query.
IN_MEMORY_ITEMS = 2_000_000
MASKS = 16  # allowed-row masks kept: a turn asks for a few filter sets, several times each
# topic 0.1 and popularity 0.05 chosen on the topic benchmark (benchmarks/topic_variants.py; each
# gained on both halves of its requests) and checked on ReDial dev retrieval (README).
BONUS = {"title": 0.5, "person": 0.25, "genre": 0.05, "decade": 0.1, "topic": 0.1, "popularity": 0.05}


def signal_bonus(item: Item, signals: QuerySignals) -> float:
    """How much the query's explicit signals favour this item, added to its cosine similarity."""
    bonus = BONUS["person"] * len(item.people.intersection(signals.people))
    bonus += BONUS["genre"] * len(set(item.genres).intersection(signals.genres))
    bonus += BONUS["topic"] * len(set(list_field(item.metadata, "topics")).intersection(signals.topics))
    year = item.year
    if year is not None and any(d <= year < d + 10 for d in signals.decades):
        bonus += BONUS["decade"]
    return bonus


class Retriever:
    """Embeds query text and asks the store for the nearest items that pass the filters."""

    def __init__(self, embedder: Embedder, store: Store) -> None:
        store.check_embedder(embedder.identity)  # another embedder's query vectors mean nothing here
        self.embedder = embedder
        self.store = store
        self._last_query: tuple[tuple[str, tuple[str, ...]], np.ndarray] | None = None
        self._masks: dict[str, np.ndarray] = {}  # recent filter sets (as JSON) -> allowed rows
        self._masks_lock = threading.Lock()  # sessions' turns run in parallel threads

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Retriever:
        settings = settings or Settings()
        return cls(load_embedder(settings), Store(settings))

    @cached_property
    def _snapshot(self) -> Snapshot:
        """What the start reads from the store, once: every item's metadata, the filter columns
        and (for a catalog small enough) every vector; from the start-up cache when it holds the
        store's current content (README, "The store at scale")."""
        return snapshot(self.store, max_vectors=IN_MEMORY_ITEMS)

    @cached_property
    def catalog(self) -> Catalog:
        """Every item's metadata, read once: the source of the vocabulary and title index."""
        return Catalog(self._snapshot.metadata)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_metadata(self.catalog)

    @cached_property
    def titles(self) -> TitleIndex:
        return TitleIndex.from_metadata(self.catalog)

    def canonical(self, filters: Filters) -> Filters:
        """The same filters with genre, rating and language names in the catalog's spelling.

        Raises ConfigError naming the known values when one is not in the catalog at all.
        """
        changes: dict[str, list[str]] = {}
        for name, key in CANONICAL_FIELDS.items():
            values: list[str] = getattr(filters, name)
            found = {v: self.vocabulary.canonical(key, v) for v in values}
            unknown = [v for v, c in found.items() if c is None]
            if unknown:
                known = ", ".join(self.vocabulary.known(key)[:40])
                raise ConfigError(f"unknown {key} {', '.join(map(repr, unknown))}; known: {known}")
            changes[name] = [c for c in found.values() if c is not None]
        return filters.model_copy(update=changes)

    @cached_property
    def _renown(self) -> dict[str, float]:
        """log(1 + critic reviews) scaled to 0..1: with equal fit, a known film before an obscure one
        (a film with no count has the count assumed for it: ``renown``)."""
        logs = {i: math.log1p(renown(m)) for i, m in self.catalog.items()}
        top = max(logs.values(), default=0.0) or 1.0
        return {i: v / top for i, v in logs.items()}

    @cached_property
    def _by_popularity(self) -> list[str]:
        reviews = {i: int(m.get("reviews") or 0) for i, m in self.catalog.items()}
        return sorted(reviews, key=lambda i: (-reviews[i], i))

    def popular(self, *, n: int = 10, exclude_ids: Sequence[str] = ()) -> list[Hit]:
        """The most-reviewed items: the ranking when nothing is known about the user yet."""
        excluded = set(exclude_ids)
        ids = [i for i in self._by_popularity[: n + len(excluded)] if i not in excluded][:n]
        return [Hit(item, 0.0) for item in self.items(ids)]

    def _titled(self, query: str, filters: Filters, exclude_ids: Sequence[str]) -> list[Hit]:
        """The item a query names by its whole title ("Swept Away", "the godfather (1972)"):
        embeddings leave titles out, so a title search needs this channel. Filters still apply."""
        item_id = self.titles.link_name(query.strip()) if len(query) < 200 else None
        if not item_id or item_id in exclude_ids:
            return []
        return [Hit(item, 0.0) for item in self.items([item_id], filters)]

    @cached_property
    def _index(self) -> FilterIndex:
        """The catalog's filter columns, rows in the catalog's order."""
        return self._snapshot.index

    def unchecked(self, filters: Filters) -> dict[str, int]:
        """Items that fit every other constraint but whose runtime or rating is unknown, so a
        constraint on it could not be checked (``FilterIndex.unchecked``)."""
        return self._index.unchecked(filters)

    def _allowed(self, filters: Filters) -> np.ndarray:
        """The index's mask for these filters; recent ones are kept, as a turn asks again (each
        costs a few ms at 1M items: a pass over the columns)."""
        key = filters.model_dump_json()
        with self._masks_lock:
            mask = self._masks.pop(key, None)
            if mask is None:
                mask = self._index.allowed(filters)
                while len(self._masks) >= MASKS:
                    del self._masks[next(iter(self._masks))]
            self._masks[key] = mask  # most recent last
        return mask

    @cached_property
    def _table(self) -> VectorTable | None:
        """Every item's vector in memory when the catalog is small enough (None: ask the store)."""
        matrix = self._snapshot.matrix
        return None if matrix is None else VectorTable(self._index, matrix)

    def warm(self) -> None:
        """Read the catalog, its filter columns and its vectors now, not in the first turn."""
        self._allowed(Filters())
        _ = self._table

    def items(self, ids: Sequence[str], filters: Filters | None = None) -> list[Item]:
        """Items by id that pass the filters, in the order asked, from the in-memory catalog
        (without their embedded text); ids it does not know (ingested since) come from the store."""
        filters = filters or Filters()
        allowed, rows = self._allowed(filters), self._index.row
        found = {i: self.catalog.item(i) for i in ids if i in rows and allowed[rows[i]]}
        unknown = [i for i in ids if i not in self.catalog]
        if unknown:
            found.update({item.id: item for item in self.store.get(unknown, filters=filters)})
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by id: from memory for a small catalog (a turn needs a few hundred)."""
        table = self._table
        if table is None:
            return self.store.vectors(ids)
        found = table.get(ids)
        unknown = [i for i in ids if i not in found]
        return {**found, **self.store.vectors(unknown)} if unknown else found

    def table_ids(self) -> np.ndarray | None:
        """The ids of the vector table's rows, or None when the catalog is too big to hold."""
        table = self._table
        return None if table is None else table.index.ids

    def scan(
        self,
        vector: np.ndarray,
        n: int,
        filters: Filters,
        exclude_ids: Sequence[str] = (),
        prior: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Ids and scores of the ``n`` items nearest ``vector`` (plus a per-row ``prior``) that pass
        the filters, from the vectors in memory (another model's query vector in the same space:
        the conversation retriever's); nothing when the catalog is too big to hold."""
        table = self._table
        if table is None:
            return []
        return table.nearest(vector, n, self._allowed(filters), exclude_ids, prior)

    def _nearest(self, vector: np.ndarray, n: int, filters: Filters, exclude_ids: Sequence[str]) -> list[Hit]:
        """The ``n`` nearest items that pass the filters: an exact scan of the vectors in memory
        (a big catalog: the store's filtered query), hits built from the catalog in memory."""
        table = self._table
        if table is None:
            return self.store.query(vector, n=n, filters=filters, exclude_ids=exclude_ids)
        found = table.nearest(vector, n, self._allowed(filters), exclude_ids)
        items = {item.id: item for item in self.items([i for i, _ in found])}
        return [Hit(items[i], s) for i, s in found if i in items]

    def query_vector(self, query: str, like_ids: Sequence[str] = ()) -> np.ndarray:
        """The query text's vector blended with the mean vector of items the user liked (the last
        one is remembered: the fusion of a turn asks again for the same)."""
        key = (query, tuple(like_ids))
        last = self._last_query
        if last is not None and last[0] == key:
            return last[1]
        liked = list(self.vectors(like_ids).values())
        if liked and not has_content(query):
            vector = np.mean(liked, axis=0)
        else:
            vector = self.embedder.embed_query(query.strip() or " ")
            if liked:
                mean = np.mean(liked, axis=0)
                vector = (1 - LIKE_WEIGHT) * vector + LIKE_WEIGHT * mean / np.linalg.norm(mean)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        self._last_query = (key, vector)
        return vector

    def search(
        self,
        query: str,
        *,
        n: int = 10,
        filters: Filters | None = None,
        exclude_ids: Sequence[str] = (),
        like_ids: Sequence[str] = (),
    ) -> list[Hit]:
        """The ``n`` most relevant items for ``query`` (and like ``like_ids``) under the filters."""
        filters = filters or Filters()
        vector = self.query_vector(query, like_ids)
        signals = self.vocabulary.read(query) if query.strip() else QuerySignals()
        titled = self._titled(query, filters, exclude_ids)
        if not signals and not titled:
            return self._nearest(vector, n, filters, exclude_ids)
        titled_ids = {h.item.id for h in titled}
        pool = {h.item.id: h for h in self._nearest(vector, max(n, DENSE_CANDIDATES), filters, exclude_ids)}
        # Dense search alone misses most films that carry a person or plot topic the query names:
        # one filtered query per signal adds them, and the bonus below then weighs them.
        channels = [("people", p, PERSON_CANDIDATES) for p in signals.people]
        channels += [("topics", t, TOPIC_CANDIDATES) for t in signals.topics[:3]]
        for field, value, size in channels:
            narrowed = filters.model_copy(update={field: [*getattr(filters, field), value]})
            for h in self._nearest(vector, max(n, size), narrowed, exclude_ids):
                pool.setdefault(h.item.id, h)
        for hit in titled:
            pool[hit.item.id] = Hit(hit.item, pool[hit.item.id].score if hit.item.id in pool else 0.0)
        fused = [
            replace(
                h,
                score=h.score
                + signal_bonus(h.item, signals)
                + BONUS["title"] * (h.item.id in titled_ids)
                + BONUS["popularity"] * self._renown.get(h.item.id, 0.0),
            )
            for h in pool.values()
        ]
        fused.sort(key=lambda h: -h.score)
        return fused[:n]
