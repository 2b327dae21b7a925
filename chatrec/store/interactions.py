"""Interactions stored next to a catalog, in the same Chroma (embedded or server).

A side collection ``<collection>_interactions`` holds one record per item: its co-occurrence
neighbours as a JSON document and how many groups hold it; the number of groups and the source are
the collection's metadata. Keeping them in Chroma rather than a local file means every app instance
pointed at a Chroma server sees the same interactions, with no file to copy around.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chatrec.catalog.interactions import ARTEFACT, Interactions
from chatrec.config import Settings, packaged_model
from chatrec.errors import StoreError
from chatrec.store.chroma import PAGE, _client, _reaching

SUFFIX = "_interactions"
COUNT_KEY = "count"
WEIGHTS_KEY = "hybrid_weights"
DIMENSION = [1.0]  # Chroma wants a vector per record; these records are only read by id


def default_artefact() -> Path:
    """The default movie catalog's co-occurrence, built from ReDial train and shipped."""
    return packaged_model("redial-cooccurrence") / ARTEFACT


@dataclass
class WriteSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed"
        )


class InteractionStore:
    """The interactions of one catalog collection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.where = settings.chroma_url or str(settings.chroma_path)
        name = f"{settings.collection}{SUFFIX}"
        try:
            self._col = _client(settings).get_or_create_collection(name, embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot open collection {name!r} at {self.where}: {exc}") from exc

    def count(self) -> int:
        with _reaching(self.where, "count its interactions"):
            return int(self._col.count())

    def _records(self) -> dict[str, tuple[str, float]]:
        """Stored item id -> (neighbours JSON, count)."""
        found: dict[str, tuple[str, float]] = {}
        with _reaching(self.where, "read its interactions"):
            for offset in range(0, self.count(), PAGE):
                page = self._col.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
                for i, doc, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True):
                    found[i] = (doc or "{}", float((meta or {}).get(COUNT_KEY, 0.0)))
        return found

    def write(self, interactions: Interactions, weights: dict | None = None) -> WriteSummary:
        """Make the stored interactions equal ``interactions``: only changed records are written,
        so a second run of the same source writes nothing (and a killed run can simply be rerun).
        ``weights`` (the hybrid ranking's, fitted for these interactions) travel with them."""
        stored = self._records()
        wanted = {
            i: (json.dumps(interactions.pairs.get(i, {}), sort_keys=True), float(n))
            for i, n in interactions.counts.items()
        }
        todo = [i for i, record in wanted.items() if stored.get(i) != record]
        gone = sorted(set(stored) - set(wanted))
        summary = WriteSummary(unchanged=len(wanted) - len(todo), removed=len(gone))
        summary.updated = sum(1 for i in todo if i in stored)
        summary.added = len(todo) - summary.updated
        with _reaching(self.where, "write interactions"):
            for start in range(0, len(todo), 1000):
                ids = todo[start : start + 1000]
                self._col.upsert(
                    ids=ids,
                    embeddings=[DIMENSION] * len(ids),
                    documents=[wanted[i][0] for i in ids],
                    metadatas=[{COUNT_KEY: wanted[i][1]} for i in ids],
                )
            for start in range(0, len(gone), 1000):
                self._col.delete(ids=gone[start : start + 1000])
            meta = {"groups": interactions.groups, "source": interactions.source or "-"}
            self._col.modify(metadata={**meta, WEIGHTS_KEY: json.dumps(weights or {}, sort_keys=True)})
        return summary

    def read(self) -> Interactions | None:
        """The stored interactions, or None when none were ingested for this catalog."""
        records = self._records()
        if not records:
            return None
        meta = self._col.metadata or {}
        return Interactions(
            pairs={i: json.loads(doc) for i, (doc, _) in records.items() if doc != "{}"},
            counts={i: n for i, (_, n) in records.items()},
            groups=int(meta.get("groups", 0)),
            source=str(meta.get("source", "")),
        )

    def weights(self) -> dict:
        """The hybrid ranking weights stored with the interactions ({} when none were)."""
        with _reaching(self.where, "read its interaction weights"):
            return json.loads(str((self._col.metadata or {}).get(WEIGHTS_KEY) or "{}"))
