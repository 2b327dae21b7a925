"""Sane ranges for constraints that arrive from outside (the Python API, the web API, the filters
panel), so ``max_runtime=10**30`` or ``year_from=-1000000`` is refused, not echoed back.

Understanding a message needs none of this: its patterns only read four-digit years and film-length
minutes. Names (genres, ratings, languages, people) are checked against the catalog's vocabulary
by the agent, through the same mapping as the CLI's ``--genre``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatrec.catalog.filters import Filters
from chatrec.catalog.mapping import DEFAULT_RANGES
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.errors import ConfigError, InputError
from chatrec.inputs import text

YEARS = tuple(map(int, DEFAULT_RANGES["year"]))  # the years an item may have: any of them can be asked for
RUNTIME_MINUTES = (1, 1000)
MAX_VALUES = 50  # names per list constraint
RANGES = {
    "year_from": YEARS,
    "year_to": YEARS,
    "max_runtime": RUNTIME_MINUTES,
    "min_runtime": RUNTIME_MINUTES,
}
READ_FIELDS = ("people", "topics")  # names read from text by the vocabulary, not looked up


def checked_constraints(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with every value checked (numbers in range, lists of clean text), or InputError."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in Filters.model_fields:
            raise InputError(f"unknown constraint; known: {', '.join(Filters.model_fields)}")
        if name in RANGES:
            checked[name] = _bounded(name, value)
            continue
        if not isinstance(value, list | tuple):
            raise InputError(f"{name} must be a list of names, not {type(value).__name__}")
        if len(value) > MAX_VALUES:
            raise InputError(f"{name}: at most {MAX_VALUES} values")
        checked[name] = [text(v, name).strip() for v in value]
    return checked


def _bounded(name: str, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"{name} must be a whole number or None, not {type(value).__name__}")
    low, high = RANGES[name]
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}")
    return value


def catalog_names(
    changes: dict[str, Any], canonical: Callable[[Filters], Filters], vocabulary: Vocabulary
) -> dict[str, Any]:
    """Checked ``changes`` with genres, ratings and languages in the catalog's spelling (through
    ``canonical``, the mapping the CLI's ``--genre`` uses), and people and plot topics as the
    catalog names them; a name the catalog does not have is an InputError (markup stripped)."""
    lists = {k: v for k, v in changes.items() if isinstance(v, list) and k not in READ_FIELDS}
    try:
        mapped = canonical(Filters(**lists))
    except ConfigError as exc:
        raise InputError(_plain(str(exc))) from None
    named = {k: getattr(mapped, k) for k in lists}
    for field in READ_FIELDS:
        if field in changes:
            named[field] = [_read(vocabulary, field, value) for value in changes[field]]
    return changes | named


def _read(vocabulary: Vocabulary, field: str, value: str) -> str:
    """The one catalog name (a person, a topic) that ``value`` is, whatever its case."""
    found = getattr(vocabulary.read(value), field)
    if len(found) != 1 or found[0].casefold() != value.casefold():
        raise InputError(f"{field}: the catalog has no {_plain(value)!r}")
    return str(found[0])


def _plain(value: str) -> str:
    """Echoed input without anything a page could read as markup."""
    return value.replace("<", "").replace(">", "")
