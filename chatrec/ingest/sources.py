"""Read rows from CSV, JSONL and SQLite sources, and field mappings from JSON or TOML files.

Every reader yields one value per source row: a dict of column -> value, or a
:class:`~chatrec.catalog.items.RowError` for a row that could not even be read (bad JSON, bad bytes), so
the pipeline counts it instead of stopping. Text is decoded with ``surrogateescape``; invalid
UTF-8 survives as surrogates, which the item builder rejects with its own reason.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chatrec.catalog import FieldMapping, RowError
from chatrec.errors import ConfigError, SourceError

Row = dict[str, Any] | RowError

FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
}


def load_mapping(path: Path) -> FieldMapping:
    """A field mapping from a ``.json`` or ``.toml`` file; errors name the bad key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read mapping file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
        return FieldMapping.model_validate(data)
    except (ValueError, ValidationError) as exc:
        first = str(exc).strip().splitlines()
        raise ConfigError(f"invalid mapping file {path}: {' '.join(first[:3])}") from None


def read_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    """Rows of ``path``, chosen by its extension; a missing file is a SourceError up front."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SourceError(f"unknown source format {path.suffix!r} for {path}; use .csv, .jsonl or .db")
    if not path.is_file():
        raise SourceError(f"source not found: {path}")
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "sqlite": _sqlite_rows}[kind]
    return reader(path, mapping)


def _csv_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            for row in csv.DictReader(fh):
                yield {k: v for k, v in row.items() if k is not None}
    except (OSError, csv.Error) as exc:
        raise SourceError(f"cannot read CSV {path}: {exc}") from None


def _jsonl_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    try:
        with path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    row = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError:
                    yield RowError("invalid UTF-8")
                    continue
                except json.JSONDecodeError as exc:
                    yield RowError(f"not valid JSON ({exc.msg})")
                    continue
                yield row if isinstance(row, dict) else RowError("not a JSON object")
    except OSError as exc:
        raise SourceError(f"cannot read JSONL {path}: {exc.strerror}") from None


def _sqlite_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
        conn.row_factory = sqlite3.Row
        query = mapping.query or f'SELECT * FROM "{_table(conn, mapping)}"'
        cursor = conn.execute(query)
    except sqlite3.Error as exc:
        raise SourceError(f"cannot read SQLite {path}: {exc}") from None
    try:
        for row in cursor:
            yield dict(row)
    finally:
        conn.close()


def _table(conn: sqlite3.Connection, mapping: FieldMapping) -> str:
    if mapping.table:
        return mapping.table
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if len(tables) != 1:
        raise SourceError(
            f"the database has tables {tables}: name one with 'table' or 'query' in the mapping"
        )
    return tables[0]
