"""The types of reason evidence: a fact with its phrasings, the evidence of one item, and who is
credited for what in the catalog (see :mod:`chatrec.writing.evidence`, which builds them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatrec.catalog import Item, label_of
from chatrec.catalog.synopses import CREDIT
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
    premise: str | None = None  # a sentence of its plot synopsis (CC BY-SA): what happens in it
    sentence: str = ""  # the plain reason chosen for this item within its reply
    clauses: list[str] = field(default_factory=list)  # the phrasings that sentence uses

    @property
    def lines(self) -> list[str]:
        """What the LLM is given to phrase: the clauses of the plain sentence (so that two items
        of a reply hand it different phrasings), else the strongest facts."""
        return self.clauses or [f.ways[0] for f in self.facts[:2]]

    def credit(self) -> str | None:
        """The credit a card owes when its reason quotes the film's plot (CC BY-SA)."""
        return CREDIT if self.premise and self.premise in self.lines else None

    def plain(self) -> str:
        """The reason when no phrasing can be trusted (see :func:`chatrec.writing.phrasing.phrase_reply`)."""
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
