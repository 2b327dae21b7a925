"""The claim checker: every checkable fact in an LLM sentence, checked against the catalog and the
evidence; one unsupported claim rejects the sentence.

A small model writes fluent, often false sentences ("Fight Club is a comedy film"). Each kind of
claim is found by its words: genres ("funny"), years and decades, runtimes ("under two hours"),
people with their role, awards (how many, never what for), scores, career records ("his first
film"), story (only the item's plot topics support one), moods ("a tense, dark ride": only the mood
index supports one), names outside the evidence, tastes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from chatrec.catalog import PEOPLE_FIELDS, list_field
from chatrec.catalog.credits import credits_of
from chatrec.catalog.moods import HAS_IT, SAYS_IT, MoodIndex
from chatrec.catalog.vocabulary import decades_in
from chatrec.understanding.lexicon import DECADE_WORDS, NUMBER_WORDS, moods_in
from chatrec.understanding.understand import Understander
from chatrec.writing.evidence import Evidence
from chatrec.writing.patterns_claims import (
    ACCLAIM,
    AWARD,
    AWARD_FOR,
    CAPITAL,
    FREE_WORDS,
    GENRE_WORDS,
    HOURS,
    LIKE_TITLE,
    MINUTES,
    NAMES,
    NEGATION,
    OLD,
    PERFECT,
    RATING,
    RECENT,
    RECORD,
    ROLE_AFTER,
    ROLE_BEFORE,
    ROLE_NO_NAME,
    SCORE,
    SHORT,
    STORY_SOFT,
    STORY_STRONG,
    TASTE_PHRASE,
    TASTE_REFERENCE,
    THAN,
    UNCHECKABLE,
    WORD,
)

KINDS = ("genre", "year", "runtime", "person", "award", "score", "record", "story", "mood", "name", "taste")
FILM_WORDS = re.compile(r"\b(?:films?|movies?|cinema|screen|directed|starring)\b", re.I)


@dataclass(frozen=True)
class Claim:
    """One unsupported claim: its kind (see ``KINDS``) and the words that make it."""

    kind: str
    text: str


@dataclass
class Context:
    """What one sentence is checked against: the item, the films the evidence names, the user."""

    ev: Evidence
    rest: str  # the sentence with every allowed name masked, for the word-level checks
    untitled: str  # the sentence with the allowed titles masked, for the role checks

    @property
    def metas(self) -> list:
        return [self.ev.item.metadata, *self.ev.related]

    @property
    def meta(self) -> dict:
        return self.ev.item.metadata

    def numbers(self) -> set[int]:
        keys = ("year", "runtime", "critic_meter", "metacritic", "oscars")
        found = {m[k] for m in self.metas for k in keys if isinstance(m.get(k), int)}
        return found | {int(x) for x in self.ev.likes if x.isdigit()}


class ClaimChecker:
    """Finds the unsupported claims of a sentence about one item."""

    def __init__(self, understander: Understander, moods: MoodIndex | None = None) -> None:
        self.understander = understander
        self.credits = credits_of(understander.catalog)
        self.moods = MoodIndex.load() if moods is None else moods

    def claims(self, sentence: str, ev: Evidence) -> list[Claim]:
        """Every unsupported claim in ``sentence`` (empty: the sentence may be shown). The film's
        premise, quoted word for word from its plot, is true as it stands: only the rest is read."""
        if ev.premise and ev.premise in sentence:
            sentence = sentence.replace(ev.premise, " ")
        allowed = self.allowed(ev)
        rest = sentence
        for name in sorted(allowed, key=len, reverse=True):
            rest = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "N", rest, flags=re.I)
        plain = sentence  # titles out, people in: what the role patterns read
        for title in sorted({*ev.liked_titles, ev.item.title}, key=len, reverse=True):
            plain = re.sub(rf"(?<!\w){re.escape(title)}(?!\w)", "that title", plain, flags=re.I)
        ctx = Context(ev, TASTE_REFERENCE.sub(" ", rest), plain)  # "your taste for comedy" claims nothing
        checks = (self._genres, self._years, self._runtimes, self._people, self._awards, self._scores)
        found = [c for check in checks for c in check(sentence, ctx)]
        found += [*self._story(sentence, ctx), *self._moods(ctx), *self._names(sentence, ctx)]
        found += self._taste(sentence, ctx)
        return found

    def allowed(self, ev: Evidence) -> set[str]:
        """Names a sentence may use: the evidence's, and everyone the item credits."""
        people = {p for f in PEOPLE_FIELDS for p in list_field(ev.item.metadata, f)}
        return {n for n in (*ev.names, *ev.liked_titles, ev.item.title, *people) if n}

    def ties(self, sentence: str, ev: Evidence) -> bool:
        """Whether ``sentence`` names something the user likes (a film, person, genre, limit)."""
        folded = sentence.casefold()
        if any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", folded) for t in ev.likes):
            return True
        years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", folded)
        if any(f"{int(y) // 10 * 10}s" in ev.likes for y in years):
            return True  # "it came out in 1995, your decade"
        return bool(set(self._genre_mentions(sentence)) & ev.liked_genres)

    # -- genres -----------------------------------------------------------------------------------
    def _genre_mentions(self, text: str) -> Iterator[str]:
        vocab = self.understander.vocabulary
        yield from vocab.read(text).genres
        for word in WORD.findall(text.casefold()):
            alias = GENRE_WORDS.get(word)
            if alias and (genre := vocab.canonical("genres", alias)):
                yield genre

    def _genres(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        text = ctx.rest
        have = set(list_field(ctx.meta, "genres"))
        for genre in dict.fromkeys(self._genre_mentions(text)):
            words = [w for w, g in self._genre_words(text) if g == genre]
            negated = any(NEGATION.search(text[: text.casefold().find(w)][-14:]) for w in words if w)
            if (genre in have) == negated:
                yield Claim("genre", genre)

    def _genre_words(self, text: str) -> list[tuple[str, str]]:
        vocab, found = self.understander.vocabulary, []
        for word in WORD.findall(text.casefold()):
            genre = vocab.genre(word) or (
                vocab.canonical("genres", GENRE_WORDS[word]) if word in GENRE_WORDS else None
            )
            if genre:
                found.append((word, genre))
        return found

    # -- years and runtimes -----------------------------------------------------------------------
    def _years(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        years = {m.get("year") for m in ctx.metas if isinstance(m.get("year"), int)}
        allowed = ctx.numbers()
        for match in re.finditer(r"\b(1[89]\d\d|20[0-4]\d)\b(?!s)", ctx.rest):
            if int(match.group(1)) not in allowed:
                yield Claim("year", match.group(0))
        for match in re.finditer(r"\b(1[89]\d[1-9]|20\d[1-9])'?s\b", ctx.rest):
            yield Claim("year", match.group(0))  # "the 1902s" is no decade
        decades = list(decades_in(ctx.rest))
        decades += [d for w, d in DECADE_WORDS.items() if w in ctx.rest.casefold()]
        for d in decades:
            if not any(d <= y < d + 10 for y in years):
                yield Claim("year", f"{d}s")
        year = ctx.meta.get("year") if isinstance(ctx.meta.get("year"), int) else None
        for pattern, fits in ((RECENT, year and year >= 2008), (OLD, year and year <= 1990)):
            if (said := pattern.search(ctx.rest)) and not fits:
                yield Claim("year", said.group(0))

    def _runtimes(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        runtime = ctx.meta.get("runtime")
        allowed = ctx.numbers()
        for match in MINUTES.finditer(ctx.untitled):  # "runs 114 minutes, just like Heat" (170)
            n, compared = int(match.group(1)), LIKE_TITLE.match(ctx.untitled, match.end())
            if n not in allowed or (compared and n not in {m.get("runtime") for m in ctx.ev.related}):
                yield Claim("runtime", match.group(0))
        for match in HOURS.finditer(ctx.rest):
            bound, count = (match.group("bound") or "").casefold(), match.group("n").casefold()
            minutes = 60 * NUMBER_WORDS.get(count, int(count) if count.isdigit() else 0)
            if not isinstance(runtime, int):
                ok = False
            elif bound in ("under", "less than", "within", "below", "shy of"):
                ok = runtime < minutes
            elif bound in ("over", "more than", "longer than", "above"):
                ok = runtime > minutes
            else:
                ok = abs(runtime - minutes) <= 15
            if not ok:
                yield Claim("runtime", match.group(0))
        if SHORT.search(ctx.rest) and not (isinstance(runtime, int) and runtime <= 100):
            yield Claim("runtime", "short")
        for match in THAN.finditer(ctx.rest):
            if match.group(1).casefold() not in ("shorter", "lighter", "longer"):
                yield Claim("story", match.group(0))  # "darker than Heat": nothing can check it
            elif not any(match.group(0).casefold() in w.casefold() for f in ctx.ev.facts for w in f.ways):
                yield Claim("runtime" if "ter" in match.group(1) else "genre", match.group(0))

    # -- people -----------------------------------------------------------------------------------
    def _people(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        wording = ctx.ev.wording
        if not wording.is_film and FILM_WORDS.search(sentence):
            yield Claim("name", FILM_WORDS.search(sentence).group(0))  # type: ignore[union-attr]
        if ROLE_NO_NAME.search(ctx.untitled):
            yield Claim("person", ROLE_NO_NAME.search(ctx.untitled).group(0))  # type: ignore[union-attr]
        for pattern, role in (*ROLE_BEFORE, *ROLE_AFTER):
            for match in pattern.finditer(ctx.untitled):
                for name in NAMES.split(match.group("names")):
                    name = name.strip()
                    if not name or name.split()[0].casefold() in FREE_WORDS:  # "It stars", "Also, with"
                        continue
                    if not any(self._credited(n, role, ctx) for n in {name, name.rstrip(".")}):
                        yield Claim("person", f"{match.group(0)}")

    def _credited(self, name: str, role: str, ctx: Context) -> bool:
        fields = PEOPLE_FIELDS if role == "any" else (role,)
        titles = {t.casefold() for t in (*ctx.ev.liked_titles, ctx.ev.item.title)}
        if role == "any" and name.casefold() in titles:
            return True  # "shares Al Pacino with Heat": a film, not a credit
        credited = any(name in list_field(m, f) for m in ctx.metas for f in fields)
        if role == "cast" and credited:  # "stars X" only of people who mostly act
            return self.credits.main_role(name) in (None, "cast")
        return credited

    # -- awards and scores -------------------------------------------------------------------------
    def _awards(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        awards = str(ctx.meta.get("awards") or "")
        for match in AWARD.finditer(ctx.rest):
            words, n = match.group(0).casefold(), match.group("n")
            won = "won" in words or "win" in words
            other = any(w in words for w in ("globe", "bafta", "cannes", "emmy", "festival", "prize"))
            # A count is of wins unless the words around it say nominations ("2 Oscar nominations").
            near = ctx.rest[max(0, match.start() - 25) : match.end() + 15].casefold()
            said = re.search(rf"{'Nominated for' if 'nominat' in near else 'Won'} (\d+)", awards)
            wrong = bool(n) and str(NUMBER_WORDS.get(n.casefold(), n)) != (said.group(1) if said else "")
            if not awards or (won and "Won" not in awards) or other or wrong:
                yield Claim("award", match.group(0))
        for pattern, kind in ((AWARD_FOR, "award"), (RECORD, "record")):  # "for X", "his 76th film"
            yield from (Claim(kind, m.group(0)) for m in pattern.finditer(ctx.untitled))

    def _scores(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        meta = ctx.meta
        for match in RATING.finditer(ctx.rest):
            if match.group(1).upper() != str(meta.get("rating") or "").upper():
                yield Claim("score", match.group(0))
        scores = {meta.get("critic_meter"), meta.get("metacritic")}
        for match in SCORE.finditer(ctx.rest):
            if int(match.group("n") or match.group("m")) not in scores:
                yield Claim("score", match.group(0))
        meter, metacritic = meta.get("critic_meter") or 0, meta.get("metacritic") or 0
        acclaimed, perfect = meter >= 75 or metacritic >= 70, 100 in scores  # "a perfect score"
        for pattern, fits in ((ACCLAIM, acclaimed), (PERFECT, perfect), (UNCHECKABLE, False)):
            if (said := pattern.search(ctx.rest)) and not fits:
                yield Claim("score", said.group(0))

    # -- story, names, taste -----------------------------------------------------------------------
    def _story(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        if match := STORY_STRONG.search(ctx.rest):
            yield Claim("story", match.group(0))
        vocab = self.understander.vocabulary  # genre, language words tell no story; nor CHAT_IDIOMS
        free = {x.casefold() for x in vocab.known("languages")}
        text = WORD.sub(lambda m: "_" if vocab.genre(m[0]) or m[0].casefold() in free else m[0], ctx.rest)
        cued = vocab.topics.cued(text) if vocab.topics else {}
        have = set(list_field(ctx.meta, "topics"))
        unsupported = [phrase for phrase, topics in cued.items() if not have.intersection(topics)]
        for phrase in unsupported:
            yield Claim("story", phrase)
        if (match := STORY_SOFT.search(ctx.rest)) and (unsupported or not cued):
            yield Claim("story", match.group(0))

    def _moods(self, ctx: Context) -> Iterator[Claim]:
        """A mood said of the film ("a tense ride") needs its index score at or above SAYS_IT; one
        denied ("never too dark") needs a score below HAS_IT. A film without a story has neither."""
        said, denied = moods_in(ctx.rest)
        for mood in said:
            score = self.moods.score(ctx.ev.item.id, mood)
            if score is None or score < SAYS_IT:
                yield Claim("mood", mood)
        for mood in denied:
            score = self.moods.score(ctx.ev.item.id, mood)
            if score is None or score >= HAS_IT:
                yield Claim("mood", f"not {mood}")

    def _names(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        allowed = self.allowed(ctx.ev)
        folded = {a.casefold() for a in allowed}
        for person in self.understander.vocabulary.read(sentence).people:
            if person.casefold() not in folded:
                yield Claim("name", person)
        catalog = self.understander.catalog
        for item_id in (m.item_id for m in self.understander.reader.spotter.named(sentence)):
            title = str(catalog[item_id].get("title"))
            inside = any(title.casefold() in a for a in folded)  # "The Lord of the Rings: The Return..."
            if not inside and title in sentence:  # "in the mix" names no film
                yield Claim("name", title)
        words = {w.casefold() for a in allowed for w in WORD.findall(a)} | FREE_WORDS
        for field_name in ("genres", "languages"):
            words |= {g.casefold() for g in self.understander.vocabulary.known(field_name)}
        for match in CAPITAL.finditer(ctx.rest):
            if match.start() and match.group(0).casefold() not in words:
                yield Claim("name", match.group(0))

    def _taste(self, sentence: str, ctx: Context) -> Iterator[Claim]:
        folded = sentence.casefold()
        for term in ctx.ev.dislikes:
            at = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", folded)
            if at and not NEGATION.search(folded[: at.start()][-14:]):
                yield Claim("taste", term)
        if TASTE_PHRASE.search(sentence) and not self.ties(sentence, ctx.ev):
            yield Claim("taste", TASTE_PHRASE.search(sentence).group(0))  # type: ignore[union-attr]
