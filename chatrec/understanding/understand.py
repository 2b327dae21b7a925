"""One user message -> dialogue acts and changes to the DialogueState, in the context of the cards.

The one path that reads a message: chit-chat is answered as such; a question about a shown card
(or a named film) is answered, not met with new cards; feedback on a card changes the state; a
request's genres, people and plot topics are the request of the moment: they hold for every card
of the turn (hard constraints, replacing the last request's), while liked films shape the ranking
inside them. Titles, people and genres come from :class:`~chatrec.understanding.reader.Reader`,
numbers once from :func:`~chatrec.understanding.numbers.constraints_in`, moods from the lexicon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from chatrec.catalog import Catalog
from chatrec.catalog.titles import TitleIndex
from chatrec.catalog.vocabulary import Vocabulary, plain
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.acts import (
    ALL_CARDS,
    ALL_SEEN,
    CHOSEN,
    CORRECTION,
    IMPRESSION,
    Act,
    CardReference,
    Question,
    all_cards,
    asks_for_films,
    card_feedback,
    card_reference,
    chitchat_around,
    is_chitchat,
    is_correction,
    one_and_the_others,
    question_kind,
    sentences,
)
from chatrec.understanding.language import foreign
from chatrec.understanding.lexicon import moods_in
from chatrec.understanding.markup import read_as_text
from chatrec.understanding.missing import missing_films
from chatrec.understanding.numbers import corrected_years, out_of_reach, unnumbered
from chatrec.understanding.people import person_meant, points_at_someone
from chatrec.understanding.polarity import SEEN, UNSEEN
from chatrec.understanding.reader import Reader, Reading, apply_reading

Intent = Literal["request", "empty", "greeting", "thanks", "why", "question", "more", "feedback", "unclear"]
MORE = re.compile(
    r"^\s*(?:show me |give me |any |got any )?(?:some )?(?:more|others|other ones|another(?: one)?"
    r"|something else"
    r"|next|different ones)\b|^\s*(?:no thanks|no thx|nah|nope|none of (?:those|these|them))\W*$",
    re.I,
)
MEANT = re.compile(
    r"\b(?:i meant|i mean(?! it\b| that\b| this\b)|meant to say|scratch that|make that)\b|^\W*(?:my bad"
    r"|sorry|oops),? meant\b",
    re.I,
)
CORRECTION_SENTENCE = re.compile(rf"[^.!?;]*{CORRECTION.pattern}[^.!?;]*", re.I)
KEPT_SENTENCE = re.compile(r"(?:^|(?<=[.!?;]))\s*(?:still|same|keep)\b[^.!?;]*", re.I)
EITHER = re.compile(r"([\w-]+)\s*,?\s+or\s+([\w-]+)", re.I)
VERDICT = re.compile(r"\blov|\bseen|\bfav|\bwatched|\bsaw\b", re.I)
OTHER_THAN_THEM = re.compile(
    r"\b(?:not|nothing|anything not|none) (?:by|from|with) (?:him|her|them)\b|\bby someone else\b"
    r"|\b(?:other than|besides|apart from) (?:him|her|them)\b",
    re.I,
)
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|heya|hiya|howdy|yo|sup|good (?:morning|afternoon|evening))\b", re.I
)


@dataclass
class Wish:
    """What this message asks every card to be: the request of the moment."""

    genres: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    liked: list[str] = field(default_factory=list)  # films named as the seed of this request

    def __bool__(self) -> bool:
        return bool(self.genres or self.people or self.topics or self.liked)


@dataclass
class Understanding:
    """What a message does (``acts``; ``intent`` is the turn it makes) and what it changed."""

    intent: Intent = "request"
    acts: list[Act] = field(default_factory=list)
    item_id: str | None = None  # the film asked about, or the one this message named last
    question: Question | None = None
    changes: list[str] = field(default_factory=list)
    liked_ref: str | None = None  # a liked item that relative wishes ("shorter") refer to
    wish: Wish = field(default_factory=Wish)
    constraints: dict[str, object] = field(default_factory=dict)  # what this message set or lifted
    moods: list[str] = field(default_factory=list)
    avoided_moods: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # films named that the catalog lacks
    foreign: bool = False  # in a language the reader does not handle: nothing else is read
    impossible: dict[str, str] = field(default_factory=dict)  # asks no item can meet: "years": "1850–1860"
    feedback: list[tuple[str, str]] = field(default_factory=list)  # (item id, liked/disliked/seen)
    seen: list[str] = field(default_factory=list)  # films the message says were seen (liked or not)


class Understander:
    """Reads messages against one catalog's titles and vocabularies."""

    def __init__(self, titles: TitleIndex, vocabulary: Vocabulary, catalog: Catalog) -> None:
        self.reader = Reader(catalog, vocabulary)
        self.titles = titles
        self.vocabulary = vocabulary
        self.catalog = catalog
        years = [y for m in catalog.values() if isinstance(y := m.get("year"), int)]
        self.years = (min(years), max(years)) if years else None

    def read(self, text: str, state: DialogueState) -> Understanding:
        """Update ``state`` in place from one message and say what it does."""
        text, links = read_as_text(text)  # "[click](https://…)" names no film
        linked = {text[a:b].strip().casefold() for a, b in links}  # a link's text is context, not a title
        text = unnumbered(text.strip())  # "1. toy story 2. finding nemo" is a list, not Toy Story 2
        if not text:
            return Understanding("empty")
        if is_chitchat(text):
            return Understanding("greeting" if GREETING.match(text) else "thanks", acts=["chitchat"])
        result = Understanding()
        acts: list[Act] = ["chitchat"] if chitchat_around(text) else []
        years = [self.catalog.get(i, {}).get("year") for i in state.liked_ids]
        whole = _without_titles(self.reader.read(text, years), text, linked)
        # titles and names said in their own language ("el secreto de sus ojos") are no foreign text
        named = [(m.start, m.end) for m, _ in whole.titles]
        unnamed = "".join(" " if any(a <= i < b for a, b in named) else c for i, c in enumerate(text))
        for person, _ in whole.people:  # the reading found them: no second pass over the names
            for said in {person, plain(person)}:
                unnamed = re.sub(rf"\b{re.escape(said)}\b", " ", unnamed, flags=re.I)
        if foreign(unnamed, self.reader.spotter.known_words):  # its words would read as noise ("lustigen")
            return Understanding("unclear", acts=["request"], foreign=True)
        rest = self._question(text, state, whole, result)
        if result.question:
            acts.append("question")
        cut = 0
        if is_correction(rest) and (cue := MEANT.search(rest)) and re.match(r"\s*\w", rest[cue.end() :]):
            # "i said before 1980 but i meant the 80s": what was meant counts; only the cue's own
            # sentence is cut ("seen the first one. sorry, i meant the nineties" keeps the seen)
            opens = max((a for a, _ in sentences(rest) if a <= cue.start()), default=0)
            cut = cue.end()
            rest = rest[:opens] + " " * (cut - opens) + rest[cut:]
        reading = _without_titles(self.reader.read(rest, years), rest, linked) if rest != text else whole
        if cut:  # titles as the whole message reads them ("i mean fame" alone names no film)
            reading.titles = list(whole.titles)
        if is_correction(text) and not {"year_from", "year_to"} & set(reading.constraints):
            c = state.constraints  # "oops i meant 2005 not 2015", "1989 exactly"
            reading.constraints |= corrected_years(text, c.year_from, c.year_to)
        self._cards(rest, state, result, named=bool(whole.titles))
        carded = {i for i, said in result.feedback if said != "seen"}  # a verdict on a card stands
        reading.titles = [(m, "asked" if m.item_id in carded else said) for m, said in reading.titles]
        self._titles(rest, reading, state, result)
        if not reading.people and points_at_someone(rest):  # "anything else with him?"
            about = [i for i, said in reversed(result.feedback) if said != "disliked"]
            about += [m.item_id for m, said in reversed(reading.titles) if said != "disliked"]
            ref = card_reference(rest, state.last_shown, [], None, {})  # "the first one looks good. by him?"
            about += [ref.item_id] if ref and ref.how == "position" else []
            context = [*state.last_shown, *state.liked_ids]
            before = [*state.dislikes.people, *state.likes.people]
            if meant := person_meant(rest, about, context, self.catalog, before):
                reading.people.append(meant)
        if result.feedback:
            acts.append("feedback")
        result.impossible = out_of_reach(reading.constraints, self.years)
        self._apply(rest, reading, state, result)
        if is_correction(text) and (result.constraints or result.wish or result.changes):
            acts.append("correction")
            # "sorry, war films i meant!! and under 2h pls": more than the correction ("still sci-fi" is not)
            besides = _without(_without(text, CORRECTION_SENTENCE), KEPT_SENTENCE)
            more = self.reader.read(besides, years) if besides.strip() else None
            asked = more and (more.constraints or more.genres or more.people or asks_for_films(besides))
            if asked or any(moods_in(besides)):
                acts.append("request")
        elif self._requests(rest, result, state):
            acts.append("request")
        result.acts = list(dict.fromkeys(acts)) or ["request"]
        result.intent = self._intent(text, result)
        if "question" not in result.acts and reading.titles:
            result.item_id = reading.titles[-1][0].item_id  # the film named last is what "it" means next
        return result

    def _question(self, text: str, state: DialogueState, whole: Reading, result: Understanding) -> str:
        """Find the sentences that ask about a film (a card, or a film they name) and note what
        the last one asks; return the message without them, since a question's words are no wish
        ("is the middle one scary?" does not ask for Horror; "isn't it like 3 hours?" sets no
        limit). "spinal tap is a mockumentary? whats it about": both ask about Spinal Tap."""
        titles = {i: self.catalog.get(i, {}).get("title", "") for i in {*state.shown_ids, *state.liked_ids}}
        rest = text
        for start, sentence in sentences(text):
            end = start + len(sentence)
            named = [m for m, _ in whole.titles if start <= m.start < end]
            asked = sentence
            for m in reversed(named):  # "is chocolat a romance?" asks what "is it a romance?" asks
                asked = asked[: m.start - start] + "it" + asked[m.end - start :]
            kind = question_kind(asked)
            if kind is None:
                continue
            focus = result.item_id or state.focus_id
            ref = card_reference(sentence, state.last_shown, state.shown_ids, focus, titles)
            if ref is None and not named:
                ref = card_reference(text, state.last_shown, state.shown_ids, focus, titles)
            target = ref.item_id if ref and ref.how != "pronoun" else (named[-1].item_id if named else None)
            target = target or (ref.item_id if ref else None)
            if target is None:
                continue
            result.item_id, result.question = target, kind
            rest = rest[:start] + " " * len(sentence) + rest[end:]
        if result.item_id is None:
            return text
        state.focus_id = result.item_id
        for mention, verdict in whole.titles:  # the film asked about is no taste, unless a verdict says so
            a, b = mention.start, mention.end
            around = rest[max(0, a - 40) : b + 40]
            if mention.item_id == result.item_id and verdict == "liked" and not VERDICT.search(around):
                rest = rest[:a] + " " * (b - a) + rest[b:]
        parts = re.split(r"([^.!?;]+[.!?;]*)", rest)
        rest = "".join(" " * len(t) if IMPRESSION.search(t) and not asks_for_films(t) else t for t in parts)
        for mention, _ in whole.titles:  # named, so seen or asked about: not recommended back
            if not rest[mention.start : mention.end].strip():
                state.mention(mention.item_id)
        return rest

    def _cards(self, text: str, state: DialogueState, result: Understanding, named: bool) -> None:
        """Verdicts on the last cards: "seen those", "not that one", "loved the first one"."""
        if not text.strip() or not (state.last_shown or state.focus_id):
            return
        if split := one_and_the_others(text, state.last_shown):
            one, about_one, others, about_others = split
            for ids, words in (([one], about_one), (others, about_others)):
                if said := card_feedback(words, CardReference(ids[0], -1, -1, "position")):
                    for item_id in ids:
                        self._card_verdict(state, item_id, said, result)
            return
        together = all_cards(text, state.last_shown)
        if together:
            at = next((s for _, s in sentences(text) if ALL_SEEN.search(s) or ALL_CARDS.search(s)), text)
            said = card_feedback(at, CardReference(together[0], -1, -1, "position"))
            said = "seen" if ALL_SEEN.search(text) and said != "disliked" else said
            for item_id in together:
                if said:
                    self._card_verdict(state, item_id, said, result)
            return
        titles = {i: self.catalog.get(i, {}).get("title", "") for i in {*state.shown_ids, *state.liked_ids}}
        ref = card_reference(text, state.last_shown, state.shown_ids, state.focus_id, titles)
        if ref is None or (ref.start < 0 and named):  # "hated the incredible hulk" is no Incredibles
            return
        verdict = card_feedback(text, ref)
        item_id = ref.item_id
        if verdict and ref.how == "pronoun" and item_id in state.liked_ids and state.last_shown:
            item_id = state.last_shown[0]  # "not that one" after "I loved Heat" + cards: the card
        if verdict:
            self._card_verdict(state, item_id, verdict, result)

    def _titles(self, text: str, reading: Reading, state: DialogueState, result: Understanding) -> None:
        """Films named with a verdict are feedback; a liked film inside a sentence that asks for
        films is the seed of the request ("i loved heat, what else?"), or, with cards on the table,
        a reaction ("easy a is sooo good. more with emma stone?")."""
        done = {i for i, _ in result.feedback}
        for start, sentence in sentences(text):
            end = start + len(sentence)
            for mention, verdict in reading.titles:
                if not start <= mention.start < end:
                    continue
                seen = bool(SEEN.search(sentence)) and not UNSEEN.search(sentence)
                if seen and mention.item_id not in result.seen:
                    result.seen.append(mention.item_id)
                if mention.item_id in done:
                    continue
                reaction = verdict == "liked" and mention.item_id in state.shown_ids
                if verdict in ("disliked", "seen") or seen or reaction:
                    result.feedback.append((mention.item_id, "seen" if verdict == "seen" else verdict))
                    done.add(mention.item_id)

    # -- parts of a reading -------------------------------------------------------------------
    def _card_verdict(self, state: DialogueState, item_id: str, said: str, result: Understanding) -> None:
        label = self.catalog.label(item_id)
        if said == "liked":
            state.like(item_id)
            result.liked_ref = item_id
            result.changes.append(f"noted you liked {label}")
        elif said == "disliked":
            state.dislike(item_id)
            result.changes.append(f"dropped {label}")
        else:
            state.mention(item_id)
            result.changes.append(f"noted you have seen {label}")
        result.feedback.append((item_id, said))
        if said == "seen":
            result.seen.append(item_id)

    def _choice(self, text: str, people: list[str], reading: Reading) -> bool:
        """Whether "or" joins two wished genres or people ("hanks or streep"; "a crime drama, 80s or
        90s" is none), or the genres form a list (``Reading.genres_listed``): in ReDial, 16 % of
        what recommenders picked after 'action and comedy' is both."""
        if reading.genres_listed:
            return True
        names = {w.casefold() for p in people for w in p.split()}
        for match in EITHER.finditer(text):
            for word in (match.group(1), match.group(2)):
                if self.vocabulary.genre(word) or word.casefold() in names:
                    return True
        return bool(re.search(r"\beither\b|\bwhichever\b|\bany of\b", text, re.I))

    def _apply(self, text: str, reading: Reading, state: DialogueState, result: Understanding) -> None:
        """The reading into the state, with the request of the moment made hard."""
        before = state.constraints.model_copy()
        if OTHER_THAN_THEM.search(text):  # "all spielberg lol. anything not by him?"
            reading.people = [(p, "disliked") for p, _ in reading.people]
        result.liked_ref = (
            apply_reading(reading, state, result.changes, self.catalog.label) or result.liked_ref
        )
        wished_genres = [g for g, said in reading.genres if said != "disliked"]
        wished_people = [p for p, said in reading.people if said != "disliked"]
        reacted = {i for i, _ in result.feedback}
        liked = [m.item_id for m, said in reading.titles if said == "liked" and m.item_id not in reacted]
        result.wish = Wish(wished_genres, wished_people, list(reading.topics), liked)
        if result.wish:
            # a new request replaces the last one's genres and people (topic shift); decades and
            # runtimes stay until changed, like any limit the person set
            state.likes.genres[:] = [g for g in state.likes.genres if g in wished_genres]
            state.likes.topics[:] = [t for t in state.likes.topics if t in reading.topics]
            state.likes.people[:] = [p for p in state.likes.people if p in wished_people]
            # what is said together holds for every card; a choice ("hanks or streep", "horror or
            # comedy, either is fine") steers instead (the agent relaxes a wish nothing meets)
            choice = len(wished_genres) + len(wished_people) > 1 and self._choice(
                text, wished_people, reading
            )
            state.constrain(genres=[] if choice else wished_genres, people=[] if choice else wished_people)
        if (
            result.liked_ref
            and re.search(r"\bshorter\b", text, re.I)
            and "max_runtime" not in reading.constraints
        ):
            runtime = self.catalog.get(result.liked_ref, {}).get("runtime")
            if isinstance(runtime, int):
                state.constrain(max_runtime=int(runtime * 0.85))
        wished, avoided = moods_in(text)
        if wished or avoided:
            state.like_attributes(moods=wished)
            state.dislike_attributes(moods=avoided)
            result.moods, result.avoided_moods = wished, avoided
            result.changes.append("noted the mood")
        result.missing = missing_films(text, reading, self.reader, self.titles)
        after = state.constraints.model_dump()
        result.constraints = {k: v for k, v in after.items() if before.model_dump()[k] != v}
        result.changes[:] = list(dict.fromkeys(result.changes))

    @staticmethod
    def _requests(text: str, result: Understanding, state: DialogueState, *, strict: bool = False) -> bool:
        """Whether the message (without its question) asks for cards: a wish, a limit, a mood, a
        film the catalog lacks, or the words of a request outside a sentence of pure feedback."""
        if not text.strip():
            return False
        wish = result.wish.genres or result.wish.people or result.wish.liked or result.constraints
        if not strict and (wish or (result.wish.topics and not result.feedback)):
            return True
        if not strict and (result.moods or result.avoided_moods):
            return True
        if not strict and result.missing:
            return True
        asking = [s for _, s in sentences(text) if asks_for_films(s) and not is_chitchat(s)]
        if strict or result.feedback or result.question:
            return bool(asking)
        said = [s for _, s in sentences(text) if s.strip() and not is_chitchat(s)]
        return not (said and all(CHOSEN.search(s) for s in said))  # "the middle one it is"

    def _intent(self, text: str, result: Understanding) -> Intent:
        if "question" in result.acts and "request" not in result.acts:
            return "why" if result.question == "why" else "question"
        if "request" in result.acts or "correction" in result.acts:
            if not result.changes and not result.constraints and MORE.match(text):
                return "more"
            if not result.changes and not result.missing and self.reader.unclear(text):
                return "unclear"
            return "request"
        # chit-chat and no verdict ("ok ty, gonna watch the second one tonight. bye!"): no new cards
        return "feedback" if result.feedback else "thanks"


def _without(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with the spans ``pattern`` matches blanked (same length)."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _without_titles(reading: Reading, text: str, said: set[str]) -> Reading:
    """``reading`` without the titles whose words are among ``said`` (a link's text)."""
    if said:
        reading.titles = [
            t for t in reading.titles if text[t[0].start : t[0].end].strip().casefold() not in said
        ]
    return reading
