"""The types of reason evidence: a fact with its phrasings, the evidence of one item, and who is
credited for what in the catalog (see :mod:`chatrec.dialogue.evidence`, which builds them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from chatrec.catalog import PEOPLE_FIELDS, Item, label_of, list_field
from chatrec.catalog.wording import Wording
from chatrec.dialogue.state import DialogueState


@dataclass(frozen=True)
class Fact:
    """One true statement about the item, with the ways it may be said (``it`` = the item)."""

    kind: str
    ways: tuple[str, ...]
    weight: float
    taste: bool = False  # ties the item to something the user said


@dataclass
class Evidence:
    item: Item
    wording: Wording = field(default_factory=Wording)
    facts: list[Fact] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # people and titles the facts mention
    liked_titles: set[str] = field(default_factory=set)  # other films the facts compare it to
    related: list[Mapping[str, Any]] = field(default_factory=list)  # their metadata
    likes: set[str] = field(default_factory=set)  # what the user likes, casefolded: ties a reason
    liked_genres: set[str] = field(default_factory=set)
    dislikes: set[str] = field(default_factory=set)  # people, genres, titles the user turned down
    sentence: str = ""  # the plain reason chosen for this item within its reply
    clauses: list[str] = field(default_factory=list)  # the phrasings that sentence uses

    @property
    def lines(self) -> list[str]:
        """What the LLM is given to phrase: the clauses of the plain sentence (so that two items
        of a reply hand it different phrasings), else the strongest facts."""
        return self.clauses or [f.ways[0] for f in self.facts[:2]]

    def plain(self) -> str:
        """The reason when no phrasing can be trusted (see :func:`chatrec.dialogue.phrasing.phrase_reply`)."""
        if self.sentence:
            return self.sentence
        text = "; ".join(self.lines[:2]) or "it matches what you asked for"
        return text[0].upper() + text[1:] + "."


def article(words: str) -> str:
    """ "a crime film", "an action film"."""
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def joined(names: list[str]) -> str:
    return " and ".join(names)


def item_label(meta: Mapping[str, Any]) -> str:
    year = meta.get("year")
    return label_of(str(meta.get("title")), year if isinstance(year, int) else None)


def genre_words(genres: list[str]) -> str:
    return " and ".join(g.lower() for g in genres[:2])


class Credits:
    """Person -> the field that credits them most often, built on first use (about 0.3 s for
    17k films): "stars X" is only said of people who mostly act (the catalog lists Michael Mann
    in Hancock's cast; he is a director)."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]]) -> None:
        self.catalog = catalog

    @cached_property
    def _roles(self) -> dict[str, Counter[str]]:
        roles: dict[str, Counter[str]] = {}
        for meta in self.catalog.values():
            for role in PEOPLE_FIELDS:
                for p in list_field(meta, role):
                    roles.setdefault(p, Counter())[role] += 1
        return roles

    def warm(self) -> None:
        """Build the person index now (about 0.3 s) rather than in a user's first turn."""
        self._roles  # noqa: B018

    def main_role(self, person: str) -> str | None:
        counts = self._roles.get(person)
        return counts.most_common(1)[0][0] if counts else None

    def best_known(self, names: list[str]) -> list[str]:
        """``names`` most credited first: the catalog lists casts alphabetically, and "with Alban
        Lenoir, Anatole Taubman" is no way to describe Taken (Liam Neeson)."""
        return sorted(names, key=lambda n: -sum(self._roles.get(n, Counter()).values()))


def tastes(state: DialogueState, catalog: Mapping[str, Mapping[str, Any]]) -> tuple[set, set, set]:
    """(liked terms, liked genres, disliked terms), casefolded, for the claim checker."""
    titles = [str(catalog[i].get("title")) for i in state.liked_ids if i in catalog]
    likes = {*titles, *state.likes.people, *state.likes.topics, *state.likes.genres}
    likes |= {f"{d}s" for d in state.likes.decades} | {f"{d % 100:02d}s" for d in state.likes.decades}
    c = state.constraints
    likes |= {str(v) for v in (c.max_runtime, c.min_runtime, c.year_from, c.year_to) if v}
    if c.year_from and c.year_to and c.year_to - c.year_from < 30:  # "from the 80s" is a range
        likes |= {f"{d}s" for d in range(c.year_from // 10 * 10, c.year_to + 1, 10)}
    likes |= set(c.genres) | set(c.languages) | set(c.people) | set(c.ratings)
    likes |= {f"no {g}" for g in c.not_genres}
    disliked = [str(catalog[i].get("title")) for i in state.disliked_ids if i in catalog]
    dislikes = {*disliked, *state.dislikes.people, *state.dislikes.genres, *c.not_genres}
    genres = set(state.likes.genres) | set(c.genres)
    return {x.casefold() for x in likes}, genres, {x.casefold() for x in dislikes}
