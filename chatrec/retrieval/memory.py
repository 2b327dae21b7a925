"""The catalog's vectors in memory: a filtered nearest-neighbour search as one matrix product.

Every query of a turn (the dense query, one per named person or plot topic) is restricted by the
turn's hard filters. The store's :class:`~chatrec.store.filtering.FilterIndex` answers which items
pass; with the vectors in one matrix (26 MB for 17k items of 384 floats) the search is then one
matrix-vector product over the items that pass: exact, a few milliseconds, and no documents or
metadata read back from Chroma (the catalog's metadata is in memory already).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chatrec.store.chroma import PAGE, Store
from chatrec.store.filtering import FilterIndex


class VectorTable:
    """Every item's (unit) vector, rows in a :class:`FilterIndex`'s order, read once."""

    def __init__(self, index: FilterIndex, store: Store) -> None:
        self.index = index
        ids = index.ids.tolist()
        vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), PAGE):
            vectors.update(store.vectors(ids[start : start + PAGE]))
        dim = len(next(iter(vectors.values()))) if vectors else 1
        self.matrix = np.zeros((len(ids), dim), dtype=np.float32)
        for item_id, vector in vectors.items():
            self.matrix[index.row[item_id]] = vector

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors of the ids this table holds."""
        rows = self.index.row
        return {i: self.matrix[rows[i]] for i in ids if i in rows}

    def nearest(
        self, vector: np.ndarray, n: int, allowed: np.ndarray, exclude_ids: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``n`` nearest items among the ``allowed`` rows (a
        mask from :meth:`FilterIndex.allowed`), excluded ids left out, best first."""
        mask = allowed.copy()
        mask[[self.index.row[i] for i in exclude_ids if i in self.index.row]] = False
        k = min(n, int(mask.sum()))
        if k <= 0:
            return []
        sims = np.where(mask, self.matrix @ np.asarray(vector, dtype=np.float32), -np.inf)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(str(self.index.ids[r]), float(sims[r])) for r in top]
