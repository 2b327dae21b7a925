"""Shared credits: the films that share directors, writers or cast with the user's liked films.

ReDial's recommenders often answer a liked film with another by its director or with its stars.
Co-occurrence only knows the pairs people already named together; the catalog's credits reach
every film. How many credits a candidate shares with one liked film is a fusion signal, and the
films sharing the most join the candidates. Chosen on ReDial TRAIN's validation turns, never dev
(``models/redial-cooccurrence/README.md``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from chatrec.catalog import PEOPLE_FIELDS, list_field


class Credits:
    """Person -> the catalog's films they are credited on, built on first use."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]]) -> None:
        self.catalog = catalog

    def people(self, item_id: str) -> set[str]:
        meta = self.catalog.get(item_id)
        return {p for f in PEOPLE_FIELDS for p in list_field(meta, f)} if meta else set()

    @cached_property
    def _films(self) -> dict[str, list[str]]:
        films: defaultdict[str, list[str]] = defaultdict(list)
        for item_id in self.catalog:
            for person in self.people(item_id):
                films[person].append(item_id)
        return dict(films)

    def shared(self, liked_ids: Iterable[str]) -> dict[str, int]:
        """Every film credited with someone from a liked film -> the most credits it shares with
        one of them (the liked films themselves included)."""
        best: dict[str, int] = {}
        for liked in dict.fromkeys(liked_ids):
            counts = Counter(i for p in self.people(liked) for i in self._films.get(p, ()))
            for item_id, n in counts.items():
                if n > best.get(item_id, 0):
                    best[item_id] = n
        return best

    def candidates(self, shared: Mapping[str, int], *, n: int, exclude_ids: Sequence[str] = ()) -> list[str]:
        """The ``n`` films sharing the most credits, the more reviewed first on ties."""
        excluded = set(exclude_ids)
        found = [i for i in shared if i not in excluded]
        found.sort(key=lambda i: (-shared[i], -int(self.catalog[i].get("reviews") or 0), i))
        return found[:n]
