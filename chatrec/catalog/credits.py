"""Who is credited on which film: one index per catalog, for ranking and for reasons.

Ranking: ReDial's recommenders often answer a liked film with another by its director or with its
stars, and co-occurrence only knows the pairs people already named; the catalog's credits reach
every film. How many credits a candidate shares with one liked film is a fusion signal, and the
films sharing the most join the candidates (chosen on ReDial TRAIN's validation turns, never dev;
``models/redial-cooccurrence/README.md``).

Reasons: "stars X" is only said of people who mostly act (the catalog lists Michael Mann in
Hancock's cast; he is a director), and casts, which the catalog lists alphabetically, are named
most credited first.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from chatrec.catalog.items import PEOPLE_FIELDS, Catalog, list_field, renown


class Credits:
    """Person -> the fields that credit them and the films they are credited on, built on first
    use (about 0.3 s for 17k films; ``warm`` builds it before a user waits)."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]]) -> None:
        self.catalog = catalog

    @cached_property
    def _roles(self) -> dict[str, Counter[str]]:
        roles: dict[str, Counter[str]] = {}
        for meta in self.catalog.values():
            for role in PEOPLE_FIELDS:
                for person in list_field(meta, role):
                    roles.setdefault(person, Counter())[role] += 1
        return roles

    @cached_property
    def _films(self) -> dict[str, list[str]]:
        """Only ranking needs this one (a catalog with interactions), so it is built apart."""
        films: defaultdict[str, list[str]] = defaultdict(list)
        for item_id in self.catalog:
            for person in self.people(item_id):
                films[person].append(item_id)
        return dict(films)

    @cached_property
    def _tallies(self) -> tuple[Counter[str], Counter[str]]:
        """Both person tallies in one pass over the catalog (each film's people gathered once):
        at a million items two passes took 21.5 s of the start, this one takes a third of it."""
        counts: Counter[str] = Counter()
        fame: defaultdict[str, int] = defaultdict(int)
        for meta in self.catalog.values():
            people = _people(meta)
            counts.update(people)
            if reviews := renown(meta):
                for person in people:
                    fame[person] += reviews
        return counts, Counter(fame)

    @property
    def film_counts(self) -> Counter[str]:
        """Person -> how many films credit them (directing and writing one film counts once)."""
        return self._tallies[0]

    @property
    def renown(self) -> Counter[str]:
        """Person -> the critic reviews of the films that credit them: how well known they are,
        where a count of credits would rank a busy character actor above the star."""
        return self._tallies[1]

    def warm(self, *, films: bool = False) -> None:
        """Build the person index (and the films index) now rather than in a user's first turn."""
        self._roles  # noqa: B018
        if films:
            self._films  # noqa: B018

    def people(self, item_id: str) -> set[str]:
        """Everyone credited on one film (directors, writers, cast, ...)."""
        meta = self.catalog.get(item_id)
        return _people(meta) if meta else set()

    def main_role(self, person: str) -> str | None:
        counts = self._roles.get(person)
        return counts.most_common(1)[0][0] if counts else None

    def best_known(self, names: list[str]) -> list[str]:
        """A cast best known first. A list in billing order (the recent films' casts) stays as it
        is; an alphabetical one (the old catalog's) is sorted by renown, then credits: "with Alban
        Lenoir, Anatole Taubman" is no way to describe Taken (Liam Neeson)."""
        if names != sorted(names):
            return list(names)
        return sorted(names, key=lambda n: (-self.renown[n], -sum(self._roles.get(n, Counter()).values())))

    def shared(self, liked_ids: Iterable[str]) -> dict[str, int]:
        """Every film credited with someone from a liked film -> the most credits it shares with
        one of them (the liked films themselves included)."""
        films = self._films
        best: dict[str, int] = {}
        for liked in dict.fromkeys(liked_ids):
            counts = Counter(i for p in self.people(liked) for i in films.get(p, ()))
            for item_id, n in counts.items():
                if n > best.get(item_id, 0):
                    best[item_id] = n
        return best

    def candidates(self, shared: Mapping[str, int], *, n: int, exclude_ids: Sequence[str] = ()) -> list[str]:
        """The ``n`` films sharing the most credits, the more reviewed first on ties."""
        excluded = set(exclude_ids)
        found = (i for i in shared if i not in excluded)  # thousands for a big cast: no full sort
        reviews = {i: int(self.catalog[i].get("reviews") or 0) for i in shared}
        return heapq.nsmallest(n, found, key=lambda i: (-shared[i], -reviews[i], i))


def _people(meta: Mapping[str, Any]) -> set[str]:
    """Everyone credited on one film (directors, writers, cast, ...), once each."""
    return {p for f in PEOPLE_FIELDS for p in list_field(meta, f)}


def credits_of(catalog: Mapping[str, Mapping[str, Any]]) -> Credits:
    """The catalog's one credits index, shared by ranking and reasons (a plain mapping gets its own)."""
    if not isinstance(catalog, Catalog):
        return Credits(catalog)
    found = catalog.indexes.get("credits")
    if not isinstance(found, Credits):
        found = catalog.indexes["credits"] = Credits(catalog)
    return found
