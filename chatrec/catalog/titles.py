"""Linking the way people write film titles ("The Matrix (1999)", "matrix") to catalog items."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chatrec.catalog.items import renown

YEAR_SUFFIX = re.compile(r"^(.*?)\s*\((\d{4})\)\s*$")
ARTICLE = re.compile(r"^(the|a|an) | (the|a|an)$")
NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_title(title: str) -> str:
    """Lowercase ASCII words, ``&`` as ``and``, no punctuation, no leading/trailing article."""
    if not title.isascii():  # most titles are: no decomposition to pay for
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = title.casefold()
    text = NOT_WORD.sub(" ", text.replace("&", " and ")).strip()
    return ARTICLE.sub("", text).strip()


def split_year(name: str) -> tuple[str, int | None]:
    """``"Heat (1995)"`` -> ``("Heat", 1995)``; a name without a year keeps None."""
    match = YEAR_SUFFIX.match(name)
    return (match.group(1).strip(), int(match.group(2))) if match else (name.strip(), None)


def strip_titles(text: str, titles: list[str]) -> str:
    """``text`` without the given titles (and a year right after one)."""
    for title in titles:
        if title:
            text = re.sub(rf"\b{re.escape(title)}\b(\s*\(?(19|20)\d\d\)?)?", " ", text, flags=re.I)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)  # one per item: a million at scale
class TitleEntry:
    id: str
    title: str
    year: int | None
    popularity: int


class TitleIndex:
    """Normalised title -> catalog items, for exact-title linking with a year tolerance."""

    def __init__(self, entries: Iterable[tuple[str, str, int | None, int]]) -> None:
        self._by_title: dict[str, list[TitleEntry]] = defaultdict(list)
        for item_id, title, year, popularity in entries:
            self._by_title[normalise_title(title)].append(TitleEntry(item_id, title, year, popularity))

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Mapping[str, Any]]) -> TitleIndex:
        return cls((i, str(m.get("title", "")), m.get("year"), renown(m)) for i, m in metadata.items())

    def link(self, title: str, year: int | None = None, *, tolerance: int = 1) -> str | None:
        """The catalog id for a title (and year ±tolerance). Among ties: the closest year, then
        the exact spelling ("Heat" is not "The Heat"), then the most reviewed."""
        candidates = self._by_title.get(normalise_title(title), [])
        if year is not None:
            candidates = [c for c in candidates if c.year is not None and abs(c.year - year) <= tolerance]
        exact = " ".join(title.split()).casefold()
        candidates = sorted(
            candidates,
            key=lambda c: (
                abs(c.year - year) if year and c.year else 0,
                c.title.casefold() != exact,
                -c.popularity,
            ),
        )
        return candidates[0].id if candidates else None

    def link_name(self, name: str) -> str | None:
        """Link a name written as ``Title (Year)`` or just ``Title``."""
        return self.link(*split_year(name))
