"""Hard constraints on items, compiled to Chroma ``where`` filters so the store enforces them.

A constraint is a guarantee: an item whose value for a constrained field is unknown does not pass
(Chroma never matches a missing key), so "under two hours" never lets in a film of unknown length.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chatrec.catalog.items import PEOPLE_FIELDS


class Filters(BaseModel):
    """Hard constraints: every returned item satisfies all of them.

    ``genres`` are each required; ``not_genres`` each excluded; ``ratings`` and ``languages`` are
    sets of allowed values (an item passes when it has any of them); each of ``people`` must be
    among the item's directors, writers or cast; each of ``topics`` among its plot topics. Years
    are inclusive.
    """

    model_config = ConfigDict(extra="forbid")

    year_from: int | None = None
    year_to: int | None = None
    genres: list[str] = Field(default_factory=list)
    not_genres: list[str] = Field(default_factory=list)
    max_runtime: int | None = Field(None, ge=1)
    min_runtime: int | None = Field(None, ge=1)
    ratings: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _years_in_order(self) -> Filters:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year_from {self.year_from} is after year_to {self.year_to}")
        return self

    def is_empty(self) -> bool:
        return self == Filters()

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these constraints, or None when there are none."""
        clauses: list[dict[str, Any]] = []
        if self.year_from is not None:
            clauses.append({"year": {"$gte": self.year_from}})
        if self.year_to is not None:
            clauses.append({"year": {"$lte": self.year_to}})
        if self.max_runtime is not None:
            clauses.append({"runtime": {"$lte": self.max_runtime}})
        if self.min_runtime is not None:
            clauses.append({"runtime": {"$gte": self.min_runtime}})
        clauses += [{"genres": {"$contains": g}} for g in self.genres]
        if self.not_genres:
            # "$not_contains" alone would pass items with no genres at all: require the key.
            clauses.append({"genres_count": {"$gte": 1}})
            clauses += [{"genres": {"$not_contains": g}} for g in self.not_genres]
        if self.ratings:
            clauses.append({"rating": {"$in": list(self.ratings)}})
        if self.languages:
            clauses.append({"$or": [{"languages": {"$contains": x}} for x in self.languages]})
        clauses += [{"$or": [{f: {"$contains": p}} for f in PEOPLE_FIELDS]} for p in self.people]
        clauses += [{"topics": {"$contains": t}} for t in self.topics]
        if not clauses:
            return None
        flat = [c if "$or" not in c or len(c["$or"]) > 1 else c["$or"][0] for c in clauses]
        return flat[0] if len(flat) == 1 else {"$and": flat}
