"""Interactions: which catalog items people put together (in a conversation, session, basket).

Content retrieval knows what items ARE; it cannot know that people who loved Heat go on to The
Departed. That knowledge lives in groups of items people named or chose together. This module reads
such groups — ReDial dialogues for the movie catalog, or a generic ``group_id,item_id[,weight]`` CSV
for any catalog — into co-occurrence counts keyed by catalog id, and saves/loads them as a small
artefact. ``chatrec.retrieval.collaborative`` turns the counts into candidates and scores.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatrec.catalog.titles import TitleIndex
from chatrec.errors import SourceError

FORMAT = 1
ARTEFACT = "cooccurrence.json.gz"
REDIAL_IMDB = "redial_imdb.csv"  # ReDial movieId -> IMDb id, read from beside the dialogue file


@dataclass
class LinkCounts:
    """How ReDial mentions were linked: by IMDb id, by title + year, or not at all."""

    imdb: int = 0
    title: int = 0
    missed: int = 0

    @property
    def rate(self) -> float:
        total = self.imdb + self.title + self.missed
        return (self.imdb + self.title) / total if total else 0.0


class MentionLinker:
    """ReDial movieId -> catalog id: exact through IMDb ids where the catalog has them (the
    ``imdb_id`` metadata field), else by normalised title and year (±1), as people would. The one
    linker of ReDial mentions: co-occurrence counts, the ranking and understanding evaluations and
    the reader's training all link through it. A movie whose IMDb id the catalog lacks still gets
    the title fallback: ReDial's IMDb table is noisy (*Aladdin*, *Predator*, *Insidious (2011)* are
    in the catalog under another id), and about 1 % of mentions would otherwise be lost."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]], imdb_of: Mapping[str, str]) -> None:
        self.titles = TitleIndex.from_metadata(catalog)
        by_imdb: dict[str, str] = {}
        # Two catalog rows may share an IMDb id (the default catalog has two such pairs): keep the
        # most reviewed, as the title linker does on ties.
        for item_id, meta in sorted(catalog.items(), key=lambda kv: -int(kv[1].get("reviews") or 0)):
            imdb = str(meta.get("imdb_id") or "").strip()
            if imdb:
                by_imdb.setdefault(imdb, item_id)
        self._ids = {m: by_imdb[i] for m, i in imdb_of.items() if i in by_imdb}
        self._cache: dict[str, str | None] = {}
        self.counts = LinkCounts()

    @classmethod
    def for_data(cls, catalog: Mapping[str, Mapping[str, Any]], data: Path) -> MentionLinker:
        """A linker with the IMDb table found beside a ReDial file (title-only when it is absent)."""
        return cls(catalog, read_imdb_table(data.parent / REDIAL_IMDB))

    def link(self, movie_id: str, name: str | None) -> str | None:
        """The catalog id of one ReDial movie (each distinct movie counted once in ``counts``)."""
        if movie_id not in self._cache:
            found = self._ids.get(movie_id)
            if found:
                self.counts.imdb += 1
            else:
                found = self.titles.link_name(name.strip()) if name and name.strip() else None
                if found:
                    self.counts.title += 1
                else:
                    self.counts.missed += 1
            self._cache[movie_id] = found
        return self._cache[movie_id]


def read_imdb_table(path: Path) -> dict[str, str]:
    """``movieId,imdbId`` rows; an absent file means no IMDb links (title linking only)."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            r["movieId"].strip(): r["imdbId"].strip()
            for r in csv.DictReader(fh)
            if (r.get("movieId") or "").strip() and (r.get("imdbId") or "").strip()
        }


@dataclass
class Interactions:
    """Co-occurrence counts: ``pairs[a][b]`` is the weight of groups holding both a and b
    (symmetric), ``counts[a]`` of groups holding a; ``groups`` is how many groups were read."""

    pairs: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)
    groups: int = 0
    source: str = ""

    @classmethod
    def from_groups(cls, groups: Iterable[Mapping[str, float]], source: str = "") -> Interactions:
        """Count every pair of distinct items within each group, with the smaller of their weights
        (a group of one item still counts towards that item's popularity)."""
        pairs: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        counts: defaultdict[str, float] = defaultdict(float)
        total = 0
        for group in groups:
            items = [(i, w) for i, w in group.items() if w > 0]
            if not items:
                continue
            total += 1
            for a, wa in items:
                counts[a] += wa
                for b, wb in items:
                    if a != b:
                        pairs[a][b] += min(wa, wb)
        return cls({a: dict(n) for a, n in pairs.items()}, dict(counts), total, source)

    def save(self, path: Path) -> None:
        """Gzipped JSON, keys sorted so that a rebuild from the same data is byte-identical."""
        payload = {"format": FORMAT, "source": self.source, "groups": self.groups, "counts": self.counts}
        payload["pairs"] = self.pairs
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(data, mtime=0))

    @classmethod
    def load(cls, path: Path) -> Interactions:
        try:
            payload = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot read interactions from {path}: {exc}") from exc
        if payload.get("format") != FORMAT:
            raise SourceError(f"{path} has interactions format {payload.get('format')}, expected {FORMAT}")
        return cls(payload["pairs"], payload["counts"], int(payload["groups"]), payload.get("source", ""))


def redial_groups(
    dialogues: Iterable[Mapping[str, Any]], linker: MentionLinker, *, skip_disliked: bool = False
) -> Iterator[dict[str, float]]:
    """One group per dialogue: the catalog items either side mentioned.

    ``skip_disliked`` leaves out films the seeker said they did not like (``initiatorQuestions``
    liked=0, filled in after the dialogue; allowed here because counts are built from training
    dialogues only). It is off: on ReDial train's validation split it lost Recall (raw counts: R@10
    .191 -> .189, R@50 .387 -> .376; ``benchmarks/cooccurrence_scoring.py``) — a disliked film still says
    what the conversation was about.
    """
    for dialogue in dialogues:
        names = dialogue.get("movieMentions") or {}
        answers = dialogue.get("initiatorQuestions") or {}
        if not isinstance(answers, dict):
            answers = {}
        group: dict[str, float] = {}
        for movie_id, name in names.items():
            if skip_disliked and str((answers.get(movie_id) or {}).get("liked")) == "0":
                continue
            item_id = linker.link(str(movie_id), name)
            if item_id:
                group[item_id] = 1.0
        yield group


@dataclass
class CsvCounts:
    rows: int = 0
    skipped: int = 0
    unknown_items: int = 0


def csv_groups(
    path: Path, catalog_ids: set[str] | None, counts: CsvCounts, *, stderr: Any = None
) -> list[dict[str, float]]:
    """Groups from a ``group_id,item_id[,weight]`` CSV (header optional): sessions, baskets, users.

    Bad rows (a missing id, a weight that is not a positive number, an item not in the catalog)
    are skipped and counted; a repeated (group, item) keeps the larger weight.
    """
    if not path.is_file():
        raise SourceError(f"interactions file not found: {path}")
    groups: dict[str, dict[str, float]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.reader(fh), 1):
            if line == 1 and [c.strip().lower() for c in row[:2]] == ["group_id", "item_id"]:
                continue
            counts.rows += 1
            problem, group, item, weight = _parse_row(row)
            if not problem and catalog_ids is not None and item not in catalog_ids:
                problem = f"item {item!r} is not in the catalog"
                counts.unknown_items += 1
            if problem:
                counts.skipped += 1
                if stderr is not None:
                    print(f"skipped line {line}: {problem}", file=stderr)
                continue
            groups[group][item] = max(weight, groups[group].get(item, 0.0))
    return list(groups.values())


def _parse_row(row: list[str]) -> tuple[str | None, str, str, float]:
    cells = [c.strip() for c in row]
    if len(cells) < 2 or not cells[0] or not cells[1]:
        return "a group id and an item id are required", "", "", 0.0
    weight = 1.0
    if len(cells) > 2 and cells[2]:
        try:
            weight = float(cells[2])
        except ValueError:
            return f"weight {cells[2]!r} is not a number", "", "", 0.0
        if not math.isfinite(weight) or weight <= 0:
            return f"weight {cells[2]!r} is not positive", "", "", 0.0
    return None, cells[0], cells[1], weight
