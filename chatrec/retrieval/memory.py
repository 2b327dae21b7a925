"""The catalog's vectors in memory: a filtered nearest-neighbour search as one matrix product.

Every query of a turn (the dense query, one per named person or plot topic) is restricted by the
turn's hard filters. The store's :class:`~chatrec.store.filtering.FilterIndex` answers which items
pass; with the vectors in one matrix the search is then a matrix-vector product over the items
that pass: exact, and no documents or metadata read back from Chroma (the catalog's metadata is
in memory already).

At a million items (1.5 GB of float32) one full product costs ~80 ms on 2 cores, so it is done at
most once per query vector: every query of a turn uses the same vector, only the filters differ
("The store at scale" in the README). A narrow filter (a person, a plot topic) scans only the rows
it allows instead. Both give the same ranking as the plain masked product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chatrec.store.filtering import FilterIndex

# Below this share of the rows allowed, gathering them costs less than the full product (gathered
# rows cost ~6x a row of the contiguous product; measured at 1M items).
GATHER_SHARE = 0.1


class VectorTable:
    """Every item's (unit) vector, rows in a :class:`FilterIndex`'s order.

    The matrix is read from the store once, or mapped from the start-up cache
    (``chatrec.store.cache``): read-only either way, as the turns only multiply with it."""

    def __init__(self, index: FilterIndex, matrix: np.ndarray) -> None:
        self.index = index
        self.matrix = matrix
        self._last: tuple[bytes, np.ndarray] | None = None

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors of the ids this table holds."""
        rows = self.index.row
        return {i: self.matrix[rows[i]] for i in ids if i in rows}

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Every row's cosine similarity to ``vector``; the last vector's are kept for the turn."""
        vector = np.asarray(vector, dtype=np.float32)
        key, last = vector.tobytes(), self._last  # one read: another session's turn may replace it
        if last is None or last[0] != key:
            last = self._last = (key, self.matrix @ vector)
        return last[1]

    def nearest(
        self,
        vector: np.ndarray,
        n: int,
        allowed: np.ndarray,
        exclude_ids: Sequence[str] = (),
        prior: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``n`` nearest items among the ``allowed`` rows (a
        mask from :meth:`FilterIndex.allowed`), excluded ids left out, best first; ``prior`` (one
        value per row) is added to the similarities first."""
        mask = allowed.copy()
        mask[[self.index.row[i] for i in exclude_ids if i in self.index.row]] = False
        rows = np.flatnonzero(mask)
        k = min(n, len(rows))
        if k <= 0:
            return []
        vector = np.asarray(vector, dtype=np.float32)
        cached = self._last is not None and self._last[0] == vector.tobytes()
        if not cached and len(rows) < GATHER_SHARE * len(mask):
            sims = self.matrix[rows] @ vector
        else:
            sims = self.similarities(vector)[rows]
        if prior is not None:
            sims = sims + prior[rows]
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((rows[top], -sims[top]))]  # best first; ties by row, as a full scan
        return [(str(self.index.ids[rows[t]]), float(sims[t])) for t in top]
