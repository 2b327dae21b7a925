"""From source rows to items: the declared field mapping, typed conversion, and the item text.

A source row becomes an :class:`Item` only through a :class:`FieldMapping`, which names the id and
title columns, the typed metadata fields and the fields that make up the text we embed. Rows that
do not fit are rejected with a one-line reason (:class:`RowError`), never half-imported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chatrec.catalog.items import Item, MetaValue, label_of

FieldType = Literal["str", "int", "float", "list"]


class RowError(ValueError):
    """A source row that cannot become an item; the message is the one-line reason."""


class FieldSpec(BaseModel):
    """One typed metadata field read from a source column."""

    model_config = ConfigDict(extra="forbid")

    column: str
    type: FieldType = "str"
    separator: str = ","


class FieldMapping(BaseModel):
    """How the rows of a source become items (a JSON or TOML file, or built in code).

    ``text`` lists, in order, the field or column names whose values follow the title in the
    embedded item text. ``query`` (SQLite only) selects the rows; otherwise ``table`` does.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    year_field: str | None = "year"
    text: list[str] = []
    fields: dict[str, FieldSpec] = {}
    table: str | None = None
    query: str | None = None
    description: str | None = None  # a text field with a plot or synopsis: embedded whole, read for topics


def _convert(name: str, raw: Any, spec: FieldSpec) -> MetaValue | None:
    """Turn one raw cell into the declared type; empty cells are missing, not errors."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float) and math.isnan(raw):
        return None
    try:
        if spec.type == "list":
            parts = raw if isinstance(raw, list) else str(raw).split(spec.separator)
            values = [str(p).strip() for p in parts if str(p).strip()]
            return values or None
        if spec.type == "int":
            number = float(raw) if not isinstance(raw, bool) else math.nan
            if not number.is_integer():
                raise ValueError
            return int(number)
        if spec.type == "float":
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError
            return number
        return str(raw).strip()
    except (TypeError, ValueError):
        raise RowError(f"field {name!r} is not of type {spec.type}: {str(raw)[:40]!r}") from None


def _has_bad_utf8(value: Any) -> bool:
    """Sources are decoded with ``surrogateescape``; a surrogate means bytes that are not UTF-8."""
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def _text_value(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def item_from_row(row: Mapping[str, Any], mapping: FieldMapping) -> Item:
    """Build an item from one source row, or raise :class:`RowError` saying why not."""
    if any(_has_bad_utf8(v) for v in row.values()):
        raise RowError("invalid UTF-8")
    raw_id = row.get(mapping.id)
    if raw_id is None or not str(raw_id).strip():
        raise RowError("no id")
    title = row.get(mapping.title)
    if title is None or not str(title).strip():
        raise RowError("no title")
    metadata: dict[str, MetaValue] = {}
    for name, spec in mapping.fields.items():
        value = _convert(name, row.get(spec.column), spec)
        if value is not None:
            metadata[name] = value
            if isinstance(value, list):
                # Chroma has no "key exists" test; a count lets filters require a known list.
                metadata[f"{name}_count"] = len(value)
    title = " ".join(str(title).split())
    metadata["title"] = title
    year = metadata.get(mapping.year_field) if mapping.year_field else None
    parts = [f"{label_of(title, year if isinstance(year, int) else None)}."]
    for name in mapping.text:
        value = metadata.get(name, row.get(name))
        if value is not None and str(value).strip():
            label = name.replace("_", " ").capitalize()
            parts.append(f"{label}: {_text_value(value)}.")
    return Item(id=str(raw_id).strip(), title=title, text=" ".join(parts), metadata=metadata)
