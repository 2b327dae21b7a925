"""The measured reader: titles, people, genres and numbers in a message, each with its polarity.

It replaces the cue-word rules of ``chatrec.understanding.understand`` for the parts where those miss ordinary
sentences (titles without a cue, lower case, lists; "not a fan of Jim Carrey"; "two and a half
hours"; "the eighties"; "forget the year limit"). Titles come from :class:`TitleSpotter`
(catalog titles + statistics learned on ReDial train), polarity from :func:`polarity`, numbers
from :mod:`chatrec.understanding.numbers`. People and genres come from the catalog's own vocabularies, so a
book catalog's authors are people too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

from chatrec.catalog.vocabulary import FILLER, Vocabulary
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.lexicon import EXCLUDING
from chatrec.understanding.mentions import MAX_TOKENS, TitleSpotter
from chatrec.understanding.numbers import constraints_in
from chatrec.understanding.patterns import ARTICLE_TITLE, COMPANY, WORD, LatestSpans, genres_listed
from chatrec.understanding.people import Surnames, people_in
from chatrec.understanding.polarity import Polarity, polarity
from chatrec.understanding.tokens import Mention, ReaderStats, Token, default_model_dir, tokenize

Spans = list[tuple[int, int]]
OTHER_FILM_MENTIONS = 3  # a name people used as a film this many times per use as plain words
MISSPELT_SIMILARITY = 0.75  # difflib ratio to the name's words ("infinitive" to "infinity": .78)
MISSPELT_MIN_CHARS = 5  # shorter words are too often near another ("good war" and "cold war")
MISSPELT_RARE = 2  # at most this many uses as plain words in the training dialogues ("infinity": 2)
MISSPELT_NAMED = 10  # a catalog film people named this often is misspelt too


@lru_cache(maxsize=4)
def load_stats(directory: Path) -> ReaderStats | None:
    return ReaderStats.load(directory)


@dataclass
class Reading:
    """What one message names, each with what it says about it."""

    titles: list[tuple[Mention, Polarity]] = field(default_factory=list)
    people: list[tuple[str, Polarity]] = field(default_factory=list)
    genres: list[tuple[str, Polarity]] = field(default_factory=list)
    genres_listed: bool = False  # "comedies and action movies": a choice, not films that are both
    topics: list[str] = field(default_factory=list)  # plot topics asked for ("a heist film")
    avoided_topics: list[str] = field(default_factory=list)  # "no mafia", "nothing with zombies"
    constraints: dict[str, Any] = field(default_factory=dict)
    cleared: list[str] = field(default_factory=list)


class Reader:
    """Reads one message against one catalog (titles, vocabularies) into a :class:`Reading`."""

    def __init__(
        self,
        catalog: Mapping[str, Mapping[str, Any]],
        vocabulary: Vocabulary,
        model_dir: Path | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self._languages = {v.casefold(): v for v in vocabulary.known("languages")}
        self.spotter = TitleSpotter(catalog, load_stats(model_dir or default_model_dir()))
        self.surnames = Surnames.of(catalog)
        stats = self.spotter.stats
        # names of films the catalog lacks that people used as films far more than as plain words
        self._other_films = {
            k
            for k in self.spotter.outside
            if stats
            and " " in k
            and stats.mention_counts[k] >= OTHER_FILM_MENTIONS * (1 + stats.text_counts.get(k, 0))
        }
        # the same names by their genre word, for misspelt ones ("i watched infinitive war"), and
        # the catalog's own names of that shape people often named ("Avengers: Infinity War")
        self._by_genre: dict[str, list[tuple[list[str], str | None]]] = {}
        counts = stats.item_counts if stats else {}
        named = {k: ids[0] for k, ids in self.spotter.keys.items() if counts.get(ids[0], 0) >= MISSPELT_NAMED}
        for key, item_id in [*((k, None) for k in self._other_films), *named.items()]:
            *first, last = key.split()
            if first and vocabulary.genre(last):
                self._by_genre.setdefault(last, []).append((first, item_id))

    def read(self, text: str, liked_years: Sequence[object] = ()) -> Reading:
        """What ``text`` names and the limits it sets; ``liked_years`` (the years of the films
        liked so far) are what "newer" and "older" compare with."""
        reading = Reading()
        # a genre word in lower case is the genre ("an action comedy"), not the film called so
        mentions = [m for m in self.spotter.spot(text) if not self._genre_word(text, m)]
        taken = [(m.start, m.end) for m in mentions]
        misspelt = self._misspelt(tokenize(text), taken)  # "infinitive war": its genre word no wish
        mentions += [Mention(i, a, b, text[a:b].casefold(), 0.5) for a, b, i in misspelt if i]
        spans = [(m.start, m.end) for m in mentions]
        for mention in mentions:
            others = [s for s in spans if s != (mention.start, mention.end)]
            reading.titles.append((mention, polarity(text, mention.start, mention.end, others=others)))
        holidays = [m.span() for m in HOLIDAY.finditer(text)]  # "a scary one for halloween"
        spans = [s for s in spans if not any(a <= s[0] < b for a, b in holidays)]
        reading.titles = [t for t in reading.titles if (t[0].start, t[0].end) in spans]
        masked = _mask(text, [*spans, *holidays, *self.other_films(text)])
        # "thats not too sad", "not too long": a judgement of the films, no verdict on a name
        judged = _mask(masked, [m.span() for m in QUALITY.finditer(masked)])
        counts = self.spotter.stats.word_counts if self.spotter.stats else {}
        people = people_in(masked, self.vocabulary, self.surnames, counts, self._languages)
        people_spans = [(s, e) for _, s, e in people]
        for name, start, end in people:
            others = [*spans, *(p for p in people_spans if p != (start, end))]
            reading.people.append((name, _verdict(judged, start, end, others)))
        in_topics = self.vocabulary.topic_phrase_words(masked)
        genre_text = _mask(masked, people_spans)
        found = self.genre_spans(genre_text)
        # "funny, action comedy": a list around a compound still asks for the compound
        reading.genres_listed = genres_listed(genre_text, found) and not self._compound(genre_text)
        for genre, start, end in found:
            if genre.casefold() in in_topics:
                continue
            said = _verdict(judged, start, end, [*spans, *people_spans])
            reading.genres.append((genre, said))
        if LIVE_ACTION.search(masked) and (animation := self.vocabulary.genre("animation")):
            reading.genres.append((animation, "disliked"))  # "live action for the kids": no cartoons
        if ROMCOM.search(masked) and not any(g == "Comedy" for g, _ in reading.genres):
            reading.genres.append(("Comedy", "liked"))  # "a romcom": a romance and a comedy
        if FOR_CHILDREN.search(masked) and self.vocabulary.genre("family") and not _has(reading, "Family"):
            reading.genres.append((self.vocabulary.genre("family") or "Family", "liked"))
        genres = {g.casefold() for g, _ in reading.genres}  # "a family comedy": the genre, not a topic
        # a name is no topic: "the coen brothers" ask for no film about siblings
        spans_off = [m.span() for p in (ARTICLE_TITLE, COMPANY) for m in p.finditer(genre_text)]
        cues = {
            t: said
            for t, said in self._topics(_mask(genre_text, spans_off)).items()
            if t.casefold() not in genres
        }
        named = list(cues)
        # "no mafia", "no princess stuff": the words that cued the topic, or its name, ruled out
        avoided = [
            t
            for t, said in cues.items()
            if any(
                re.search(rf"{EXCLUDING}\s+(?:an? |any |about )?{re.escape(w)}", masked, re.I)
                for w in (t, *said)
            )
        ]
        reading.topics = [t for t in named if t not in avoided]
        reading.avoided_topics = avoided
        reading.constraints, reading.cleared = constraints_in(masked, liked_years, self._languages)
        return reading

    def other_films(self, text: str) -> list[tuple[int, int]]:
        """Spans of films the catalog lacks that people named in the training dialogues more often
        as films than as plain words ("Avengers: Infinity War", "A Quiet Place"): their words are
        a title, not a genre, plot topic or person ("war", "wizard" in "The Wizard of Oz")."""
        if not self._other_films:
            return []
        tokens = tokenize(text)
        spans, first = [], 0
        while first < len(tokens):
            for size in range(min(MAX_TOKENS, len(tokens) - first), 1, -1):  # two words or more
                key = " ".join(t.text for t in tokens[first : first + size])
                if key in self._other_films:
                    spans.append((tokens[first].start, tokens[first + size - 1].end))
                    first += size - 1
                    break
            first += 1
        return spans + [(a, b) for a, b, i in self._misspelt(tokens, spans) if i is None]

    def _misspelt(self, tokens: list[Token], spans: Spans) -> list[tuple[int, int, str | None]]:
        """Near misses of those names that end in a genre word, with the catalog film each is
        (None: a film the catalog lacks): the words before it are a few letters off the name's
        last words and rare in chat ("infinitive war" for "Avengers: Infinity War"; "civil war" is
        said too often as plain words to be taken for the film)."""
        found: list[tuple[int, int, str | None]] = []
        counts = self.spotter.stats.word_counts if self.spotter.stats else {}
        for i, token in enumerate(tokens):
            for first, item_id in self._by_genre.get(token.text, []):
                if found and found[-1][1] == token.end:
                    break  # one name a span ("avengers infinity war" and "infinity war" alike)
                for size in range(min(len(first), i), 0, -1):
                    before = tokens[i - size : i]
                    said = " ".join(t.text for t in before)
                    if (
                        len(said) >= MISSPELT_MIN_CHARS
                        and all(counts.get(t.text, 0) <= MISSPELT_RARE for t in before)
                        and _similarity(said, " ".join(first[-size:])) >= MISSPELT_SIMILARITY
                        and not any(s <= before[0].start < e for s, e in spans)
                    ):
                        found.append((before[0].start, token.end, item_id))
                        break
        return found

    def unclear(self, text: str) -> bool:
        """Whether a message that changed nothing says nothing we can place ("hmm, not sure",
        "asdf"): only filler, hedges and words nobody used in the training dialogues."""
        known = self.spotter.known_words
        return all(w in FILLER or w in HEDGES or w not in known for w in _plain_words(text))

    def _topics(self, text: str) -> dict[str, list[str]]:
        """Plot topics cued by a word that is not a genre: "musicals" asks for the Musical genre,
        not also for *broadway show* stories (a cue of that topic); "a musical about broadway"
        asks for both. Reasons say "as you asked" of these, so they are only what was asked.
        Each topic comes with the phrases that cued it, so that "no princess stuff" rules it out."""
        reader = self.vocabulary.topics
        if reader is None:
            return {}
        cued = reader.cued(text)
        # a cue that is one topic's own name asks for that topic ("superhero", not also *comic*),
        # even where the word also names a genre ("heist": Crime, and the heist stories in it)
        cued = {
            p: (p,) if p in ts else ts for p, ts in cued.items() if p in ts or not self.vocabulary.genre(p)
        }
        found = {t: [p for p, ts in cued.items() if t in ts] for t in reader.cues}
        return {t: said for t, said in found.items() if said}

    def _compound(self, text: str) -> bool:
        """Whether two genre words stand side by side ("an action comedy", "comedy-horror")."""
        words = list(WORD.finditer(text))
        for a, b in itertools.pairwise(words):
            first, second = self.vocabulary.genre(a[0]), self.vocabulary.genre(b[0])
            if first and second and first != second and text[a.end() : b.start()].strip() in ("", "-"):
                return True
        return False

    def _genre_word(self, text: str, mention: Mention) -> bool:
        said = text[mention.start : mention.end]
        return " " not in said and said.islower() and bool(self.vocabulary.genre(said))

    def genre_spans(self, text: str) -> list[tuple[str, int, int]]:
        """Genre words ("comedy", "comedies", "scary", "science fiction") with their spans: each
        genre's first in the last sentence that names it ("thats not a romance. anyway similar
        romance but in color" asks for one)."""
        words = list(WORD.finditer(text))
        found = LatestSpans(text)
        for i, match in enumerate(words):
            if i and words[i - 1].group().casefold() == "live" and match.group().casefold() == "action":
                continue  # "live action" is no action film
            pair = words[i + 1] if i + 1 < len(words) else None
            for start, end in [(match.start(), pair.end())] if pair else []:
                if genre := self.vocabulary.genre(text[start:end]):
                    found.add(genre, start, end)
            if genre := self.vocabulary.genre(match.group().strip("'’")):
                found.add(genre, match.start(), match.end())
            elif "-" in match.group():  # "a comedy-horror"; "sci-fi" is one genre above
                for part in re.finditer(r"[^-]+", match.group()):
                    if genre := self.vocabulary.genre(part.group().strip("'’")):
                        start = match.start() + part.start()
                        found.add(genre, start, start + len(part.group()))
        return sorted(found.values(), key=lambda g: g[1])


HEDGES = frozenset(
    [
        "hmm",
        "hm",
        "hmmm",
        "um",
        "umm",
        "uh",
        "er",
        "sure",
        "unsure",
        "dunno",
        "idk",
        "know",
        "idea",
        "whatever",
        "anything",
        "nothing",
        "ok",
        "okay",
        "well",
        "guess",
        "think",
        "mean",
        "lol",
        "haha",
    ]
)


EXCLUDED_BEFORE = re.compile(rf"{EXCLUDING}\s+(?:any |more |too |his |her |their |the |[\w'’-]+ )?$", re.I)


HOLIDAY = re.compile(
    r"\b(?:for|on|this|at|over|a|next) (?:halloween|christmas|xmas|thanksgiving|valentine'?s(?: day)?)\b",
    re.I,
)
LIVE_ACTION = re.compile(r"\blive[- ]action\b", re.I)
ROMCOM = re.compile(r"\brom[- ]?coms?\b", re.I)
FOR_CHILDREN = re.compile(
    r"\b(?:for|with|that) (?:my |the |our |a |little )?(?:kids?|children|little ones|nieces?|nephews?"
    r"|toddlers?"
    r"|\d+ ?(?:yo|year old|yr old|year-old)s?)\b|\bmy \d+ ?(?:yo|year old|yr old|year-old)\b",
    re.I,
)


def _has(reading: Reading, genre: str) -> bool:
    return any(g == genre for g, _ in reading.genres)


WISHED_BEFORE = re.compile(
    r"\b(?:with|w|starring|by|more|featuring|some|any|another)\s+$|\b(?:a|an)\s+(?:[a-z]+\s+)?$", re.I
)
_JUDGED = (
    "long|short|sad|gory|slow|scary|dark|violent|confusing|depressing|intense|cheesy|bloody|weird|heavy|much"
)
QUALITY = re.compile(
    rf"\b(?:(?:that'?s |thats |is |isn'?t |not |nothing |no )?(?:too|so|very|super|overly)|less"
    rf"|not|a (?:bit|little)(?: too)?|kinda|slightly) (?:{_JUDGED})\b",
    re.I,
)


def _verdict(text: str, start: int, end: int, others: Sequence[tuple[int, int]]) -> Polarity:
    """What the message says of the name at ``text[start:end]``: ruled out right before it ("no
    horror"), wished right before it ("something with tom hanks"), else its clause's cues."""
    if _excluded(text, start):
        return "disliked"
    if WISHED_BEFORE.search(text[max(0, start - 16) : start]):
        return "liked"
    if re.search(r"(?:^|[.!?]\s*)all\s+$", text[max(0, start - 8) : start], re.I):
        return "asked"  # a remark on the cards: "all seth rogen lol"
    return polarity(text, start, end, others=others)


def _excluded(text: str, start: int) -> bool:
    """Whether a word right before ``start`` rules the thing out ("no horror", "nothing too scary",
    "without Adam Sandler"): an exclusion, whatever the clause's other cues say."""
    return bool(EXCLUDED_BEFORE.search(text[max(0, start - 40) : start]))


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _plain_words(text: str) -> list[str]:
    return [w.casefold().strip("'’-") for w in WORD.findall(text)]


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans blanked out (same length, so offsets still hold)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def apply_reading(
    reading: Reading, state: DialogueState, changes: list[str], label: Callable[[str], str]
) -> str | None:
    """Change ``state`` as the reading says; say each change in ``changes``; return the liked
    film that relative wishes ("but shorter") refer to."""
    liked_ref = None
    for mention, said in reading.titles:
        item_id = mention.item_id
        if said == "liked":
            state.like(item_id)
            liked_ref = liked_ref or item_id
            changes.append(f"noted you liked {label(item_id)}")
        elif said == "disliked":
            state.dislike(item_id)
            changes.append(f"noted you disliked {label(item_id)}")
        else:
            state.mention(item_id)
            if said == "seen":
                changes.append(f"noted you have seen {label(item_id)}")
        state.focus_id = item_id
    liked = [p for p, said in reading.people if said != "disliked"]
    disliked = [p for p, said in reading.people if said == "disliked"]
    genres = [g for g, said in reading.genres if said != "disliked"]
    not_genres = [g for g, said in reading.genres if said == "disliked"]
    if liked or genres or reading.topics:
        state.like_attributes(genres=genres, people=liked, topics=reading.topics)
        changes.append("noted your tastes")
    if disliked or not_genres or reading.avoided_topics:
        state.dislike_attributes(genres=not_genres, people=disliked, topics=reading.avoided_topics)
        changes.append("noted what you would rather avoid")
    constraints = dict(reading.constraints)
    if not_genres:
        constraints["not_genres"] = [*state.constraints.not_genres, *not_genres]
    constraints |= {name: None for name in reading.cleared if name not in constraints}
    if constraints:
        state.constrain(**constraints)
        changes.append("updated your constraints")
    return liked_ref
