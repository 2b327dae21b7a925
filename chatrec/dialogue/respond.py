"""The reply: the LLM phrases an introduction and one reason per chosen item; we check every
sentence against the catalog and fall back to sentences built from evidence.

The LLM never chooses items. A sentence naming a film or person outside the allowed set, or
echoing the instructions, is dropped (intro) or replaced by the evidence sentence (reason). Any LLM
error, timeout or unusable output leaves a reply that still carries every recommendation.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from chatrec.catalog import Catalog, list_field
from chatrec.config import Settings
from chatrec.dialogue.evidence import Evidence
from chatrec.dialogue.markup import strip_markup
from chatrec.dialogue.preferences import describe_constraints
from chatrec.dialogue.prompts import prompt, reply
from chatrec.dialogue.state import DialogueState
from chatrec.dialogue.understand import Understander

log = logging.getLogger(__name__)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Talk about the task instead of the films: a small model's most common failure.
META = re.compile(r"\b(user|instructions?|introduction|prompt|assistant|as an ai|language model)\b", re.I)
NAME = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:(?:of|the|and|de|van|von|la|le|du)\s+)*[A-Z][\w'’.-]+)+")
MAX_REQUEST_CHARS = 300
MAX_REASON_WORDS = 45
MIN_WORDS = 5  # "Another 48 Hrs." alone is no reason


class LLMUnavailable(Exception):
    """The LLM failed or timed out: no further calls this turn."""


class Unusable(Exception):
    """The LLM answered, but the text failed the checks: use the evidence sentence for this item
    and keep asking the LLM for the next one. Not an :class:`LLMUnavailable`, so no ``except``
    order can turn one bad sentence into "the LLM is down for this turn"."""


@dataclass
class Check:
    """Grounding checks for LLM text, against one catalog."""

    understander: Understander

    def __post_init__(self) -> None:
        system = " ".join(prompt(n) for n in ("intro.system", "reason.system")).casefold()
        words = re.findall(r"\w+", system)
        self._shingles = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}

    def leaks_prompt(self, text: str) -> bool:
        words = re.findall(r"\w+", text.casefold())
        return any(" ".join(words[i : i + 6]) in self._shingles for i in range(len(words) - 5))

    def foreign_names(self, text: str, allowed: set[str]) -> list[str]:
        """Catalog people and titles in ``text`` that are not in ``allowed``."""
        allowed_folded = {a.casefold() for a in allowed}
        people = [
            p for p in self.understander.vocabulary.read(text).people if p.casefold() not in allowed_folded
        ]
        catalog = self.understander.catalog
        titles = [
            str(catalog[i].get("title"))
            for i, _ in self.understander.find_titles(text, fuzzy=False)
            if str(catalog[i].get("title")).casefold() not in allowed_folded
        ]
        return people + titles

    @staticmethod
    def unknown_proper_names(text: str, allowed: set[str]) -> list[str]:
        """Runs of capitalised words that are no allowed name, nor inside one (a misspelt
        "Robert DeNiro" is caught here, since no catalog lookup finds it)."""
        folded = [a.casefold() for a in allowed]
        found = []
        for match in NAME.finditer(text):
            name = match.group(0).casefold()
            if not any(name in a or a in name for a in folded):
                found.append(match.group(0))
        return found

    def foreign_topics(self, text: str, topics: set[str]) -> list[str]:
        """Plot topics ``text`` claims ("a submarine thriller") that are not among ``topics``."""
        return [t for t in self.understander.vocabulary.read(text).topics if t not in topics]

    def acceptable(self, sentence: str, allowed: set[str]) -> bool:
        return (
            len(sentence.split()) >= MIN_WORDS
            and not META.search(sentence)
            and not self.leaks_prompt(sentence)
            and not self.foreign_names(sentence, allowed)
            and not self.unknown_proper_names(sentence, allowed)
        )


class Responder:
    """Writes the reply text for chosen items; ``model`` None means catalog sentences only.

    The LLM is shared by every session, and the embedded one writes for one prompt at a time: a
    turn takes one of its ``slots`` for all its writing (:meth:`turn`), waiting at most ``wait``
    seconds. A turn that finds it busy uses catalog sentences at once rather than queue behind
    other people's generations.
    """

    def __init__(
        self, model: BaseChatModel | None, check: Check, *, timeout: float, slots: int = 1, wait: float = 0.5
    ) -> None:
        self.model = model
        self.check = check
        self.timeout = timeout
        self.wait = wait
        self._slots = threading.BoundedSemaphore(slots)

    @classmethod
    def from_settings(cls, model: BaseChatModel | None, check: Check, settings: Settings) -> Responder:
        timeout, slots, wait = settings.llm_timeout, settings.llm_slots, settings.llm_wait
        return cls(model, check, timeout=timeout, slots=slots, wait=wait)

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """Whether this turn may use the LLM (True) for the block's duration; False when there is
        none, or it stayed busy with other turns for ``wait`` seconds."""
        free = self.model is not None and self._slots.acquire(timeout=self.wait)
        try:
            yield free
        finally:
            if free:
                self._slots.release()

    def _stream(self, system: str, user: str, deadline: float) -> Iterator[str]:
        """The model's text as it arrives, until ``deadline`` on the wall clock.

        The model streams in a worker thread and this side waits on a queue with the time left,
        so a server that drips one token a minute cannot hold the turn past the deadline; the
        worker stops at its next token once nobody listens.
        """
        if self.model is None:
            raise LLMUnavailable("no language model configured")
        model, chunks, stop = self.model, queue.Queue[object](), threading.Event()

        def pump() -> None:
            try:
                for chunk in model.stream([SystemMessage(system), HumanMessage(user)]):
                    if stop.is_set():
                        return
                    chunks.put(chunk.content)
                chunks.put(_END)
            except Exception as exc:  # any backend failure: HTTP errors, connection, llama.cpp
                chunks.put(exc)

        threading.Thread(target=pump, name="llm-stream", daemon=True).start()
        try:
            while True:
                try:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise queue.Empty
                    item = chunks.get(timeout=left)
                except queue.Empty:
                    raise LLMUnavailable("timed out") from None
                if item is _END:
                    return
                if isinstance(item, Exception):
                    log.warning("LLM call failed: %s", type(item).__name__)
                    raise LLMUnavailable(type(item).__name__)
                if not isinstance(item, str):
                    raise Unusable("malformed output")
                yield item
        finally:
            stop.set()

    def intro(
        self, message: str, state: DialogueState, evidences: Sequence[Evidence], deadline: float
    ) -> Iterator[str]:
        """Checked sentences of the introduction, yielded as soon as each is complete."""
        films = "; ".join(e.item.label for e in evidences)
        allowed = {e.item.title for e in evidences}
        user = prompt("intro.user").format(
            message=message[:MAX_REQUEST_CHARS].replace('"', "'"),
            tastes=_tastes(state) or "not stated yet",
            constraints=describe_constraints(state.constraints) or "none",
            films=films,
        )
        buffer, sent = "", 0
        for piece in self._stream(prompt("intro.system"), user, deadline):
            buffer += piece
            *complete, buffer = SENTENCE_END.split(buffer)
            for sentence in map(strip_markup, complete):
                if sent < 2 and self.check.acceptable(sentence, allowed):
                    sent += 1
                    yield sentence.strip() + " "
        buffer = strip_markup(buffer)
        if buffer and sent < 2 and self.check.acceptable(buffer, allowed):
            yield buffer + " "

    def reason(self, request: str, ev: Evidence, deadline: float) -> str:
        """A phrased reason for one item if it passes the checks, else LLMUnavailable."""
        user = prompt("reason.user").format(
            request=request[:MAX_REQUEST_CHARS].replace('"', "'"),
            film=ev.item.label,
            facts="\n".join(f"- {f}" for f in ev.facts),
            title=ev.item.title,
        )
        text = strip_markup("".join(self._stream(prompt("reason.system"), user, deadline)))
        text = text.strip('"“” ')
        first = SENTENCE_END.split(text)[0] if text else ""
        allowed = ev.names | {ev.item.title}
        if not first or len(first.split()) > MAX_REASON_WORDS or not self.check.acceptable(first, allowed):
            raise Unusable(first[:80])
        if self.check.foreign_topics(first, set(list_field(ev.item.metadata, "topics"))):
            raise Unusable(first[:80])  # a topic is named only when the film's plot has it
        # Small models garble relations: "Heat is a tense crime film" as the reason for another film.
        others = ev.liked_titles - {ev.item.title}
        if any(first.casefold().startswith(t.casefold()) for t in others):
            raise Unusable(first[:80])
        return first


_END = object()  # the model finished


def _tastes(state: DialogueState) -> str:
    parts = [
        *state.likes.genres,
        *state.likes.people,
        *state.likes.topics,
        *(f"the {d}s" for d in state.likes.decades),
    ]
    return ", ".join(parts)


def plain_intro(state: DialogueState, catalog: Catalog) -> str:
    """An introduction built from the state alone: true by construction."""
    constraints = describe_constraints(state.constraints)
    limits = f" ({constraints})" if constraints else ""
    liked = [i for i in state.liked_ids[-2:] if i in catalog]
    if not liked:
        return reply("intro", limits=limits)
    names = " and ".join(catalog.label(i) for i in liked)
    return reply("intro_liked", liked=names, limits=limits)
