"""ReDial movie ids -> catalog ids: through IMDb ids where both sides have one, else title + year.

``redial_imdb.csv`` (next to the ReDial files) maps ReDial movieIds to IMDb ids; the default
catalog stores ``imdb_id`` per item. A catalog without that field, or a film without an IMDb row,
falls back to the normalised title and year (±1), as the ranking harness links.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chatrec.catalog.titles import TitleIndex

IMDB_FILE = "redial_imdb.csv"


class MentionLinker:
    """Links one ReDial mention (its movieId and ``Title (Year)`` name) to a catalog id."""

    def __init__(
        self,
        catalog: Mapping[str, Mapping[str, Any]],
        imdb_of: Mapping[str, str],
        titles: TitleIndex | None = None,
    ) -> None:
        self._by_imdb = {str(m["imdb_id"]): i for i, m in catalog.items() if m.get("imdb_id")}
        self._imdb_of = imdb_of
        self._titles = titles or TitleIndex.from_metadata(catalog)
        self._cache: dict[tuple[str, str], str | None] = {}

    @classmethod
    def for_data(cls, catalog: Mapping[str, Mapping[str, Any]], data: Path) -> MentionLinker:
        """A linker that uses ``redial_imdb.csv`` beside ``data`` when it exists."""
        path = data.parent / IMDB_FILE
        imdb_of: dict[str, str] = {}
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                imdb_of = {row["movieId"]: row["imdbId"] for row in csv.DictReader(fh) if row.get("imdbId")}
        return cls(catalog, imdb_of)

    def link(self, movie_id: str, name: str) -> str | None:
        key = (movie_id, name)
        if key not in self._cache:
            imdb = self._imdb_of.get(movie_id)
            if imdb and self._by_imdb:  # an IMDb id the catalog lacks: the film is not in it
                self._cache[key] = self._by_imdb.get(imdb)
            else:
                self._cache[key] = self._titles.link_name(name.strip()) if name.strip() else None
        return self._cache[key]
