"""The cue-word rules chatrec read messages with before the trained reader: the baseline that
``chatrec eval understanding`` and ``chatrec eval dialogue`` compare the agent's reader with.

Titles need a cue word ("loved", "like") or exact capitalised words; genres, people and topics
come from the catalog's vocabularies with a "no"/"not" before them as the only negation; intents
are whole-message patterns. Numbers use the shared parser (chatrec.understanding.numbers), so the
comparison is of everything else. Not used by the agent.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from chatrec.catalog import Catalog
from chatrec.catalog.titles import TitleIndex, normalise_title
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.lexicon import EXCLUDING, POSITIONS
from chatrec.understanding.numbers import constraints_in, unnumbered
from chatrec.understanding.understand import Understanding

NEGATED = re.compile(rf"{EXCLUDING}\s+(?:any |more |too |his |her |their |the )?([\w-]+)", re.I)
ORDINALS = {
    w: i for w, i in POSITIONS.items() if w in ("first", "1st", "second", "2nd", "third", "3rd", "last")
}
POSITIVE = re.compile(
    r"\b(lov(e|ed)|lik(e|ed)|enjoy(ed)?|fan of|favou?rite|similar to|reminds? me of|adored?)\b"
)
NEGATIVE = re.compile(
    r"\b(hat(e|ed)|dislik(e|ed)|(did ?n[o']?t|do ?n[o']?t|not) (like|enjoy|love)|not a fan|boring|awful|"
    r"terrible|can'?t stand|no more)\b"
)
CUE = re.compile(
    r"\b(?:like|loved?|liked|enjoyed|than|watched|seen|hated?|as|about)\s+[\"“']?([^,.!?;\"”]+)", re.I
)
GREETING = re.compile(
    r"^\s*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|yo)\b[\s!.,]*(there)?[\s!.,]*$", re.I
)
THANKS = re.compile(r"^\s*(thanks?( you)?|thx|cheers|bye|goodbye|great|cool|ok(ay)?)\b[\s!.,]*$", re.I)
WHY = re.compile(r"\bwhy\b.*\b(suggest|recommend|pick|choose|chose|show)|\bwhy\b", re.I)
MORE = re.compile(
    r"^\s*(show me |give me |any )?(some )?(more|others|other ones|another( one)?|something else|next)\b",
    re.I,
)
NOT_THAT = re.compile(
    r"\bnot (that|this) one\b|^\s*no,? not (that|this|it)\b|\bnot (the )?(first|second|third|last) one\b",
    re.I,
)
SEEN = re.compile(
    r"\b(i'?ve|i have|already|i) (seen|watched|saw) (it|that|this|that one|this one|the \w+ one)\b|"
    r"^\s*(seen|watched|saw) (it|that|this|that one|this one|them)\b",
    re.I,
)
QUESTION = {
    "runtime": re.compile(
        r"\bhow long\b|\bruntime\b|\blength\b|\bminutes\b|"
        r"^\s*(is|was) (it|that|this|the \w+ one) (too )?(long|short)\b",
        re.I,
    ),
    "directors": re.compile(r"\bwho directed\b|\bdirector\b", re.I),
    "cast": re.compile(r"\bwho (is|'s) in\b|\bwho stars\b|\bcast\b|\bactors?\b|\bstarring\b", re.I),
    "year": re.compile(r"\bwhen\b.*\b(made|released|out)\b|\bwhat year\b", re.I),
    "rating": re.compile(r"\bwhat(?: is|'s)? (it|that|\w+) rated\b|\brating\b|\brated\b", re.I),
    # "is the second one scary?": a yes/no question about a shown film is answered with its genres
    "genres": re.compile(
        r"\bwhat (kind|genre|sort)\b|^\s*(is|was) (it|that|this|the \w+ one)\b.*\?\s*$", re.I
    ),
    "about": re.compile(
        r"\b(tell me (more )?about|more about|what(?: is|'s) (it|that|\w+) about|info on)\b", re.I
    ),
}


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’:&-]+", text)


class CueRules:
    """Reads messages with cue words and whole-message patterns (the old rules)."""

    def __init__(self, titles: TitleIndex, vocabulary: Vocabulary, catalog: Catalog) -> None:
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
        """Update ``state`` in place from one message; the acts follow the intent."""
        text = unnumbered(text.strip())
        if not text:
            return Understanding("empty")
        if GREETING.match(text) or THANKS.match(text):
            return Understanding("greeting" if GREETING.match(text) else "thanks", acts=["chitchat"])
        result = Understanding(acts=["request"])
        if (state.shown_ids or state.focus_id) and (
            WHY.search(text) or any(p.search(text) for p in QUESTION.values())
        ):
            item_id = self.referenced_item(text, state)
            for name, pattern in [("why", WHY), *QUESTION.items()]:
                if item_id and pattern.search(text):
                    state.focus_id = item_id
                    kind = {"directors": "director", "about": "story", "genres": "genre"}.get(name, name)
                    intent = "why" if name == "why" else "question"
                    return Understanding(intent, acts=["question"], item_id=item_id, question=kind)  # type: ignore[arg-type]
        if state.last_shown and (NOT_THAT.search(text) or SEEN.search(text)):
            item_id = self.referenced_item(text, state) or state.last_shown[0]
            if SEEN.search(text):
                state.mention(item_id)
            else:
                state.dislike(item_id)
            result.changes.append("feedback")
            result.acts, result.intent = ["feedback"], "feedback"
        self._titles(text, state, result)
        liked_years = [self.catalog.get(i, {}).get("year") for i in state.liked_ids]
        changes, cleared = constraints_in(text, liked_years, self._languages)
        not_genres = [g for word in NEGATED.findall(text) if (g := self.vocabulary.genre(word))]
        if not_genres:
            changes["not_genres"] = [*state.constraints.not_genres, *not_genres]
            state.dislike_attributes(genres=not_genres)
        changes |= {name: None for name in cleared}
        if changes:
            state.constrain(**changes)
        self._attributes(text, state, result)
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
