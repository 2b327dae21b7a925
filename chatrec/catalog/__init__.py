"""The catalog layer: items, their typed metadata, field mappings, titles, vocabularies, filters.

Everything above it (store, retrieval, reranker, dialogue, front ends) reads items through here.
"""

from chatrec.catalog.filters import Filters
from chatrec.catalog.items import PEOPLE_FIELDS, Catalog, Item, MetaValue, label_of, list_field
from chatrec.catalog.mapping import FieldMapping, FieldSpec, RowError, item_from_row

__all__ = [
    "PEOPLE_FIELDS",
    "Catalog",
    "FieldMapping",
    "FieldSpec",
    "Filters",
    "Item",
    "MetaValue",
    "RowError",
    "item_from_row",
    "label_of",
    "list_field",
]
