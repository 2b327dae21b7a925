"""Catalog items and the catalog: typed access to what the store holds about each item.

Every front end and stage reads item fields through :class:`Item` and :class:`Catalog`, so the
"Title (Year)" label, list fields and "the people of an item" are each defined once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any

MetaValue = str | int | float | bool | list[str]
EMBED_FORMAT = 2  # bump when what is embedded for an item changes: every item is re-embedded
# Metadata fields that name people, in any catalog (a book catalog's authors are people as a
# film's cast is); filters, retrieval signals, the reader and evidence all read these.
PEOPLE_FIELDS = ("directors", "writers", "cast", "authors", "creators", "artists")


def label_of(title: str, year: int | None) -> str:
    """How people write an item: ``Heat (1995)``; without a year, the bare title."""
    return f"{title} ({year})" if year else title


def list_field(meta: Mapping[str, Any], key: str) -> list[str]:
    """A list field of item metadata as strings; a scalar counts as a one-element list."""
    value = meta.get(key)
    if value is None or value == "":
        return []
    return list(map(str, value)) if isinstance(value, list) else [str(value)]


def renown(meta: Mapping[str, Any]) -> int:
    """Critic review count, or for an item whose count is unknown the count assumed for it
    (``reviews_prior``, which the recent films carry: chatrec/ingest/movies.py says why): the
    popularity prior's one input, so that a film without reviews is not taken for an obscure one."""
    for key in ("reviews", "reviews_prior"):
        value = meta.get(key)
        if isinstance(value, int | float) and value > 0:
            return int(value)
    return 0


@dataclass(frozen=True)
class Item:
    """A catalog item as stored: id, title, the text we embed and typed metadata."""

    id: str
    title: str
    text: str
    metadata: dict[str, MetaValue] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        value = self.metadata.get("year")
        return value if isinstance(value, int) else None

    @property
    def label(self) -> str:
        """Title with year, as people write it: ``Heat (1995)``."""
        return label_of(self.title, self.year)

    @property
    def genres(self) -> list[str]:
        return list_field(self.metadata, "genres")

    @property
    def people(self) -> set[str]:
        """Everyone credited (directors, writers, cast)."""
        return {p for f in PEOPLE_FIELDS for p in list_field(self.metadata, f)}

    @property
    def runtime(self) -> int | None:
        value = self.metadata.get("runtime")
        return value if isinstance(value, int) else None

    @property
    def reviews(self) -> int:
        """Critic review count: the catalog's own popularity signal (0 when unknown)."""
        value = self.metadata.get("reviews")
        return int(value) if isinstance(value, int | float) and value > 0 else 0

    @property
    def embed_text(self) -> str:
        """What we embed: the text without its leading title, so that similarity between items
        (and to requests) is about what the items are, not about shared title words."""
        for prefix in (f"{self.label}. ", f"{self.title}. "):
            if self.text.startswith(prefix) and len(self.text) > len(prefix):
                return self.text[len(prefix) :]
        return self.text

    def content_hash(self, model_id: str) -> str:
        """Hash of everything that goes into the store, so unchanged rows are never re-embedded."""
        payload = json.dumps([EMBED_FORMAT, model_id, self.title, self.text, self.metadata], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


class Catalog(Mapping[str, dict[str, Any]]):
    """Every item's metadata by id, read once from the store; a read-only mapping with typed views.

    ``catalog[id]`` is the raw metadata dict (what vocabularies and indexes are built from);
    :meth:`item` and :meth:`label` are the typed views the stages and front ends use.
    """

    def __init__(self, metadata: Mapping[str, dict[str, Any]]) -> None:
        self._meta = dict(metadata)
        # Indexes derived from the metadata by other modules (``credits_of``), one per catalog.
        self.indexes: dict[str, Any] = {}

    def __getitem__(self, item_id: str) -> dict[str, Any]:
        return self._meta[item_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._meta)

    def __len__(self) -> int:
        return len(self._meta)

    # The dict's own views: Mapping's would call __getitem__ once per item, and the start walks
    # every item several times (a million at scale).
    def __contains__(self, item_id: object) -> bool:
        return item_id in self._meta

    def get(self, item_id: str, default: Any = None) -> Any:
        return self._meta.get(item_id, default)

    def keys(self) -> KeysView[str]:
        return self._meta.keys()

    def values(self) -> ValuesView[dict[str, Any]]:
        return self._meta.values()

    def items(self) -> ItemsView[str, dict[str, Any]]:
        return self._meta.items()

    def item(self, item_id: str) -> Item:
        """The item with this id (its embedded text is not kept here; the store has it)."""
        meta = self._meta.get(item_id, {})
        return Item(id=item_id, title=str(meta.get("title", item_id)), text="", metadata=meta)

    def label(self, item_id: str) -> str:
        """``Title (Year)`` for a known id; the id itself for an unknown one."""
        return self.item(item_id).label
