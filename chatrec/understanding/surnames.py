"""People named by surname alone: "more scorsese", "anything by kurasawa", "fincher films".

Only the surnames of people the catalog credits often, and only when one person holds most of
them (the two Coens share theirs: neither is taken), so that a surname is a name, not a guess; a
misspelt one ("kurasawa") is matched by edit distance when it is long. A surname counts only
where the words around it make it a name: right after "more", "with", "by", "not"... or right
before "films", "movies", "ones".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from chatrec.catalog.items import PEOPLE_FIELDS, list_field
from chatrec.catalog.vocabulary import plain

MIN_CREDITS = 5  # films a person must be credited on for their surname to name them
DOMINANCE = 2.0  # their credits against the next person of that surname
FIRST_NAME_HOLDERS = 5  # people with that first name, past which a word is no surname
FIRST_NAME_CREDITS = 15  # a first name alone names only someone credited this often...
FIRST_NAME_DOMINANCE = 4.0  # ...and far more often than anyone else of that first name
PARTICLES = {"de", "van", "von", "del", "di", "da", "le", "la", "du", "der"}
_BEFORE = (
    r"(?:more|with|w|by|starring|not|no|any|anything|some|love|loved|adore|like|fan of|another|from|but"
    r"|enough)"
)
COMMON = 300  # a surname said this often as a plain word in ReDial train is a word ("good", "more")
_AFTER = r"(?:films?|movies?|ones?|flicks?|stuff|'s|movie|joint|classics?|in (?:something|anything))"
SURNAME = re.compile(
    rf"\b{_BEFORE}\s+(?P<name>(?:(?:de|van|von|del|di|da"
    rf"|du) )?[a-z][\w'’-]{{3,}})\b(?!\s+[a-z]+\s+(?:film|movie))"
    rf"|\b(?P<name2>(?:(?:de|van|von|del|di|da|du) )?[a-z][\w'’-]{{3,}})\s+{_AFTER}\b",
    re.I,
)


class Surnames:
    """Surname (folded), or the first name of someone very well known -> the catalog's person."""

    def __init__(self, by_surname: Mapping[str, str]) -> None:
        self._by = dict(by_surname)
        self._long = [k for k in self._by if len(k) >= 6]

    @classmethod
    def of(cls, catalog: Mapping[str, Mapping[str, Any]]) -> Surnames:
        """The surnames of one catalog (built once per catalog object: the agent and the
        evaluation build several readers over one catalog)."""
        kept = _BUILT.get(id(catalog))
        if kept is None or kept[0] is not catalog:
            kept = _BUILT[id(catalog)] = (catalog, cls._build(catalog))
        return kept[1]

    @staticmethod
    def _build(catalog: Mapping[str, Mapping[str, Any]]) -> Surnames:
        credits: Counter[str] = Counter()
        for meta in catalog.values():
            for person in {p for f in PEOPLE_FIELDS for p in list_field(meta, f)}:
                credits[person] += 1
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
        for name, person in _dominant(first_names, FIRST_NAME_CREDITS, FIRST_NAME_DOMINANCE).items():
            chosen.setdefault(name, person)
        return Surnames(chosen)

    def person(self, word: str, counts: Mapping[str, int], known: Collection[str]) -> str | None:
        """The person ``word`` names, if it is (a near miss of) a surname this catalog knows:
        not one people mostly use as a plain word (``counts``: uses as plain words in ReDial
        train); a near miss only of a word no title or dialogue uses (``known``)."""
        folded = word.casefold().replace("’", "'")
        if folded in self._by:
            return self._by[folded] if counts.get(folded, 0) < COMMON else None
        if len(folded) >= 6 and folded not in known:
            most = 2 if len(folded) >= 7 else 1
            best = process.extractOne(folded, self._long, scorer=Levenshtein.distance, score_cutoff=most)
            if best:
                return self._by[best[0]]
        return None


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


_BUILT: dict[int, tuple[Mapping[str, Mapping[str, Any]], Surnames]] = {}
