"""Chroma behind a small API: upsert items with their vectors, query with hard filters.

The same code talks to an embedded persistent store under the data dir or, when
``CHATREC_CHROMA_URL`` is set, to a Chroma server. Vectors are always computed by our own
:class:`~chatrec.store.embeddings.Embedder` and passed explicitly, so Chroma never loads a model.
"""

from __future__ import annotations

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

HASH_KEY = "content_hash"
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
        client = _client(settings)
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

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self._col.delete(ids=list(ids[start : start + self.max_batch]))

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

    def all_vectors(self) -> dict[str, np.ndarray]:
        """Every stored vector by id, in one paged pass (to hold a small catalog in memory)."""
        found: dict[str, np.ndarray] = {}
        with _reaching(self.where, "fetch vectors"):
            for page in self._pages(["embeddings"]):
                for item_id, v in zip(page["ids"], page["embeddings"], strict=True):
                    found[item_id] = np.asarray(v, dtype=np.float32)
        return found

    def query(
        self,
        vector: np.ndarray,
        *,
        n: int = 10,
        filters: Filters | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[Hit]:
        """The ``n`` items nearest to ``vector`` that pass ``filters`` and are not excluded."""
        res = self._query(vector, n, filters, exclude_ids, ["documents", "metadatas", "distances"])
        columns = (res["ids"], res["documents"], res["metadatas"], res["distances"])
        return [Hit(_item(i, d, m), 1.0 - float(dist)) for i, d, m, dist in zip(*columns, strict=True)]

    def nearest(
        self,
        vector: np.ndarray,
        *,
        n: int = 10,
        filters: Filters | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """Ids and similarities of the ``n`` nearest items, as :meth:`query` but without documents
        and metadata: reading those back is most of a query's cost (about 9 of 10 ms for 100
        results), and a caller holding the catalog's metadata in memory has no need for them."""
        res = self._query(vector, n, filters, exclude_ids, ["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"], res["distances"], strict=True)]

    def _query(
        self,
        vector: np.ndarray,
        n: int,
        filters: Filters | None,
        exclude_ids: Sequence[str],
        include: list[str],
    ) -> dict[str, list[Any]]:
        """One query's result columns, excluded ids dropped. Exclusions are applied by
        over-fetching ``len(exclude_ids)`` extra results, which is exact: the excluded ids can
        displace at most that many."""
        excluded = set(exclude_ids)
        where = filters.where() if filters else None
        with _reaching(self.where, "answer a query"):
            res = self._col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=n + len(excluded),
                where=where,
                include=include,
            )
        keep = [k for k, i in enumerate(res["ids"][0]) if i not in excluded][:n]
        return {key: [res[key][0][k] for k in keep] for key in ["ids", *include]}

    def metadata(self) -> dict[str, dict[str, Any]]:
        """Every item's metadata by id, in one pass: what catalog-wide indexes are built from."""
        found: dict[str, dict[str, Any]] = {}
        for page in self._pages(["metadatas"]):
            for item_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                found[item_id] = {k: v for k, v in (meta or {}).items() if k != HASH_KEY}
        return found
