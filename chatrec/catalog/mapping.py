"""From source rows to items: the declared field mapping, typed conversion, and the item text.

A source row becomes an :class:`Item` only through a :class:`FieldMapping`, which names the id and
title columns, the typed metadata fields and the fields that make up the text we embed. Rows that
do not fit are rejected with a one-line reason (:class:`RowError`), never half-imported.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from chatrec.catalog.items import Item, MetaValue, label_of
from chatrec.errors import ConfigError

FieldType = Literal["str", "int", "float", "list"]
# Integers beyond 2**53 lose digits as JSON numbers and overflow Chroma's int64 metadata.
LARGEST_INT = 2**53
# Sane bounds for the fields the filters read, used when a mapping names none: a year of 1e30 or
# a runtime of -5 is a broken row, not a film.
DEFAULT_RANGES: dict[str, tuple[float, float]] = {"year": (1800, 2100), "runtime": (1, 100_000)}
# Values a source can hold but no real item has: the default catalog gives Machuca (121 min) a
# runtime of 1 and The Human Race (87 min) one of 4, and its shortest true runtime is Destino's 7.
# Such a value is left out of the item (the row stays), so "under 5 minutes" never picks them,
# and the ingest report counts it.
DEFAULT_PLAUSIBLE: dict[str, tuple[float, float]] = {"runtime": (5, 1000)}


class RowError(ValueError):
    """A source row that cannot become an item; the message is the one-line reason.

    ``where`` locates the row in its source ("line 12", "row 3") when the reader knows it."""

    def __init__(self, reason: str, where: str | None = None) -> None:
        super().__init__(reason)
        self.where = where


class FieldSpec(BaseModel):
    """One typed metadata field read from a source column; ``min``/``max`` bound numbers (a row
    outside them is rejected), ``plausible`` the values a real item can have (outside it, the
    value is left out and counted, and the row kept)."""

    model_config = ConfigDict(extra="forbid")

    column: str
    type: FieldType = "str"
    separator: str = ","
    min: float | None = None
    max: float | None = None
    plausible: tuple[float, float] | None = None


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

    @model_validator(mode="after")
    def _default_ranges(self) -> FieldMapping:
        for name, (low, high) in DEFAULT_RANGES.items():
            spec = self.fields.get(name)
            if spec is not None and spec.type in ("int", "float") and spec.min is spec.max is None:
                self.fields[name] = spec.model_copy(update={"min": low, "max": high})
        for name, plausible in DEFAULT_PLAUSIBLE.items():
            spec = self.fields.get(name)
            if spec is not None and spec.type in ("int", "float") and spec.plausible is None:
                self.fields[name] = spec.model_copy(update={"plausible": plausible})
        return self

    def columns(self) -> dict[str, str]:
        """Every source column the mapping reads, with the mapping key that names it."""
        named = {self.id: "id", self.title: "title"}
        named.update({spec.column: f"fields.{name}" for name, spec in self.fields.items()})
        named.update({name: "text" for name in self.text if name not in self.fields})
        return named


def check_columns(mapping: FieldMapping, columns: Collection[str], source: object) -> None:
    """Refuse a mapping that names columns the source lacks, before any row is read: a misspelt
    id would otherwise skip every row, and a misspelt field would silently stay empty."""
    missing = [f"{column!r} ({key})" for column, key in mapping.columns().items() if column not in columns]
    if missing:
        names = f"columns {', '.join(missing)} are" if len(missing) > 1 else f"column {missing[0]} is"
        have = ", ".join(columns) or "none"
        raise ConfigError(f"the mapping's {names} not in {source} (its columns: {have})")


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
        if spec.type == "str":
            return str(raw).strip()
        number = float(raw) if not isinstance(raw, bool) else math.nan
        if not math.isfinite(number) or (spec.type == "int" and not number.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise RowError(f"field {name!r} is not of type {spec.type}: {str(raw)[:40]!r}") from None
    low = spec.min if spec.min is not None else -LARGEST_INT
    high = spec.max if spec.max is not None else LARGEST_INT
    if not low <= number <= high:
        bound = f"below {low:g}" if number < low else f"above {high:g}"
        raise RowError(f"field {name!r} is out of range, {bound}: {str(raw)[:40]!r}")
    return int(number) if spec.type == "int" else number


def _has_bad_utf8(value: Any) -> bool:
    """Sources are decoded with ``surrogateescape``; a surrogate means bytes that are not UTF-8."""
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def _text_value(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def item_from_row(
    row: Mapping[str, Any], mapping: FieldMapping, implausible: list[str] | None = None
) -> Item:
    """Build an item from one source row, or raise :class:`RowError` saying why not. Fields whose
    value no real item has are left out and named in ``implausible``."""
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
        if (
            isinstance(value, int | float)
            and spec.plausible
            and not spec.plausible[0] <= value <= spec.plausible[1]
        ):
            if implausible is not None:
                implausible.append(name)
            continue
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
