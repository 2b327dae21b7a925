"""The catalog's own vocabularies, and the signals they let us read from free text.

Genre, rating, language and people names come from the stored items themselves, so what we read
from a query ("directed by Michael Mann", "a 90s thriller") is always something the catalog has.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from chatrec.catalog.items import PEOPLE_FIELDS, list_field
from chatrec.catalog.topics import TopicReader, topic_reader

FIELDS = ("genres", "rating", "languages", *PEOPLE_FIELDS)

# How people commonly write genres that the catalog spells differently.
GENRE_ALIASES = {
    "science fiction": "Sci-Fi",
    "scifi": "Sci-Fi",
    "animated": "Animation",
    "cartoon": "Animation",
    "romantic": "Romance",
    "funny": "Comedy",
    "scary": "Horror",
    "biopic": "Biography",
    "documentaries": "Documentary",
    "comedies": "Comedy",
    "mysteries": "Mystery",
    "rom-com": "Romance",
    "romcom": "Romance",
    "whodunit": "Mystery",
    "sci fi": "Sci-Fi",
    "scfi": "Sci-Fi",
    "family-friendly": "Family",
    "kid-friendly": "Family",
    "gangster": "Crime",
    "heist": "Crime",
    "ww2": "War",
    "wwii": "War",
    "wwi": "War",
    "superhero": "Action",
    "toon": "Animation",
    "lighter": "Comedy",  # also the mood "light" (chatrec/understanding/lexicon.py)
    "light-hearted": "Comedy",
    "lighthearted": "Comedy",
    "scarier": "Horror",
    "scariest": "Horror",
    "creepy": "Horror",
    "creepier": "Horror",
    "spooky": "Horror",
    "doc": "Documentary",
    "docs": "Documentary",
    "docu": "Documentary",
    "historical": "History",
    "concert": "Music",
    "rockumentary": "Music",
    # words for a whole genre, never a kind within one: "no slashers" or "enough boxing" must not
    # rule out all horror or all sport (the plot topics read those)
    "anime": "Animation",
    "cowboy": "Western",
    "cowboys": "Western",
    "kung-fu": "Action",
    "kung fu": "Action",
}

# Real words one letter off a genre's name ("eastern" is no typo of "western").
NOT_GENRE_TYPOS = frozenset({"eastern", "auction", "faction", "fiction", "mastery", "famine", "horrid"})

DECADE = re.compile(r"(?<!\w)(?:(1[89]|20)(\d)0'?s|'?(\d)0'?s)\b", re.IGNORECASE)
WORD = re.compile(r"[\w'’.-]+")


# Words of asking, liking, time and quantity: a text made only of these says nothing about taste.
FILLER = frozenset(
    """a an the and or but if so to of in on at by for with about from as than then that this these those
    it its it's is are was were be been being am do does did doing have has had i i'm i've me my mine we
    you your yours he she they them their our us what which who whom whose when where why how all any
    some something anything nothing everything more most other others another such only own same very
    just too also really quite much many lot lots bit kind sort maybe perhaps please thanks thank hi
    hello hey yes no not don't didn't doesn't isn't wasn't can could would should will shall may might
    must want wanted wants like liked likes love loved loves enjoy enjoyed enjoys watch watched watching
    see seen saw recommend recommended suggest suggestion suggestions show give find looking look need
    movie movies film films one ones similar good great nice best favorite favourite tonight today
    under over less more than shorter longer short long hour hours minute minutes min mins runtime
    before after since between until year years decade old older new newer recent era any
    two three four five ten twenty half""".split()  # noqa: SIM905 (reads as prose)
)


def plain(text: str) -> str:
    """``text`` without accents ("toshirō" -> "toshiro")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def has_content(text: str) -> bool:
    """Whether ``text`` has a word that could describe a taste ("Something similar, but under two
    hours" has none: only the liked films can steer such a request)."""
    return any(
        w.casefold().strip(".'’") not in FILLER and not re.fullmatch(r"[\d.]+s?", w)
        for w in WORD.findall(text)
    )


@dataclass(frozen=True)
class QuerySignals:
    """Catalog-grounded things a text mentions: people, genres, decades (start years) and plot
    topics (chatrec/catalog/topics.py)."""

    people: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    decades: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.people or self.genres or self.decades or self.topics)


def decades_in(text: str) -> tuple[int, ...]:
    found = []
    for match in DECADE.finditer(text):
        century, digit = match.group(1), int(match.group(2) or match.group(3))
        if century:
            found.append(int(century) * 100 + digit * 10)
        else:  # "90s" means the 1990s, "00s"/"10s" the 2000s/2010s
            found.append((2000 if digit <= 2 else 1900) + digit * 10)
    return tuple(dict.fromkeys(found))


class Vocabulary:
    """Field -> casefolded value -> the catalog's spelling, read once from the store."""

    def __init__(self, values: dict[str, set[str]], topics: TopicReader | None = None) -> None:
        self.topics = topics
        self._by_field = {f: {v.casefold(): v for v in vs} for f, vs in values.items()}
        self._people = {k: v for f in PEOPLE_FIELDS for k, v in self._by_field.get(f, {}).items()}
        # people type names without their accents: "toshiro mifune" is Toshirō Mifune
        self._people |= {
            bare: v for k, v in list(self._people.items()) if (bare := plain(k)) not in self._people
        }
        self._longest_name = max((len(k.split()) for k in self._people), default=0)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Mapping[str, Any]]) -> Vocabulary:
        values: dict[str, set[str]] = {f: set() for f in FIELDS}
        topics: set[str] = set()
        for meta in metadata.values():
            topics.update(list_field(meta, "topics"))
            for f in FIELDS:
                value = meta.get(f)
                if isinstance(value, list):
                    values[f].update(map(str, value))
                elif value is not None:
                    values[f].add(str(value))
        return cls(values, topic_reader(topics) if topics else None)

    def canonical(self, field: str, value: str) -> str | None:
        """The catalog's spelling of ``value`` in ``field``, or None when it has no such value."""
        return self._by_field.get(field, {}).get(value.casefold())

    def known(self, field: str) -> list[str]:
        return sorted(self._by_field.get(field, {}).values())

    def genre(self, word: str) -> str | None:
        """The catalog genre a word names ("comedies", "scary", "sci-fi"), if any."""
        word = word.casefold()
        aliases = (GENRE_ALIASES.get(word, ""), GENRE_ALIASES.get(word[:-1], ""))  # "cartoons" too
        for candidate in (word, word.rstrip("s"), *aliases):
            if genre := self.canonical("genres", candidate):
                return genre
        if len(word) >= 6:  # "thriler", "documentry": one letter off a genre's name
            genres = self._by_field.get("genres", {})
            stem = word.rstrip("s")
            if stem not in NOT_GENRE_TYPOS:
                return next((g for k, g in genres.items() if Levenshtein.distance(stem, k) == 1), None)
        return None

    def topic_phrase_words(self, text: str) -> set[str]:
        """Words that belong to a multi-word topic phrase in ``text`` ("family" in "a mafia family
        saga"): there they name a topic, not a genre."""
        if self.topics is None:
            return set()
        return {w for p in self.topics.phrases(text) if " " in p for w in p.split()}

    def read(self, text: str) -> QuerySignals:
        """People (full names of two or more words), genres, decades and topics mentioned in ``text``."""
        words = WORD.findall(text)
        folded = [w.casefold().strip(".'’") for w in words]
        people: list[str] = []
        i = 0
        while i < len(folded):
            for size in range(min(self._longest_name, len(folded) - i), 1, -1):
                name = self._people.get(" ".join(folded[i : i + size]))
                if name:
                    people.append(name)
                    i += size - 1
                    break
            i += 1
        pairs = [" ".join(folded[j : j + 2]) for j in range(len(folded) - 1)]
        genres = [g for w in [*folded, *pairs] if (g := self.genre(w))]
        return QuerySignals(
            people=tuple(dict.fromkeys(people)),
            genres=tuple(dict.fromkeys(genres)),
            decades=decades_in(text),
            topics=self.topics.read(text) if self.topics else (),
        )
