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

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from chatrec.config import Settings
from chatrec.dialogue.preferences import describe_constraints
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.markup import strip_markup
from chatrec.writing.checks import Check
from chatrec.writing.claims import Claim
from chatrec.writing.evidence import Evidence
from chatrec.writing.prompts import prompt

log = logging.getLogger(__name__)
# A sentence ends at . ! ? and a space, but not after an initial or a title: "directed by D.J.
# Caruso" cut at "D.J." left a reason naming no one (and refused as "directed by D.J.").
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Dr|Jr|Sr|St|Ms)\.)\s+")
MAX_REQUEST_CHARS = 300


class LLMUnavailable(Exception):
    """The LLM failed or timed out: no further calls this turn."""


class Unusable(Exception):
    """The LLM answered, but the text failed the checks: use the evidence sentence for this item
    and keep asking the LLM for the next one. Not an :class:`LLMUnavailable`, so no ``except``
    order can turn one bad sentence into "the LLM is down for this turn". ``sentence`` and
    ``problems`` say what was written and why it was refused (the reasons benchmark counts them)."""

    def __init__(self, sentence: str, problems: Sequence[Claim] = ()) -> None:
        super().__init__(sentence[:80])
        self.sentence = sentence
        self.problems = list(problems)


class Responder:
    """Writes the reply text for chosen items; ``model`` None means catalog sentences only.

    The LLM is shared by every session, and the embedded one writes for one prompt at a time: a
    turn takes one of its ``slots`` for all its writing (:meth:`turn`), waiting at most ``wait``
    seconds. A turn that finds it busy uses catalog sentences at once rather than queue behind
    other people's generations.
    """

    def __init__(
        self,
        model: BaseChatModel | None,
        check: Check,
        *,
        timeout: float,
        slots: int = 1,
        wait: float = 0.5,
        yields: bool = False,
    ) -> None:
        self.model = model
        self.check = check
        self.timeout = timeout
        self.wait = wait
        self.yields = yields
        self._slots = threading.BoundedSemaphore(slots)
        self._turns = 0
        self._count = threading.Lock()

    @classmethod
    def from_settings(cls, model: BaseChatModel | None, check: Check, settings: Settings) -> Responder:
        timeout, slots, wait = settings.llm_timeout, settings.llm_slots, settings.llm_wait
        # The embedded model writes on the cores that rank everyone's films: it gives way to them.
        return cls(model, check, timeout=timeout, slots=slots, wait=wait, yields=settings.llm == "local")

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count a turn in progress, from reading its message to saving it (see :attr:`crowded`)."""
        with self._count:
            self._turns += 1
        try:
            yield
        finally:
            with self._count:
                self._turns -= 1

    @property
    def crowded(self) -> bool:
        """Other turns are in progress and the LLM runs on their cores: a turn that would write
        with it shows catalog reasons instead (with the notice), so their films are not held up
        behind sentences; on an idle machine every turn gets the LLM."""
        return self.yields and self._turns > 1

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """Whether this turn may use the LLM (True) for the block's duration; False when there is
        none, or it stayed busy with other turns for ``wait`` seconds."""
        free = self.model is not None and not self.crowded and self._slots.acquire(timeout=self.wait)
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
                if self.crowded:
                    raise LLMUnavailable("giving way to other turns")
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
        """A phrased reason for one item if it passes every check, else :class:`Unusable`."""
        system, user = reason_prompts(request, ev)
        text = ""
        for piece in self._stream(system, user, deadline):
            text += piece
            if SENTENCE_END.search(text.strip()):
                break  # only the first sentence is shown: stop paying for the rest
        text = " ".join(strip_markup(text).split()).strip('"“” ')
        first = SENTENCE_END.split(text)[0] if text else ""
        problems = self.check.reason_problems(first, ev)
        if problems:
            raise Unusable(first, problems)
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


def reason_prompts(request: str, ev: Evidence) -> tuple[str, str]:
    """The system and user prompts that ask for one item's reason (benchmarks time them alone)."""
    user = prompt("reason.user").format(
        request=request[:MAX_REQUEST_CHARS].replace('"', "'"),
        film=ev.item.label,
        noun_title=ev.wording.noun.capitalize(),
        facts="\n".join(f"- {f}" for f in ev.lines),
        title=ev.item.title,
    )
    return prompt("reason.system").format(noun=ev.wording.noun), user
