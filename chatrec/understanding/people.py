"""People named in a message: by full name, by surname alone ("more scorsese", "anything by
kurasawa", "fincher films"), by the start of a first name and a surname ("leo dicaprio"), or as
"the coen brothers".

Only the surnames of people the catalog credits often, and only when one person holds most of
them, by credits or by renown (the critic reviews of their films: Tim Burton's against Richard
Burton's), so that a surname is a name, not a guess; the two Coens share theirs, so "coen" alone
names neither, while "the coen brothers" names both. A surname counts only where the words around
it make it a name: right after "more", "by", "w/", "not"... or at the start of a clause ("pacino
in the 70s?") or of a list's next item ("carpenter or cronenberg"), and ending its clause, or
right before "film(s)" / "movies"; never a language, genre, mood or topic word. A near miss
("kurasawa") only for a word people never wrote otherwise in ReDial train: "shorter" is a word,
never Pat Shortt.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from difflib import get_close_matches
from typing import Any

from chatrec.catalog.credits import credits_of
from chatrec.catalog.items import Catalog, list_field
from chatrec.catalog.vocabulary import Vocabulary, plain
from chatrec.understanding.lexicon import MOOD_PATTERN
from chatrec.understanding.patterns import WORD
from chatrec.understanding.polarity import Polarity

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
    r"(?=\s*(?:$|[,.!?;:)]|pls\b|please\b|plz\b|again\b|too\b|stuff\b|tho\b|lol\b|in (?:something|anything)\b"
    r"|(?:after|before|from|since|and|or|in the)\b))"
)
_AFTER = r"(?:films?|movies?|flicks?|joints|ones?)"
_PARTICLE = r"(?:(?:de|van|von|del|di|da|du) )?"
SURNAME = re.compile(
    rf"\b{_BEFORE}/?\s+(?P<name>{_PARTICLE}[a-z][\w'’-]{{3,}}){_END}"
    rf"|(?:^|[.!?;,]\s*|\s(?:and|or|&)\s+)(?P<lead>{_PARTICLE}[a-z][\w'’-]{{3,}}){_END}"
    # "kurosawa films", "kurosawa samurai films" (a genre or plot word between), never consuming
    # the next word ("some kurosawa films")
    rf"|\b(?P<name2>{_PARTICLE}[a-z][\w'’-]{{3,}})(?=\s+(?:(?P<kind>[a-z][\w-]+)\s+)?{_AFTER}\b)"
    # "what else did tarantino do", "has nolan made anything new"
    rf"|\b(?:did|has|does|else)\s+(?P<name3>{_PARTICLE}[a-z][\w'’-]{{3,}})\s+"
    r"(?:do|done|make|made|direct|directed|star|starred|act|acted)\b",
    re.I,
)
BROTHERS = re.compile(r"\b(?:the\s+)?(?P<name>[a-z][\w'’-]{2,})\s+(?:brothers|bros\.?|siblings)\b", re.I)
COMMON = 300  # a surname said this often as a plain word in ReDial train is a word ("good", "more")
LEAD_COMMON = 60  # ...and, with no cue word before it, this often ("pacino": 10, "depp": 37)
FAME_DOMINANCE = 1.6  # the critic reviews of their films against the next holder's...
FAME_LEAST = 1000  # ...for someone whose films drew at least this many
MISSPELT = 0.85  # difflib ratio of a word no one wrote in ReDial train to a known surname
MISSPELT_MIN_CHARS = 6
MISSPELT_FULL = 0.9  # difflib ratio of a first name and a misspelt surname to a full name


class Surnames:
    """Surname (folded), or the first name of someone very well known -> the catalog's person."""

    def __init__(
        self,
        by_name: Mapping[str, str],
        first: Collection[str] = (),
        families: Mapping[str, Sequence[str]] | None = None,
        by_first: Mapping[str, Mapping[str, str]] | None = None,
        any_surname: Collection[str] = (),
    ) -> None:
        self._by = dict(by_name)
        self._first = set(first)  # the names in ``by_name`` that are first names
        self._families = dict(families or {})  # surname -> its two most credited holders
        self._surnames = [k for k in self._by if k not in self._first]  # what a near miss is matched to
        # first name -> {folded full name: person} of the people credited often ("cate blanchet")
        self._by_first = {k: dict(v) for k, v in (by_first or {}).items()}
        # the surname of anyone credited: a real surname, even one two people share ("bergman":
        # Ingmar and Ingrid), is no misspelling of another
        self._any_surname = set(any_surname)

    @classmethod
    def of(cls, catalog: Mapping[str, Mapping[str, Any]]) -> Surnames:
        """The catalog's surnames, from its credits index, kept with the catalog like that index
        (the agent and the evaluation build several readers over one catalog)."""
        if isinstance(catalog, Catalog) and isinstance(found := catalog.indexes.get("surnames"), Surnames):
            return found
        credits = credits_of(catalog)
        found = cls._build(credits.film_counts, credits.renown)
        if isinstance(catalog, Catalog):
            catalog.indexes["surnames"] = found
        return found

    @staticmethod
    def _build(credits: Mapping[str, int], fame: Mapping[str, int] | None = None) -> Surnames:
        surnames: dict[str, list[tuple[int, str]]] = defaultdict(list)
        renowned: dict[str, list[tuple[int, str]]] = defaultdict(list)
        fame = fame or {}
        first_names: dict[str, list[tuple[int, str]]] = defaultdict(list)
        by_first: dict[str, dict[str, str]] = defaultdict(dict)
        any_surname = set()
        for person, count in credits.items():
            words = plain(person).casefold().split()
            if len(words) < 2:
                continue
            surname = " ".join(words[-2:]) if words[-2] in PARTICLES else words[-1]
            any_surname.add(words[-1])
            if count >= MIN_CREDITS:
                by_first[words[0]][" ".join(words)] = person
            surnames[surname].append((count, person))
            renowned[surname].append((fame.get(person, 0), person))
            first_names[words[0]].append((count, person))
        # one holder by credits, or by the renown of their films (Tim Burton, not Richard)
        held = _dominant(renowned, FAME_LEAST, FAME_DOMINANCE) | _dominant(surnames, MIN_CREDITS, DOMINANCE)
        # a surname that people carry as a first name ("leo", "scott") is read as a first name,
        # unless its holder is better known than all of them together ("nolan", "ford")
        first_fame = {k: sum(fame.get(p, 0) for _, p in v) for k, v in first_names.items()}

        def kept(name: str, person: str) -> bool:
            if fame.get(person, 0) > 0:
                return first_fame.get(name, 0) < fame[person]
            return len(first_names.get(name, ())) < FIRST_NAME_HOLDERS

        chosen = {k: v for k, v in held.items() if kept(k, v)}
        # a first name alone ("keanu", "denzel") only for the very well known who own it
        first = {}
        for name, person in _dominant(first_names, FIRST_NAME_CREDITS, FIRST_NAME_DOMINANCE).items():
            if name not in chosen:
                first[name] = chosen[name] = person
        families = {
            k: [p for _, p in ranked[:2]]
            for k, v in surnames.items()
            if len(ranked := sorted(v, reverse=True)) > 1 and ranked[1][0] >= MIN_CREDITS
        }
        return Surnames(chosen, first, families, by_first, any_surname)

    def person(
        self, word: str, counts: Mapping[str, int], *, first_names: bool = True, cued: bool = True
    ) -> str | None:
        """The person ``word`` names, if it is a surname this catalog knows (or, ``first_names``,
        the first name of someone very well known), and not a word people mostly use as a plain
        word (``counts``: uses as plain words in ReDial train; stricter where no cue word says a
        name comes, ``cued`` False). A near miss ("kurasawa") only for a word no one wrote in
        ReDial train: a misspelt surname guessed from a plain word ("shorter" for Pat Shortt)
        would be a hard constraint."""
        folded = word.casefold().replace("’", "'")
        if (
            folded not in self._by
            and folded not in self._any_surname
            and counts.get(folded, 0) == 0
            and len(folded) >= MISSPELT_MIN_CHARS
        ):
            near = get_close_matches(folded, self._surnames, 1, MISSPELT)
            folded = near[0] if near else folded
        if folded not in self._by or counts.get(folded, 0) >= (COMMON if cued else LEAD_COMMON):
            return None
        if not first_names and folded in self._first:
            return None
        return self._by[folded]

    def nicknamed(self, first: str, surname: str) -> str | None:
        """The person "leo dicaprio" names: a known surname after the start of its holder's first name."""
        person = self._by.get(surname.casefold())
        given = plain(person or "").casefold().split()[:1]
        if person is None or surname.casefold() in self._first or len(first) < 3 or not given:
            return None
        return person if given[0].startswith(first.casefold()) and given[0] != first.casefold() else None

    def misspelt(self, first: str, surname: str) -> str | None:
        """The person "cate blanchet" or "jake gyllenhal" names: someone credited often with that
        first name whose full name is one or two letters off."""
        people = self._by_first.get(first.casefold(), {})
        said = f"{first} {surname}".casefold()
        if not people or said in people:
            return None
        near = get_close_matches(said, list(people), 1, MISSPELT_FULL)
        return people[near[0]] if near else None

    def family(self, word: str) -> list[str]:
        """The two most credited people of a surname ("the coen brothers"), if both are credited often."""
        return list(self._families.get(word.casefold(), ()))


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


def people_in(
    text: str,
    vocabulary: Vocabulary,
    surnames: Surnames,
    counts: Mapping[str, int],
    languages: Collection[str] = (),
) -> list[tuple[str, int, int]]:
    """(person, start, end) of everyone ``text`` names: by full name, or by the surname of someone
    the catalog credits often where the words around it make it a name ("more scorsese",
    "pacino in the 70s?"), or after the start of the first name ("leo dicaprio"); "the coen
    brothers" are both. ``counts``: uses of each word as a plain word in ReDial train;
    ``languages``: the catalog's language names, folded (never a surname)."""
    found = [  # before the catalog's own names: a credit may read "Coen brothers"
        (p, *match.span()) for match in BROTHERS.finditer(text) for p in surnames.family(match["name"])
    ]
    for name in vocabulary.read(text).people:
        said = next((n for n in (name, plain(name)) if re.search(rf"\b{re.escape(n)}\b", text, re.I)), name)
        if (match := re.search(rf"\b{re.escape(said)}\b", text, re.I)) and not _within(match, found):
            if name.split()[0] in ("The", "A") and not match.group()[:1].isupper():
                continue  # "the edge of my seat" names no band member
            found.append((name, match.start(), match.end()))
    for first, last in itertools.pairwise(WORD.finditer(text)):
        if _within(first, found) or _within(last, found):
            continue
        if person := surnames.nicknamed(first[0], last[0]) or surnames.misspelt(first[0], last[0]):
            found.append((person, first.start(), last.end()))
    taken = [(s, e) for _, s, e in found]
    for match in SURNAME.finditer(text):
        group = next(g for g in ("name", "lead", "name2", "name3") if match.group(g))
        start, end = match.span(group)
        word = match.group(group)
        kind = match.group("kind") if group == "name2" else None
        if (
            any(s <= start < e for s, e in taken)
            or vocabulary.genre(word)
            or _plain_word(word, vocabulary, languages)
            or (kind and not (vocabulary.genre(kind) or _plain_word(kind, vocabulary, ())))
        ):
            continue
        # a first name alone only right after "with" / "by" / "starring" ("more with keanu?")
        after = group == "name" and re.search(r"\b(?:with|w/?|by|starring)\s+$", text[:start], re.I)
        if person := surnames.person(word, counts, first_names=bool(after), cued=group != "lead"):
            found.append((person, start, end))
    return found


def _within(match: re.Match[str], found: list[tuple[str, int, int]]) -> bool:
    """Whether a match overlaps a name already found."""
    return any(s < match.end() and match.start() < e for _, s, e in found)


def _plain_word(word: str, vocabulary: Vocabulary, languages: Collection[str]) -> bool:
    """A word that names a language, a mood or a plot topic ("korean", "dark", "christmas"):
    never a surname."""
    folded = word.casefold()
    topics = vocabulary.topics
    return folded in languages or bool(MOOD_PATTERN.fullmatch(folded)) or bool(topics and topics.read(folded))


# A person the message points at rather than names: "anything else with him?", "more w her",
# "that actor"; "by him", "from the same guy", "that director" mean who made the film.
WITH_THEM = re.compile(
    r"\b(?:with|w/?|starring|featuring)\s+(?:him|her)\b|\bmore (?:of )?(?:him|her)\b"
    r"|\b(?:that|the same|same) (?:actor|actress)\b",
    re.I,
)
BY_THEM = re.compile(
    r"\b(?:by|from)\s+(?:him|her|(?:the same|that) (?:guy|person|director|filmmaker|dude))\b"
    r"|\bthat (?:director|filmmaker)\b",
    re.I,
)
NOT_THEM = re.compile(r"\b(?:no|not|nothing|without|anything but)\b[^.!?,]{0,12}$", re.I)
LEADS = 3  # the billed cast "with him" may mean


def points_at_someone(text: str) -> bool:
    """Whether ``text`` says "him", "her", "the same guy", "that director"... of a person."""
    return bool(WITH_THEM.search(text) or BY_THEM.search(text))


def person_meant(
    text: str,
    about: Sequence[str],
    cards: Sequence[str],
    catalog: Mapping[str, Mapping[str, Any]],
    said_before: Sequence[str] = (),
) -> tuple[str, Polarity] | None:
    """(person, "liked" or "disliked") that "him", "her" or "the same guy" in ``text`` points at.

    In order: a lead (or the director) of the film the message is about (``about``: a card it
    reacts to or a film it names, most recent first); else a person of the conversation's films
    (``cards``: the last cards and the liked films) whose name the message says ("the denzel one
    looks good. more with him?"); else the person asked for last (``said_before``: "nothing by him
    tho"); else the one person those films share ("anything else with him from the 80s?" after
    Mad Max, Lethal Weapon and Braveheart). Of a film's leads, the one also in the conversation's
    other films ("w her" after Charade and Roman Holiday: Audrey Hepburn, not Gregory Peck), else
    the best known (:meth:`Credits.best_known`)."""
    match = WITH_THEM.search(text) or BY_THEM.search(text)
    if match is None or not catalog:
        return None
    field, many = ("directors", 1) if BY_THEM.search(text) and not WITH_THEM.search(text) else ("cast", LEADS)

    credits = credits_of(catalog)

    def people(item_id: str) -> list[str]:
        return credits.best_known(list_field(catalog.get(item_id, {}), field))[:many]

    others = [p for i in dict.fromkeys([*about, *cards]) for p in people(i)]
    words = {w.casefold() for w in WORD.findall(text[: match.start()])}
    named = [p for p in dict.fromkeys(others) if words & set(plain(p).casefold().split())]
    shared = [p for p in dict.fromkeys(others) if others.count(p) > 1]
    person = None
    if about and (leads := people(about[0])):
        person = next((p for p in leads if others.count(p) > 1), leads[0])
    elif named or said_before:
        person = (named[0] if len(named) == 1 else None) if named else said_before[-1]
    elif len(shared) == 1:
        person = shared[0]
    if person is None:
        return None
    return person, "disliked" if NOT_THEM.search(text[: match.start()]) else "liked"
