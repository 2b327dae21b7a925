"""People named by surname alone: "more scorsese", "anything by kurasawa", "fincher films".

Only the surnames of people the catalog credits often, and only when one person holds most of
them (the two Coens share theirs: neither is taken), so that a surname is a name, not a guess.
A surname counts only where the words around it make it a name: right after "more", "by",
"not"... and ending its clause, or right before "films" / "movies"; never a language, genre,
mood or topic word, and never a near miss ("shorter" is no Pat Shortt).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from chatrec.catalog.credits import credits_of
from chatrec.catalog.items import Catalog
from chatrec.catalog.vocabulary import plain

MIN_CREDITS = 5  # films a person must be credited on for their surname to name them
DOMINANCE = 2.0  # their credits against the next person of that surname
FIRST_NAME_HOLDERS = 5  # people with that first name, past which a word is no surname
FIRST_NAME_CREDITS = 15  # a first name alone names only someone credited this often...
FIRST_NAME_DOMINANCE = 4.0  # ...and far more often than anyone else of that first name
PARTICLES = {"de", "van", "von", "del", "di", "da", "le", "la", "du", "der"}
# The words that make the word after them a name: "more scorsese", "anything by kurosawa", "not
# spielberg"; the name must end its clause there ("more forest movies", "with strong women" are
# no names). Or the word before "films" / "movies": "fincher films".
_BEFORE = r"(?:more|by|starring|not|no|love|loved|adore|fan of|enough|all|with|w)"
_END = (
    r"(?=\s*(?:$|[,.!?;:)]|pls\b|please\b|plz\b|again\b|too\b|stuff\b|tho\b|in (?:something|anything)\b"
    r"|(?:after|before|from|since|and|or|in the)\b))"
)
_AFTER = r"(?:films|movies|flicks|joints|ones?)"
_PARTICLE = r"(?:(?:de|van|von|del|di|da|du) )?"
SURNAME = re.compile(
    rf"\b{_BEFORE}\s+(?P<name>{_PARTICLE}[a-z][\w'’-]{{3,}}){_END}"
    rf"|\b(?P<name2>{_PARTICLE}[a-z][\w'’-]{{3,}})\s+{_AFTER}\b",
    re.I,
)
COMMON = 300  # a surname said this often as a plain word in ReDial train is a word ("good", "more")


class Surnames:
    """Surname (folded), or the first name of someone very well known -> the catalog's person."""

    def __init__(self, by_name: Mapping[str, str], first: Collection[str] = ()) -> None:
        self._by = dict(by_name)
        self._first = set(first)  # the names in ``by_name`` that are first names

    @classmethod
    def of(cls, catalog: Mapping[str, Mapping[str, Any]]) -> Surnames:
        """The catalog's surnames, from its credits index, kept with the catalog like that index
        (the agent and the evaluation build several readers over one catalog)."""
        if not isinstance(catalog, Catalog):
            return cls._build(credits_of(catalog).film_counts)
        found = catalog.indexes.get("surnames")
        if not isinstance(found, Surnames):
            found = catalog.indexes["surnames"] = cls._build(credits_of(catalog).film_counts)
        return found

    @staticmethod
    def _build(credits: Mapping[str, int]) -> Surnames:
        surnames: dict[str, list[tuple[int, str]]] = defaultdict(list)
        first_names: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for person, count in credits.items():
            words = plain(person).casefold().split()
            if len(words) < 2:
                continue
            surname = " ".join(words[-2:]) if words[-2] in PARTICLES else words[-1]
            surnames[surname].append((count, person))
            first_names[words[0]].append((count, person))
        # a surname many people carry as a first name ("tom", "leo") is read as a first name
        chosen = {
            k: v
            for k, v in _dominant(surnames, MIN_CREDITS, DOMINANCE).items()
            if len(first_names.get(k, ())) < FIRST_NAME_HOLDERS
        }
        # a first name alone ("keanu", "denzel") only for the very well known who own it
        first = {}
        for name, person in _dominant(first_names, FIRST_NAME_CREDITS, FIRST_NAME_DOMINANCE).items():
            if name not in chosen:
                first[name] = chosen[name] = person
        return Surnames(chosen, first)

    def person(self, word: str, counts: Mapping[str, int], *, first_names: bool = True) -> str | None:
        """The person ``word`` names, if it is a surname this catalog knows (or, ``first_names``,
        the first name of someone very well known), and not a word people mostly use as a plain
        word (``counts``: uses as plain words in ReDial train). No near misses: a misspelt
        surname guessed from a plain word ("shorter" for Pat Shortt) would be a hard constraint."""
        folded = word.casefold().replace("’", "'")
        if folded not in self._by or counts.get(folded, 0) >= COMMON:
            return None
        if not first_names and folded in self._first:
            return None
        return self._by[folded]


def _dominant(holders: Mapping[str, list[tuple[int, str]]], least: int, dominance: float) -> dict[str, str]:
    """Name -> the person who holds it, where one person has ``least`` credits and
    ``dominance`` times the next holder's."""
    chosen = {}
    for name, people in holders.items():
        ranked = sorted(people, reverse=True)
        best, runner = ranked[0][0], ranked[1][0] if len(ranked) > 1 else 0
        if best >= least and best >= dominance * runner:
            chosen[name] = ranked[0][1]
    return chosen
