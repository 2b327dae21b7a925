"""The catalog's own words: what its items are called and how their people are credited.

A book is "by" its author, a board game "designed by" whoever the mapping put in ``directors``;
only a film is "directed by" and "starring". Reasons, replies and the web app take these words
from here, so a catalog of books never hears about "films". The kind comes from the
``item_kind`` setting, else from the catalog's fields (``authors`` means books); role phrases
can be overridden per field (``role_words``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatrec.catalog.items import list_field

FILM_ROLES = {"directors": "directed by", "writers": "written by", "cast": "starring"}
OTHER_ROLES = {"directors": "by", "writers": "written by", "cast": "with"}
COMMON_ROLES = {"authors": "by", "creators": "created by", "artists": "by"}
CARD_LABELS = {"directed by": "dir.", "written by": "wr.", "starring": "with"}
FILM_EXAMPLES = (
    "I loved Heat. Something similar, but under two hours",
    "A funny animated film for the whole family",
    "No horror please, something from the 80s",
    "Show me more",
)
PLURALS = {"story": "stories", "series": "series"}


@dataclass(frozen=True)
class Wording:
    """How to talk about one catalog's items."""

    noun: str = "film"
    roles: Mapping[str, str] = field(default_factory=lambda: {**FILM_ROLES, **COMMON_ROLES})
    examples: tuple[str, ...] = FILM_EXAMPLES
    placeholder: str = "e.g. something like Heat but shorter"

    @property
    def is_film(self) -> bool:
        return self.noun in ("film", "movie")

    @property
    def plural(self) -> str:
        return PLURALS.get(self.noun, self.noun + "s")

    def role(self, field_name: str) -> str:
        """The phrase before a name credited in ``field_name``: "directed by", "by"."""
        return self.roles.get(field_name, "by")

    def card_label(self, field_name: str) -> str:
        """The short label a card puts before the names ("dir." for a film's directors)."""
        phrase = self.role(field_name)
        return CARD_LABELS.get(phrase, phrase)

    @property
    def banner(self) -> str:
        verb = "watching" if self.is_film else "looking for"
        return f"Tell me what you feel like {verb}; 👍 and 👎 teach me your taste."


def infer_kind(catalog: Mapping[str, Mapping[str, Any]]) -> str:
    """A catalog with authors holds books; one with directors or cast, films; else "item"."""
    sample = list(catalog.values())[:500]
    if any(m.get("authors") for m in sample):
        return "book"
    if any(m.get("directors") or m.get("cast") for m in sample):
        return "film"
    return "item"


def _examples(noun: str, catalog: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Example requests in this catalog's terms: its most reviewed item and commonest genre."""
    if not catalog:
        return (f"Suggest a good {noun}", "Show me more")
    best = max(catalog.values(), key=lambda m: (int(m.get("reviews") or 0), str(m.get("title"))))
    genres = Counter(g for m in catalog.values() for g in list_field(m, "genres"))
    found = [f"I loved {best.get('title')}. Something similar", "Show me more"]
    if genres:
        found.insert(1, f"A {genres.most_common(1)[0][0].lower()} {noun}, please")
    return tuple(found)


def wording_for(
    catalog: Mapping[str, Mapping[str, Any]],
    kind: str | None = None,
    role_words: Mapping[str, str] | None = None,
) -> Wording:
    """The wording for ``catalog``: movie words for films, the catalog's own otherwise."""
    noun = (kind or infer_kind(catalog)).strip().lower()
    film = noun in ("film", "movie")
    roles = {**(FILM_ROLES if film else OTHER_ROLES), **COMMON_ROLES, **(role_words or {})}
    heat = any(m.get("title") == "Heat" for m in catalog.values()) if film else False
    if heat:
        return Wording(noun=noun, roles=roles)
    examples = _examples(noun, catalog)
    like = examples[0].removeprefix("I loved ").split(". ")[0]
    return Wording(noun=noun, roles=roles, examples=examples, placeholder=f"e.g. something like {like}")
