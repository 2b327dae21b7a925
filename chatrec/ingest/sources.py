"""Read rows from CSV, JSONL and SQLite sources, and field mappings from JSON or TOML files.

Every reader yields one value per source row: a :class:`SourceRow` (column -> value, and where it
is in the file), or a :class:`~chatrec.catalog.items.RowError` for a row that could not even be
read (bad JSON, bad bytes, broken quoting, a wrong number of fields, an oversized field), so the
pipeline reports it and keeps every valid row. Text is decoded with ``surrogateescape``; invalid
UTF-8 survives as surrogates, which the item builder rejects with its own reason. Before the first
row, the mapping is checked against the source's columns (CSV header, SQLite result columns).
"""

from __future__ import annotations

import csv
import itertools
import json
import sqlite3
import tomllib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from chatrec.catalog import FieldMapping, RowError
from chatrec.catalog.mapping import check_columns
from chatrec.errors import ConfigError, SourceError, one_line


class SourceRow(dict[str, Any]):
    """One source row's values, with ``where`` it is ("line 12" of a file, "row 3" of a query)."""

    def __init__(self, values: Any, where: str) -> None:
        super().__init__(values)
        self.where = where


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
    except ValidationError as exc:
        raise ConfigError(one_line(exc, f"mapping file {path}")) from None
    except ValueError as exc:
        raise ConfigError(f"invalid mapping file {path}: {one_line(exc)}") from None


def read_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    """Rows of ``path``, chosen by its extension; a missing or unreadable file, or a mapping
    that names columns the source lacks, is an error up front."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SourceError(f"unknown source format {path.suffix!r} for {path}; use .csv, .jsonl or .db")
    if not path.is_file():
        raise SourceError(f"source not found: {path}")
    if kind != "sqlite" and (mapping.table or mapping.query):
        raise ConfigError(
            f"'table' and 'query' select rows of SQLite sources: remove them from the mapping of {path.name}"
        )
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "sqlite": _sqlite_rows}[kind]
    rows = reader(path, mapping)
    first = next(rows, None)  # opens the source and checks its columns now, before any model loads
    return rows if first is None else itertools.chain([first], rows)


class _Lines:
    """A file's lines for ``csv.reader``, numbered; the lines of a rejected record after its first
    can be read again, so an unterminated quote costs one row, not the rows it swallowed."""

    def __init__(self, fh: TextIO) -> None:
        self._file = enumerate(fh, 1)
        self._again: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.popleft() if self._again else next(self._file)
        self.taken.append(line)
        return line[1]

    def reject(self, reason: str) -> RowError:
        """The current record as a RowError at its first line; its other lines are read again."""
        first, last = self.taken[0][0], self.taken[-1][0]
        if last > first:
            reason = f"unterminated quote (the row ran on to line {last}); {reason}"
            self._again.extendleft(reversed(self.taken[1:]))
        return RowError(reason, where=f"line {first}")


def _csv_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            lines = _Lines(fh)
            records = csv.reader(lines)
            header = next(records, None)
            if header is None:
                return
            check_columns(mapping, header, path.name)
            while True:
                lines.taken = []
                try:
                    values = next(records)
                except StopIteration:
                    return
                except csv.Error as exc:
                    limit = csv.field_size_limit()
                    too_long = str(exc).startswith("field larger")
                    yield lines.reject(f"a field is longer than {limit} characters" if too_long else str(exc))
                    continue
                if not values:  # a blank line
                    continue
                if len(values) != len(header):
                    yield lines.reject(f"{len(values)} fields where the header has {len(header)}")
                    continue
                yield SourceRow(zip(header, values, strict=True), f"line {lines.taken[0][0]}")
    except csv.Error as exc:  # only the header can get here
        raise SourceError(f"cannot read the CSV header of {path}: {exc}") from None
    except OSError as exc:
        raise SourceError(f"cannot read CSV {path}: {exc.strerror}") from None


def _jsonl_rows(path: Path, mapping: FieldMapping) -> Iterator[Row]:
    try:
        with path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                where = f"line {number}"
                if not line.strip():
                    continue
                try:
                    row = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError:
                    yield RowError("invalid UTF-8", where)
                    continue
                except json.JSONDecodeError as exc:
                    yield RowError(f"not valid JSON ({exc.msg})", where)
                    continue
                yield SourceRow(row, where) if isinstance(row, dict) else RowError("not a JSON object", where)
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
        check_columns(mapping, [d[0] for d in cursor.description], path.name)
        for number, row in enumerate(cursor, 1):
            yield SourceRow(dict(row), f"row {number}")
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
