"""Hard filters answered in memory, so that filtered queries stay fast on big catalogs.

Chroma evaluates a ``where`` clause by scanning its metadata: 100-400 ms per query at 17k items on
a busy machine and proportionally more beyond (README, "The store at scale"). This index holds
the filterable fields as columns (numbers as arrays, list fields as posting lists) and computes
the set of items a :class:`Filters` allows in milliseconds. :meth:`Store.query` then asks Chroma
for the nearest items among them, with exactly the semantics of :meth:`Filters.where` (an item
whose constrained field is unknown never passes).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import numpy as np

from chatrec.catalog.filters import Filters
from chatrec.catalog.items import PEOPLE_FIELDS

NUMBERS = ("year", "runtime", "genres_count")
LISTS = ("genres", "languages", "topics", *PEOPLE_FIELDS)


class FilterIndex:
    """Which stored items pass a set of hard filters: one row per item, ``ids`` in row order."""

    def __init__(
        self,
        ids: list[str],
        numbers: Mapping[str, np.ndarray],
        ratings: np.ndarray,
        postings: Mapping[str, Mapping[str, np.ndarray]],
    ) -> None:
        """The columns as :meth:`build` makes them, or as the start-up cache kept them
        (``chatrec.store.cache``): numbers as float64 (NaN where unknown), each rating a string or
        None, and per list field the sorted rows that hold each value."""
        self.ids = np.array(ids, dtype=object)
        self.row = {item_id: row for row, item_id in enumerate(ids)}
        self.numbers = dict(numbers)
        self.ratings = ratings
        self.postings = {f: dict(p) for f, p in postings.items()}

    @classmethod
    def build(cls, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> FilterIndex:
        """The index of every item's metadata, in one pass."""
        ids: list[str] = []
        numbers: dict[str, list[float]] = {f: [] for f in NUMBERS}
        ratings: list[str | None] = []
        postings: dict[str, dict[str, array]] = {f: defaultdict(lambda: array("q")) for f in LISTS}
        for row, (item_id, meta) in enumerate(rows):
            ids.append(item_id)
            for field in NUMBERS:
                value = meta.get(field)
                numbers[field].append(float(value) if isinstance(value, int | float) else np.nan)
            rating = meta.get("rating")
            ratings.append(rating if isinstance(rating, str) else None)
            for field in LISTS:
                values = meta.get(field)
                for value in values if isinstance(values, list) else ():
                    postings[field][str(value)].append(row)
        return cls(
            ids,
            {f: np.array(v, dtype=np.float64) for f, v in numbers.items()},
            np.array(ratings, dtype=object),
            {f: {v: np.frombuffer(r, dtype=np.int64) for v, r in p.items()} for f, p in postings.items()},
        )

    def __len__(self) -> int:
        return len(self.ids)

    def _having(self, field: str, value: str) -> np.ndarray:
        mask = np.zeros(len(self), dtype=bool)
        mask[self.postings[field].get(value, np.empty(0, dtype=np.int64))] = True
        return mask

    def _range(self, field: str, low: float | None, high: float | None) -> np.ndarray:
        column = self.numbers[field]
        mask = ~np.isnan(column)
        if low is not None:
            mask &= column >= low
        if high is not None:
            mask &= column <= high
        return mask

    @cached_property
    def _unrated(self) -> np.ndarray:
        """Rows without an age rating, found once (a pass in Python over every row)."""
        return np.array([r is None for r in self.ratings], dtype=bool)

    def unchecked(self, filters: Filters) -> dict[str, int]:
        """Per runtime or rating constraint: how many items pass every other constraint but have
        no value to check against it. They are left out (a constraint is a guarantee), and the
        reply says how many, so that "under 2 hours" does not hide the films of unknown length
        (every recent film: their source has no runtime)."""
        found = {}
        if filters.max_runtime is not None or filters.min_runtime is not None:
            rest = self.allowed(filters.model_copy(update={"max_runtime": None, "min_runtime": None}))
            found["runtime"] = int((rest & np.isnan(self.numbers["runtime"])).sum())
        if filters.ratings:
            rest = self.allowed(filters.model_copy(update={"ratings": []}))
            found["rating"] = int((rest & self._unrated).sum())
        return {name: n for name, n in found.items() if n}

    def allowed(self, filters: Filters) -> np.ndarray:
        """A boolean mask over the rows: True where the item passes every constraint."""
        mask = np.ones(len(self), dtype=bool)
        if filters.year_from is not None or filters.year_to is not None:
            mask &= self._range("year", filters.year_from, filters.year_to)
        if filters.max_runtime is not None or filters.min_runtime is not None:
            mask &= self._range("runtime", filters.min_runtime, filters.max_runtime)
        for genre in filters.genres:
            mask &= self._having("genres", genre)
        if filters.not_genres:
            mask &= self._range("genres_count", 1, None)
            for genre in filters.not_genres:
                mask &= ~self._having("genres", genre)
        if filters.ratings:
            mask &= np.isin(self.ratings, list(filters.ratings))
        if filters.languages:
            mask &= np.logical_or.reduce([self._having("languages", x) for x in filters.languages])
        for person in filters.people:
            mask &= np.logical_or.reduce([self._having(f, person) for f in PEOPLE_FIELDS])
        for topic in filters.topics:
            mask &= self._having("topics", topic)
        return mask
