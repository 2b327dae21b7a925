"""The mood index: for each film with a story, its percentile on each mood dimension people ask for.

Moods ("nothing too sad", "something tense", "less confusing") are in no catalog field. The shipped
``moods.json.gz`` (built by ``benchmarks/build_mood_index.py`` from the Wikipedia plots and the
2015–2025 films' extracts; see its card) gives every film with a story a percentile from 0 to 100
per dimension, ranked among all scored films. A film without a story has no entry: it is never
guessed at, so it is neither steered towards nor away from a mood, and no reason states one.

Percentiles are read two ways: steering uses them as they are (a wish lifts the films highest on
it, a "not too" lowers the ones above the middle); the bands below decide when a film counts as
having the mood (a "no gore" sets those films behind the rest) and when a reason may say so.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from chatrec.config import packaged_model

MOODS_DIR = packaged_model("film-moods")
MOODS_FILE = "moods.json.gz"

DIMENSIONS: tuple[str, ...] = (
    "sad",
    "uplifting",
    "dark",
    "light",
    "scary",
    "gory",
    "confusing",
    "slow",
    "fast-paced",
    "romantic",
    "funny",
    "family-friendly",
    "mind-bending",
    "tense",
)
# The reader's mood words that name a dimension by another word (chatrec.understanding.lexicon).
SAME_AS = {"feel-good": "uplifting"}
HAS_IT = 75  # a film at or above this percentile counts as having the mood ("no gore" sets it back)
SAYS_IT = 90  # a reason may call a film by the mood only from this percentile up


def dimension(mood: str) -> str | None:
    """The index dimension of a mood word the reader keeps, or None when the index has none."""
    mood = SAME_AS.get(mood, mood)
    return mood if mood in DIMENSIONS else None


class MoodIndex:
    """Item id -> percentile per dimension. Read-only and shared by every session."""

    def __init__(self, dimensions: Sequence[str], films: Mapping[str, Sequence[int]]) -> None:
        self._column = {d: i for i, d in enumerate(dimensions)}
        self._films = films

    @classmethod
    def load(cls, path: Path | None = None) -> MoodIndex:
        """The index in ``path``, or the packaged one (read once a process; empty when absent)."""
        return _packaged() if path is None else _read(path)

    def score(self, item_id: str, mood: str) -> int | None:
        """The film's percentile on ``mood`` (a dimension or a reader's mood word), or None when
        the film has no story or the mood no dimension."""
        row = self._films.get(item_id)
        column = self._column.get(dimension(mood) or "")
        return None if row is None or column is None else int(row[column])

    def has(self, item_id: str, mood: str, band: int = HAS_IT) -> bool:
        score = self.score(item_id, mood)
        return score is not None and score >= band

    def moods(self, item_id: str, band: int = SAYS_IT) -> list[str]:
        """The dimensions the film is at or above ``band`` on, in :data:`DIMENSIONS` order."""
        row = self._films.get(item_id)
        return [] if row is None else [d for d, i in self._column.items() if row[i] >= band]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._films

    def __len__(self) -> int:
        return len(self._films)


def _read(path: Path) -> MoodIndex:
    data = json.loads(gzip.decompress(path.read_bytes()))
    return MoodIndex(data["dimensions"], data["films"])


@cache
def _packaged() -> MoodIndex:
    path = MOODS_DIR / MOODS_FILE
    return _read(path) if path.is_file() else MoodIndex(DIMENSIONS, {})
