"""Chroma behind a small API: upsert items with their vectors, query with hard filters.

The same code talks to an embedded persistent store under the data dir or, when
``CHATREC_CHROMA_URL`` is set, to a Chroma server. Vectors are always computed by our own
:class:`~chatrec.store.embeddings.Embedder` and passed explicitly, so Chroma never loads a model.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import numpy as np

from chatrec.catalog import Item
from chatrec.catalog.filters import Filters
from chatrec.config import Settings
from chatrec.errors import StoreError
from chatrec.store.filtering import FilterIndex

HASH_KEY = "content_hash"
# Filtered queries (README, "The store at scale"): up to EXACT_LIMIT allowed items, Chroma ranks
# exactly those ids; beyond, the nearest ids are over-fetched unfiltered and the allowed ones kept.
EXACT_LIMIT = 20_000
MAX_FETCH = 10_000
RESULT = ["documents", "metadatas", "distances"]
CATALOG_KEY = "chatrec_catalog"  # collection metadata: which catalog the items came from
EMBEDDER_KEY = "chatrec_embedder"  # collection metadata: which embedder made the vectors
UNRECORDED_EMBEDDER = "all-MiniLM-L6-v2 (384-d)"  # the only one before embedders were recorded
GENERATION_KEY = "chatrec_generation"  # collection metadata: a new token at every write
PAGE = 5000


@dataclass(frozen=True)
class Hit:
    """A retrieved item and its cosine similarity to the query."""

    item: Item
    score: float


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreError(f"CHATREC_CHROMA_URL must be http(s)://host:port, not {settings.chroma_url!r}")
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:  # chromadb raises bare ValueError/ConnectionError here
        raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc


@contextmanager
def _reaching(where: object, action: str) -> Iterator[None]:
    """Any failure of the store while serving becomes a StoreError that names it (front ends
    show it as one clear line: a Chroma server that went away is the usual cause)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"the catalog store at {where} could not {action}: {exc}") from exc


def _item(item_id: str, document: str | None, metadata: dict[str, Any] | None) -> Item:
    meta = {k: v for k, v in (metadata or {}).items() if k != HASH_KEY}
    return Item(id=item_id, title=str(meta.get("title", item_id)), text=document or "", metadata=meta)


def _unique(ids: Sequence[str]) -> list[str]:
    """Ids in first-seen order without repeats: Chroma rejects a request that repeats an id
    ("Expected IDs to be unique"), and two ReDial films can link to one catalog item."""
    return list(dict.fromkeys(ids))


class Store:
    """One Chroma collection of catalog items."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = client = _client(settings)
        try:
            self._col = client.get_or_create_collection(
                settings.collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            name = settings.collection
            raise StoreError(f"cannot open collection {name!r} at {self.where}: {exc}") from exc
        self.max_batch = int(client.get_max_batch_size())
        self._index: FilterIndex | None = None  # built at the first filtered query; writes reset it

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_path)

    def count(self) -> int:
        with _reaching(self.where, "count its items"):
            return int(self._col.count())

    def require_items(self) -> None:
        """Raise StoreError when the collection is empty: every reader needs an ingested catalog."""
        if self.count() == 0:
            name = self.settings.collection
            raise StoreError(
                f"the catalog store at {self.where} (collection {name!r}) is empty: "
                "run `chatrec ingest` first"
            )

    def _recorded(self, key: str) -> str | None:
        with _reaching(self.where, "read its metadata"):
            value = (self._col.metadata or {}).get(key)
        return str(value) if value is not None else None

    def _record(self, key: str, value: str) -> None:
        with _reaching(self.where, "write its metadata"):
            self._col.modify(metadata={**(self._col.metadata or {}), key: value})

    def catalog(self) -> str | None:
        """The catalog that ingest recorded for this collection (None: not recorded)."""
        return self._recorded(CATALOG_KEY)

    def record_catalog(self, name: str) -> None:
        """Record which catalog the collection holds, so another one cannot mix in or prune it."""
        self._record(CATALOG_KEY, name)

    def embedder(self) -> str | None:
        """The identity of the embedder that made the stored vectors (``Embedder.identity``);
        unrecorded items are the packaged MiniLM's, and None means an empty, unclaimed collection."""
        recorded = self._recorded(EMBEDDER_KEY)
        if recorded is None and self.count():
            return UNRECORDED_EMBEDDER
        return recorded

    def check_embedder(self, identity: str, *, claim: bool = False) -> None:
        """Refuse vectors from any embedder but the one that filled the collection: another
        model's vectors (even of the same dimension) would be compared as if they meant the same.
        With ``claim`` (ingest), an unclaimed collection records ``identity`` as its embedder."""
        recorded = self.embedder()
        if recorded is not None and recorded != identity:
            raise StoreError(
                f"collection {self.settings.collection!r} at {self.where} was embedded by {recorded}, "
                f"not {identity}: set CHATREC_EMBEDDINGS and CHATREC_EMBEDDING_MODEL as when it was "
                "ingested, or ingest into another collection (CHATREC_COLLECTION)"
            )
        if claim and self._recorded(EMBEDDER_KEY) is None:
            self._record(EMBEDDER_KEY, identity)

    def generation(self) -> str:
        """The content generation: a token that every write replaces (before and after it), so
        that a copy of the content made under one token is known stale under any other (the
        start-up cache, ``chatrec.store.cache``). Read from the store itself, not this client's copy
        of the collection, which another process's writes do not update. A collection written
        before generations were recorded gets its first one here."""
        with _reaching(self.where, "read its metadata"):
            fresh = self._client.get_collection(self.settings.collection, embedding_function=None)
            value = (fresh.metadata or {}).get(GENERATION_KEY)
            if value is None:
                value = uuid.uuid4().hex
                fresh.modify(metadata={**(fresh.metadata or {}), GENERATION_KEY: value})
        return str(value)

    def _new_generation(self) -> str:
        token = uuid.uuid4().hex
        self._record(GENERATION_KEY, token)
        return token

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        total = self.count()
        for offset in range(0, total, PAGE):
            yield self._col.get(include=include, limit=PAGE, offset=offset)

    def content_hashes(self) -> dict[str, str]:
        """Stored id -> content hash, to decide what an ingest must (re-)embed."""
        hashes: dict[str, str] = {}
        for page in self._pages(["metadatas"]):
            for item_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                hashes[item_id] = str((meta or {}).get(HASH_KEY, ""))
        return hashes

    def upsert(self, items: Sequence[Item], vectors: np.ndarray, hashes: Sequence[str]) -> None:
        """Write items with their vectors; the hash is stored last-in-row, so a row is all or nothing."""
        if not items:
            return
        self._index = None
        self._new_generation()
        for start in range(0, len(items), self.max_batch):
            chunk = slice(start, start + self.max_batch)
            self._col.upsert(
                ids=[i.id for i in items[chunk]],
                embeddings=vectors[chunk],
                documents=[i.text for i in items[chunk]],
                metadatas=[
                    {**i.metadata, HASH_KEY: h} for i, h in zip(items[chunk], hashes[chunk], strict=True)
                ],
            )
        self._new_generation()

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        self._index = None
        self._new_generation()
        for start in range(0, len(ids), self.max_batch):
            self._col.delete(ids=list(ids[start : start + self.max_batch]))
        self._new_generation()

    def get(self, ids: Sequence[str], *, filters: Filters | None = None) -> list[Item]:
        """Items by id, in the order asked; unknown ids (and, with filters, those that fail
        them) are left out."""
        if not ids:
            return []
        where = filters.where() if filters else None
        with _reaching(self.where, "fetch items"):
            got = self._col.get(ids=_unique(ids), where=where, include=["documents", "metadatas"])
        by_id = {
            i: _item(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by id (for item-to-item similarity); repeated ids are asked for once."""
        if not ids:
            return {}
        with _reaching(self.where, "fetch vectors"):
            got = self._col.get(ids=_unique(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def matrix(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``ids`` as one float32 matrix, a row per id in that order, read a
        page at a time (an id the store lacks leaves a zero row)."""
        matrix = np.zeros((len(ids), 1), dtype=np.float32)  # until a vector gives the dimension
        sized = False
        for start in range(0, len(ids), PAGE):
            page = self.vectors(ids[start : start + PAGE])
            if page and not sized:
                matrix = np.zeros((len(ids), len(next(iter(page.values())))), dtype=np.float32)
                sized = True
            for row, item_id in enumerate(ids[start : start + PAGE], start):
                if item_id in page:
                    matrix[row] = page[item_id]
        return matrix

    def query(
        self,
        vector: np.ndarray,
        *,
        n: int = 10,
        filters: Filters | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[Hit]:
        """The ``n`` items nearest to ``vector`` that pass ``filters`` and are not excluded.

        Exclusions are applied by over-fetching ``len(exclude_ids)`` extra results, which is exact:
        the excluded ids can displace at most that many. Filters are answered by the in-memory
        :class:`FilterIndex` (see EXACT_LIMIT), never by a scan of Chroma's metadata.
        """
        excluded = set(exclude_ids)
        k = n + len(excluded)
        vector = np.asarray(vector, dtype=np.float32)
        with _reaching(self.where, "answer a query"):
            if filters is None or filters.is_empty():
                res = self._col.query(query_embeddings=[vector], n_results=k, include=RESULT)
            else:
                res = self._filtered(vector, k, filters)
        hits = [
            Hit(_item(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
            if i not in excluded
        ]
        return hits[:n]

    def filter_index(self) -> FilterIndex:
        """The filterable fields of every stored item, read once (and again after a write)."""
        if self._index is None:
            with _reaching(self.where, "read its metadata"):
                self._index = FilterIndex.build(
                    (i, m or {})
                    for page in self._pages(["metadatas"])
                    for i, m in zip(page["ids"], page["metadatas"], strict=True)
                )
        return self._index

    def _filtered(self, vector: np.ndarray, k: int, filters: Filters) -> dict[str, Any]:
        """Chroma's query result for the ``k`` nearest items among those the filters allow."""
        index = self.filter_index()
        mask = index.allowed(filters)
        allowed = int(mask.sum())
        if not allowed:
            return {"ids": [[]], "documents": [[]], "metadatas": [[]], "distances": [[]]}
        fetch = max(k, min(MAX_FETCH, -(-2 * k * len(index) // allowed)))  # twice the expected need
        if allowed <= EXACT_LIMIT or fetch >= len(index):
            ids = index.ids[mask].tolist()
            return self._col.query(
                query_embeddings=[vector], ids=ids, n_results=min(k, allowed), include=RESULT
            )
        res = self._col.query(query_embeddings=[vector], n_results=fetch, include=["distances"])
        kept = [
            (i, d) for i, d in zip(res["ids"][0], res["distances"][0], strict=True) if mask[index.row[i]]
        ][:k]
        if len(kept) < k and fetch < len(index):  # the allowed items lie far from the query: ask Chroma
            return self._col.query(
                query_embeddings=[vector], n_results=k, where=filters.where(), include=RESULT
            )
        got = self._col.get(ids=[i for i, _ in kept], include=["documents", "metadatas"])
        by_id = dict(zip(got["ids"], zip(got["documents"], got["metadatas"], strict=True), strict=True))
        kept = [(i, d) for i, d in kept if i in by_id]
        return {
            "ids": [[i for i, _ in kept]],
            "documents": [[by_id[i][0] for i, _ in kept]],
            "metadatas": [[by_id[i][1] for i, _ in kept]],
            "distances": [[d for _, d in kept]],
        }

    def metadata(self) -> dict[str, dict[str, Any]]:
        """Every item's metadata by id, in one pass: what catalog-wide indexes are built from."""
        found: dict[str, dict[str, Any]] = {}
        for page in self._pages(["metadatas"]):
            for item_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                found[item_id] = {k: v for k, v in (meta or {}).items() if k != HASH_KEY}
        return found
