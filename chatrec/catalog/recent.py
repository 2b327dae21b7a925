"""The shipped recent films (2015–2025): the second source of the default catalog.

The default catalog (bokeh-sampledata) ends in 2014. ``models/recent-films/films.jsonl.gz``, built
by ``benchmarks/build_recent_films.py`` from Wikipedia's lists of US films (facts under MIT, lead
text CC BY-SA), adds about 3,400 films: title, year, genres, directors, cast, the article's slug
and a story quoted from the article's lead. It ships with the package because CI and fresh
clones have no ``../shared`` data. Item ids are ``wiki:<slug>``: stable across rebuilds, and what
other indexes (the mood index) key recent films by.

The file is ours, but it is read like any source: a line that is not a usable film is skipped and
counted, never fatal.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from chatrec.config import packaged_model

RECENT_DIR = packaged_model("recent-films")
RECENT_FILE = RECENT_DIR / "films.jsonl.gz"
RECENT_ID_PREFIX = "wiki:"
FIELDS = ("id", "title", "year", "genres", "directors", "cast", "href", "story")


@dataclass
class RecentFilms:
    """The films of the artefact (each a dict of :data:`FIELDS`) and how many lines were skipped."""

    films: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0

    def stories(self) -> dict[str, str]:
        """Item id -> quoted story, for the films that have one."""
        return {f["id"]: f["story"] for f in self.films if f.get("story")}


def _film(line: str) -> dict[str, Any] | None:
    """One artefact line as a film, or None when it is not one (bad JSON, no wiki id or title)."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    if not isinstance(row, dict):
        return None
    item_id, title = row.get("id"), row.get("title")
    if not (isinstance(item_id, str) and item_id.startswith(RECENT_ID_PREFIX) and isinstance(title, str)):
        return None
    return {name: row.get(name) for name in FIELDS}


def read_recent(path: Path = RECENT_FILE) -> RecentFilms:
    """The films in ``path``; none (and nothing skipped) when a trimmed install lacks the file."""
    found = RecentFilms()
    if not path.is_file():
        return found
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            film = _film(line)
            if film is None:
                found.skipped += 1
            else:
                found.films.append(film)
    return found


@cache
def packaged_recent() -> RecentFilms:
    """The shipped recent films, read once a process (ingest and the synopses both use them)."""
    return read_recent()
