"""One user message -> changes to the DialogueState, with rules and the catalog's vocabularies.

No LLM is needed: titles are linked through the catalog's title index (exact words, a year if one
follows, fuzzy only after a cue like "loved"), genres/people/languages through the catalog's own
vocabularies, and numbers through a few patterns ("before 2000" -> year <= 1999, "from the 80s"
-> 1980-1989, "under two hours" -> runtime <= 119).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from rapidfuzz import fuzz, process

from chatrec.catalog import Catalog
from chatrec.catalog.titles import TitleIndex, normalise_title
from chatrec.catalog.vocabulary import Vocabulary, decades_in
from chatrec.dialogue.numbers import relative_years, spelled_years, unnumbered
from chatrec.dialogue.patterns import (
    CUE,
    GREETING,
    LANGUAGE,
    MORE,
    NEGATED,
    NEGATIVE,
    NOT_THAT,
    NUMBERS,
    ORDINALS,
    POSITIVE,
    QUESTION,
    RATINGS,
    RUNTIME,
    SEEN,
    THANKS,
    WHY,
    YEAR_BOUNDS,
)
from chatrec.dialogue.reader import Reader, apply_reading
from chatrec.dialogue.state import DialogueState

Intent = Literal["request", "empty", "greeting", "thanks", "why", "question", "more", "feedback", "unclear"]


@dataclass
class Understanding:
    """What a message is (``intent``) and what it changed, in words for the reply."""

    intent: Intent = "request"
    item_id: str | None = None
    question: str | None = None
    changes: list[str] = field(default_factory=list)
    liked_ref: str | None = None  # a liked item that relative wishes ("shorter") refer to


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’:&-]+", text)


class Understander:
    """Reads messages against one catalog's titles and vocabularies."""

    def __init__(
        self,
        titles: TitleIndex,
        vocabulary: Vocabulary,
        catalog: Catalog,
        *,
        trained: bool = True,
    ) -> None:
        """``trained=False`` keeps the cue-word rules alone (the baseline the eval compares)."""
        self.reader = Reader(catalog, vocabulary) if trained else None
        self.titles = titles
        self.vocabulary = vocabulary
        self.catalog = catalog
        self._choices = {i: normalise_title(str(m.get("title", ""))) for i, m in catalog.items()}
        self._languages = {v.casefold(): v for v in vocabulary.known("languages")}

    # -- titles ---------------------------------------------------------------------------
    def find_titles(self, text: str, *, fuzzy: bool = True) -> list[tuple[str, int]]:
        """Catalog items named in ``text`` with their word position; fuzzy matching (after a cue
        word like "loved") only when no exact title is found."""
        words = _words(text)
        found: list[tuple[str, int]] = []
        taken: set[int] = set()
        for size in range(min(8, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if taken.intersection(span):
                    continue
                phrase = words[start : start + size]
                norm = normalise_title(" ".join(phrase))
                if not norm or (len(norm.split()) == 1 and not self._plausible_single(words, start, phrase)):
                    continue
                if len(norm.split()) >= 2 and size < 3 and not any(w[:1].isupper() for w in phrase):
                    continue
                year = self._year_after(words, start + size)
                item_id = self.titles.link(" ".join(phrase), year) or (
                    year and self.titles.link(" ".join(phrase))
                )
                if item_id:
                    found.append((item_id, start))
                    taken.update(span)
        if not found and fuzzy:
            found = self._fuzzy(text)
        return sorted(found, key=lambda f: f[1])

    @staticmethod
    def _plausible_single(words: list[str], start: int, phrase: list[str]) -> bool:
        """A one-word title ("Heat") counts only capitalised and right after a cue word."""
        cue = start > 0 and words[start - 1].casefold() in {
            "like",
            "loved",
            "liked",
            "love",
            "enjoyed",
            "hated",
            "seen",
            "watched",
            "than",
            "as",
        }
        return phrase[0][:1].isupper() and cue

    @staticmethod
    def _year_after(words: list[str], index: int) -> int | None:
        if index < len(words) and re.fullmatch(r"(19|20)\d\d", words[index]):
            return int(words[index])
        return None

    def _fuzzy(self, text: str) -> list[tuple[str, int]]:
        found = []
        for match in CUE.finditer(text):
            phrase = normalise_title(match.group(1))
            if len(phrase) < 4:
                continue
            best = process.extractOne(phrase, self._choices, scorer=fuzz.ratio, score_cutoff=88)
            if best:
                found.append((best[2], len(_words(text[: match.start(1)]))))
        return found

    # -- the message ----------------------------------------------------------------------
    def referenced_item(self, text: str, state: DialogueState) -> str | None:
        """A shown item the message points at: by title, ordinal ("the second one") or "it"."""
        lowered = text.casefold()
        for item_id in reversed(state.shown_ids):
            title = normalise_title(str(self.catalog.get(item_id, {}).get("title", "")))
            if title and re.search(rf"\b{re.escape(title)}\b", normalise_title(text)):
                return item_id
        for word, index in ORDINALS.items():
            if re.search(rf"\b{word}\b", lowered) and state.last_shown:
                return state.last_shown[index] if abs(index) <= len(state.last_shown) - (index >= 0) else None
        if re.search(r"\b(it|that|this|that one|this one|the one)\b", lowered):
            return state.focus_id or (state.last_shown[0] if state.last_shown else None)
        return None

    def read(self, text: str, state: DialogueState) -> Understanding:
        """Update ``state`` in place from one message and say what kind of turn it is."""
        text = unnumbered(text.strip())  # "1. toy story 2. finding nemo" is a list, not Toy Story 2
        if not text:
            return Understanding("empty")
        if GREETING.match(text):
            return Understanding("greeting")
        if THANKS.match(text):
            return Understanding("thanks")
        result = Understanding()
        if (state.shown_ids or state.focus_id) and (
            WHY.search(text) or any(p.search(text) for p in QUESTION.values())
        ):
            item_id = self.referenced_item(text, state)
            if item_id is None and self.reader:
                item_id = next((m.item_id for m in self.reader.spotter.spot(text)), None)
            if item_id and WHY.search(text):
                state.focus_id = item_id
                return Understanding("why", item_id=item_id)
            for name, pattern in QUESTION.items():
                if item_id and pattern.search(text):
                    state.focus_id = item_id
                    return Understanding("question", item_id=item_id, question=name)
        if state.last_shown and (NOT_THAT.search(text) or SEEN.search(text)):
            item_id = self.referenced_item(text, state)
            if item_id is None or (item_id in state.liked_ids and item_id not in state.last_shown):
                item_id = state.last_shown[0]  # "not that one" after "I loved Heat" + cards: the card
            label = self._label(item_id)
            if SEEN.search(text):
                state.mention(item_id)
                result.changes.append(f"noted you have seen {label}")
            else:
                state.dislike(item_id)
                result.changes.append(f"dropped {label}")
            result.intent = "feedback"
        if self.reader:
            reading = self.reader.read(text)
            result.liked_ref = apply_reading(reading, state, result.changes, self._label)
            if reading.titles:  # the film this message named last is what "it" means next
                result.item_id = reading.titles[-1][0].item_id
            self._constraints(text, state, result)  # years, ratings, languages, "shorter than X"
            result.changes[:] = list(dict.fromkeys(result.changes))
        else:
            self._titles(text, state, result)
            self._constraints(text, state, result)
            self._attributes(text, state, result)
        if result.intent == "request" and not result.changes and MORE.match(text):
            result.intent = "more"
        elif result.intent == "request" and not result.changes and self.reader and self.reader.unclear(text):
            result.intent = "unclear"
        return result

    def _label(self, item_id: str) -> str:
        return self.catalog.label(item_id)

    def _titles(self, text: str, state: DialogueState, result: Understanding) -> None:
        words = [w.casefold() for w in _words(text)]
        for item_id, position in self.find_titles(text):
            before = " ".join(words[max(0, position - 6) : position])
            if NEGATIVE.search(before):
                state.dislike(item_id)
                result.changes.append(f"noted you disliked {self._label(item_id)}")
            elif POSITIVE.search(before) or not before:
                state.like(item_id)
                result.liked_ref = item_id
                result.changes.append(f"noted you liked {self._label(item_id)}")
            else:
                state.mention(item_id)
                result.liked_ref = result.liked_ref or item_id
        if result.intent == "request" and result.changes and re.search(r"\bnot (that|this)\b", text, re.I):
            result.intent = "feedback"

    def _constraints(self, text: str, state: DialogueState, result: Understanding) -> None:
        changes: dict[str, Any] = {}
        decades = decades_in(text)
        if decades:
            changes |= {"year_from": min(decades), "year_to": max(decades) + 9}
        rest = spelled_years(text)  # "nothing before nineteen ninety" too
        for pattern, bound in YEAR_BOUNDS:
            if match := pattern.search(rest):
                changes |= bound(*(int(g) for g in match.groups() if g and g.isdigit()))
                rest = rest[: match.start()] + " " + rest[match.end() :]  # "nothing before" is not "before"
        changes |= relative_years(text, [self.catalog.get(i, {}).get("year") for i in state.liked_ids])
        if re.search(r"\bany (year|decade|era)\b", text, re.I):
            changes |= {"year_from": None, "year_to": None}
        if minutes := self._max_runtime(text, result):
            changes["max_runtime"] = minutes
        if re.search(r"\bany (length|runtime)\b", text, re.I):
            changes["max_runtime"] = None
        if match := re.search(r"\b(G|PG|PG-13|R|NC-17)\b(?!-)", text):
            changes["ratings"] = RATINGS[: RATINGS.index(match.group(1)) + 1]
        named = [w for pair in LANGUAGE.findall(text) for w in pair if w]
        languages = [self._languages[w.casefold()] for w in named if w.casefold() in self._languages]
        if re.search(r"\bno subtitles\b", text, re.I) and "english" in self._languages:
            languages.append(self._languages["english"])
        if languages:
            changes["languages"] = list(dict.fromkeys(languages))
        not_genres = [g for word in NEGATED.findall(text) if (g := self.vocabulary.genre(word))]
        if not_genres:
            changes["not_genres"] = [*state.constraints.not_genres, *not_genres]
            state.dislike_attributes(genres=not_genres)
        if changes:
            state.constrain(**changes)
            result.changes.append("updated your constraints")

    def _max_runtime(self, text: str, result: Understanding) -> int | None:
        if match := RUNTIME.search(text):
            limit, amount, unit = (
                match.group(1).casefold(),
                match.group(2).casefold(),
                match.group(3).casefold(),
            )
            number = NUMBERS.get(amount) or float(amount)
            minutes = number * 60 if unit.startswith("h") else number
            if re.search(r"and a half", match.group(0), re.I):
                minutes += 30
            strict = limit in {"under", "less than", "shorter than", "below"}
            return int(minutes) - (1 if strict else 0)
        if re.search(r"\bshorter\b", text, re.I) and result.liked_ref:
            runtime = self.catalog.get(result.liked_ref, {}).get("runtime")
            if runtime:
                return int(runtime * 0.85)
        vague = {r"\bsomething short\b|\ba short (film|movie|one)\b": 100, r"\b(nothing|not) too long\b": 120}
        return next((minutes for words, minutes in vague.items() if re.search(words, text, re.I)), None)

    def _attributes(self, text: str, state: DialogueState, result: Understanding) -> None:
        signals = self.vocabulary.read(text)
        negated_words = {w.casefold() for w in NEGATED.findall(text)}
        liked_genres = [g for g in signals.genres if g not in state.constraints.not_genres]
        liked_genres = [g for g in liked_genres if g.casefold() not in negated_words]
        disliked_people = [
            p
            for p in signals.people
            if re.search(rf"\b(no|not|without|hate|hated)\s+{re.escape(p)}", text, re.I)
        ]
        liked_people = [p for p in signals.people if p not in disliked_people]
        liked_topics = [t for t in signals.topics if t.casefold() not in negated_words]
        if liked_genres or liked_people or liked_topics:
            state.like_attributes(genres=liked_genres, people=liked_people, topics=liked_topics)
            result.changes.append("noted your tastes")
        if disliked_people:
            state.dislike_attributes(people=disliked_people)
            result.changes.append("noted who you would rather avoid")
