"""Top-N retrieval for a query text under hard filters: the library function behind search.

The embedder and the store are the same objects ingest uses, so queries and items live in one
vector space. User-typed filter values are matched to the catalog's own spelling first.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from chatrec.config import Settings
from chatrec.embeddings import Embedder, load_embedder
from chatrec.errors import ConfigError
from chatrec.filters import Filters
from chatrec.store import Hit, Store

# Filter fields whose values must match the catalog's spelling, and the metadata key they test.
CANONICAL_FIELDS = {"genres": "genres", "not_genres": "genres", "ratings": "rating", "languages": "languages"}


class Retriever:
    """Embeds query text and asks the store for the nearest items that pass the filters."""

    def __init__(self, embedder: Embedder, store: Store) -> None:
        self.embedder = embedder
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Retriever:
        settings = settings or Settings()
        return cls(load_embedder(settings), Store(settings))

    @cached_property
    def _vocabularies(self) -> dict[str, dict[str, str]]:
        keys = set(CANONICAL_FIELDS.values())
        return {k: {v.casefold(): v for v in self.store.vocabulary(k)} for k in keys}

    def canonical(self, filters: Filters) -> Filters:
        """The same filters with genre, rating and language names in the catalog's spelling.

        Raises ConfigError naming the known values when one is not in the catalog at all.
        """
        changes: dict[str, list[str]] = {}
        for name, key in CANONICAL_FIELDS.items():
            values: list[str] = getattr(filters, name)
            if not values:
                continue
            vocab = self._vocabularies[key]
            unknown = [v for v in values if v.casefold() not in vocab]
            if unknown:
                known = ", ".join(sorted(vocab.values())[:40])
                raise ConfigError(f"unknown {key} {', '.join(map(repr, unknown))}; known: {known}")
            changes[name] = [vocab[v.casefold()] for v in values]
        return filters.model_copy(update=changes)

    def search(
        self,
        query: str,
        *,
        n: int = 10,
        filters: Filters | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[Hit]:
        """The ``n`` items most similar to ``query`` that satisfy every filter."""
        vector = self.embedder.embed_query(query.strip() or " ")
        return self.store.query(vector, n=n, filters=filters, exclude_ids=exclude_ids)
