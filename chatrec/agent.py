"""ChatRec: the library API every front end sits on. One turn = understand -> retrieve ->
rerank -> respond, streamed as typed events (see ``chatrec.events``).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict, replace
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from pydantic import ValidationError

from chatrec import inputs
from chatrec.catalog import Catalog
from chatrec.catalog.bounds import catalog_names, checked_constraints
from chatrec.catalog.synopses import Synopses
from chatrec.catalog.wording import Wording, wording_for
from chatrec.config import Settings
from chatrec.dialogue.preferences import describe_constraints
from chatrec.dialogue.state import DialogueState
from chatrec.errors import InputError, UnknownSession
from chatrec.events import Done, Draft, Event, Reason, Recommendation, Recommendations, Reply
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.conversation import conversation_text
from chatrec.retrieval.retriever import Retriever
from chatrec.sessions import SessionStore, StoredMessage
from chatrec.store.chroma import Hit
from chatrec.understanding.understand import Understander, Understanding
from chatrec.writing.answers import answer
from chatrec.writing.evidence import Evidencer
from chatrec.writing.opening import impossible, opening, unchecked
from chatrec.writing.phrasing import ReplyReasons, phrase_reply, template
from chatrec.writing.prompts import reply
from chatrec.writing.respond import Check, LLMUnavailable, Responder, Unusable

DEFAULT = object()


RECENT_USER_MESSAGES = 3
DIALOGUE_MESSAGES = 12  # of the history the conversation retriever reads (its 128 tokens hold fewer)
WARM_UP_SECONDS = 120  # loading the LLM from a cold disk took 20 s here: no turn deadline for that


class ChatRec:
    """A conversational recommender over one catalog, with sessions.

    >>> bot = ChatRec.from_settings()
    >>> session = bot.new_session()
    >>> bot.chat("I loved Heat. Something similar, but under two hours", session).recommendations
    """

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        pipeline: RankingPipeline,
        responder: Responder,
        understander: Understander,
        sessions: SessionStore,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.pipeline = pipeline
        self.responder = responder
        self.understander = understander
        self.sessions = sessions
        together = pipeline.hybrid.collaborative.interactions.pairs if pipeline.hybrid else None
        self.wording: Wording = wording_for(retriever.catalog, settings.item_kind, settings.role_words)
        self.synopses = Synopses.load()
        self.evidencer = Evidencer(
            retriever.catalog, together=together, wording=self.wording, synopses=self.synopses
        )
        # held only while a turn uses it: 10,000 sessions leave no 10,000 locks behind
        self._locks: weakref.WeakValueDictionary[str, _TurnLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, llm: Any = DEFAULT) -> ChatRec:
        """Build everything from settings; ``llm`` may be a LangChain chat model, or None for
        replies built from catalog facts only."""
        from chatrec.llm.backends import build_chat_model

        settings = settings or Settings()
        retriever = Retriever.from_settings(settings)
        retriever.store.require_items()
        understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
        model: BaseChatModel | None = build_chat_model(settings) if llm is DEFAULT else llm
        responder = Responder.from_settings(model, Check(understander), settings)
        return cls(
            settings,
            retriever,
            RankingPipeline.from_settings(retriever, settings),
            responder,
            understander,
            SessionStore.from_settings(settings),
        )

    # -- public API -------------------------------------------------------------------------
    def new_session(self, user: str | None = None) -> str:
        """Start a conversation; returns its token, the only way back to it. ``user`` (the
        logged-in name, if any) binds it: no one else can use the token."""
        return self.sessions.create(_owner(user))

    def chat(self, message: object, session_id: str | None = None, *, user: str | None = None) -> Reply:
        """One whole turn; the same events as ``stream`` gathered into a Reply."""
        for event in self.stream(message, session_id, user=user):
            if isinstance(event, Done):
                return event.reply
        raise RuntimeError("a turn ended without a reply")  # pragma: no cover

    def stream(
        self, message: object, session_id: str | None = None, *, user: str | None = None
    ) -> Iterator[Event]:
        """One turn as events: notices, recommendations (before any text), text, reasons, done.

        ``session_id`` is a token from :meth:`new_session`; None starts a new session, whose token
        the reply carries. A token this store did not issue to ``user`` raises UnknownSession.
        """
        text = inputs.text(message, "message")
        if session_id is None:
            session_id = self.new_session(user)
        key = self._open(session_id, user)
        with self._lock(key), self.responder.serving():
            yield from self._turn(text, key, session_id)

    def feedback(
        self, session_id: str, item_id: str, *, liked: bool, user: str | None = None
    ) -> DialogueState:
        """👍 / 👎 on an item; a disliked item never comes back in this session. An id the catalog
        does not hold is an InputError (it would otherwise look noted, and be nothing)."""
        item_id, liked = inputs.text(item_id, "item_id"), inputs.flag(liked, "liked")
        key = self._open(session_id, user)
        if item_id not in self.retriever.catalog:
            raise InputError(f"item_id {item_id[:60]!r} is not in the catalog; nothing was noted")
        with self._lock(key):
            state, _ = self.sessions.load(key)
            state.like(item_id) if liked else state.dislike(item_id)
            self.sessions.save_state(key, state)
            return state

    def owns(self, session_id: object, *, user: str | None = None) -> bool:
        """Whether ``session_id`` is a token this store issued to ``user`` (nothing is read)."""
        try:
            self._open(session_id, user)
        except (UnknownSession, InputError):
            return False
        return True

    def state(self, session_id: str, *, user: str | None = None) -> DialogueState:
        return self.sessions.load(self._open(session_id, user))[0]

    @property
    def catalog(self) -> Catalog:
        """The catalog the agent recommends from (typed item access for front ends)."""
        return self.retriever.catalog

    def remove_preference(
        self, session_id: str, kind: str, value: str, *, user: str | None = None
    ) -> DialogueState:
        """Remove one like, dislike or constraint (the UI's remove buttons)."""
        kind, value = inputs.text(kind, "kind"), inputs.text(value, "value")
        key = self._open(session_id, user)
        with self._lock(key):
            state, _ = self.sessions.load(key)
            if state.remove(kind, value):
                self.sessions.save_state(key, state)
            return state

    def constrain(self, session_id: str, *, user: str | None = None, **constraints: Any) -> DialogueState:
        """Set hard constraints directly (the UI's filter controls); values out of range or names
        the catalog does not have raise InputError, and nothing changes."""
        changes = catalog_names(
            checked_constraints(constraints), self.retriever.canonical, self.retriever.vocabulary
        )
        key = self._open(session_id, user)
        with self._lock(key):
            state, _ = self.sessions.load(key)
            try:
                state.constrain(**changes)
            except ValidationError as exc:
                raise InputError("; ".join(e["msg"] for e in exc.errors())) from None
            self.sessions.save_state(key, state)
            return state

    def history(self, session_id: str, *, user: str | None = None) -> list[StoredMessage]:
        return self.sessions.history(self._open(session_id, user))

    def reset(self, session_id: str, *, user: str | None = None) -> None:
        """Start this session over (the same token); only its owner can."""
        key = self._open(session_id, user)
        with self._lock(key):
            self.sessions.reset(key)

    def warm_up(self) -> None:
        """Load what loads lazily (the vector index, the reranker, the LLM) before a user waits:
        one ranking and one reason, in no session."""
        self.evidencer.credits.warm(films=self.pipeline.hybrid is not None)
        self.understander.read("loved heat, more nolan pls", DialogueState())  # the reader's lazy indexes
        state = DialogueState()
        for hit in self.pipeline.rank(state, "a film to watch tonight", 1):
            deadline = time.monotonic() + max(self.settings.llm_timeout, WARM_UP_SECONDS)
            with self.responder.turn() as free, suppress(Unusable, LLMUnavailable):
                if free:
                    self.responder.reason("a film", self.evidencer.evidence(hit.item, state), deadline)

    # -- one turn ---------------------------------------------------------------------------
    def _open(self, session_id: object, user: str | None) -> str:
        return self.sessions.open(session_id, _owner(user))

    @contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        """One turn at a time per session: this process's threads queue here, other processes
        and app instances at the store."""
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = _TurnLock()
        with lock.lock, self.sessions.locked(key):
            yield

    def _turn(self, text: str, key: str, token: str) -> Iterator[Event]:
        draft = Draft()
        limit = self.settings.max_message_chars
        if len(text) > limit:  # the request often comes last ("... so nothing too long please")
            text = f"{text[: limit // 2]} … {text[-(limit // 2) :]}"
            yield draft.notice(reply("truncated", half=limit // 2))
        state, was_reset = self.sessions.load(key)
        if was_reset:
            yield draft.notice(reply("state_reset"))
        understanding = self.understander.read(text, state)
        if understanding.intent in ("empty", "greeting", "thanks"):
            yield draft.say(reply(understanding.intent, noun=self.wording.noun))
        if "question" in understanding.acts and understanding.item_id:
            asked = (understanding.item_id, understanding.question)
            credits = self.evidencer.credits
            yield draft.say(answer(self.catalog, *asked, state, credits, self.synopses) + "\n\n")
        asks = (
            understanding.wish or understanding.constraints or understanding.moods or understanding.feedback
        )
        if understanding.foreign:  # "quiero una película de miedo": one line, no picks that pretend
            yield draft.say(reply("foreign", noun=self.wording.noun))
        elif understanding.impossible and not asks:  # "films between 1850 and 1860": said, not ranked
            yield draft.say(impossible(understanding, self.understander.years))
        elif understanding.intent not in ("empty", "greeting", "thanks", "why", "question"):
            query, dialogue = self._query(text, key, understanding), self._dialogue(text, key)
            hits = self.pipeline.rank(state, query, self.settings.k, dialogue)
            relaxed = None if hits else _relaxed(state, understanding)
            if relaxed:  # "action, comedy, horror, romance and westerns": no film is all five
                state = relaxed
                hits = self.pipeline.rank(state, query, self.settings.k, dialogue)
            if hits:
                years = self.understander.years
                if relaxed:
                    first = reply("relaxed")
                elif understanding.intent == "unclear":
                    first = reply("unclear", noun=self.wording.noun)
                else:
                    judged = any(h.item.id in self.pipeline.moods for h in hits)
                    first = opening(
                        understanding, state, self.retriever.catalog, years, self.wording.plural, judged
                    )
                if len(hits) < self.settings.k:
                    first = reply("only_some", count=len(hits), plural=self.wording.plural) + " " + first
                yield from self._respond(
                    text, state, hits, draft, f"{first} {self._unchecked(state)}".strip()
                )
            else:
                nothing = reply("nothing", constraints=describe_constraints(state.constraints) or "none")
                yield draft.say(f"{nothing} {self._unchecked(state)}".strip())
        if understanding.intent not in ("why", "question") and understanding.item_id:
            state.focus_id = understanding.item_id  # the film this message named stays "it"
        full = "".join(draft.parts).strip()
        if text.strip():  # a blank message changes nothing, and a new session stays unstored
            shown = [asdict(r) for r in draft.recommendations]
            self.sessions.save_turn(key, state, text, full, shown, draft.notices)
        yield Done(
            Reply(
                full,
                draft.recommendations,
                state,
                understanding.intent,
                draft.notices,
                token,
                acts=list(understanding.acts),
            )
        )

    def _unchecked(self, state: DialogueState) -> str:
        """How many films a runtime or rating limit could not check (their value is unknown)."""
        counts = self.retriever.unchecked(state.constraints)
        return unchecked(counts, self.wording.noun, self.wording.plural) if counts else ""

    def _query(self, text: str, key: str, understanding: Understanding) -> str:
        """What retrieval reads: this message alone when it makes a request of its own (the request
        of the moment governs), else the last few messages (a "more please" means the last ask)."""
        if understanding.wish or understanding.constraints:
            return text
        recent = [m.text for m in self.sessions.history(key) if m.role == "user"]
        return " ".join([*recent[-(RECENT_USER_MESSAGES - 1) :], text])

    def _dialogue(self, text: str, key: str) -> str:
        """The conversation as the conversation retriever reads it: the user's messages and, for
        our replies, the films they showed (as a ReDial recommender names them), newest first."""
        said = [
            ("user", m.text)
            if m.role == "user"
            else ("assistant", ", ".join(_label(r) for r in m.recommendations) or m.text)
            for m in self.sessions.history(key)[-DIALOGUE_MESSAGES:]
        ]
        return conversation_text([*said, ("user", text)])

    def _respond(
        self, text: str, state: DialogueState, hits: list[Hit], draft: Draft, first: str
    ) -> Iterator[Event]:
        """Recommendations at once (with catalog reasons), then the text as it is written."""
        evidences = [self.evidencer.evidence(h.item, state) for h in hits]
        phrase_reply(evidences, state.frames)  # a plain sentence per item, no two of one template
        items = [
            Recommendation.from_hit(h, ev.plain(), ev.credit()) for h, ev in zip(hits, evidences, strict=True)
        ]
        yield Recommendations(items)
        if not self.settings.llm_intro:  # true by construction: no need to wait for the LLM
            yield draft.say(first)
        asks_llm = self.settings.llm_intro or self.settings.llm_reasons
        # busy with other sessions: catalog reasons now; no LLM asked for: no slot taken or waited for
        with self.responder.turn() if asks_llm else nullcontext(False) as working:
            deadline = time.monotonic() + self.settings.llm_timeout
            intro_said = False
            if working and self.settings.llm_intro:
                try:
                    for sentence in self.responder.intro(text, state, evidences, deadline):
                        intro_said = True
                        yield draft.say(sentence)
                except Unusable:
                    pass
                except LLMUnavailable:
                    working = False
            if self.settings.llm_intro and not intro_said:
                yield draft.say(first)
            phrase = working and self.settings.llm_reasons
            writer = ReplyReasons(self.responder, text, deadline, phrase, state.frames)
            for n, (item, ev) in enumerate(zip(items, evidences, strict=True)):
                said = writer.reason(ev, n)  # no two reasons of a reply share a template
                draft.recommendations.append(replace(item, reason=said.text, credit=ev.credit()))
                yield Reason(item.item_id, said.text, said.draft, said.problems)
                yield draft.say(f"\n\n**{item.label}** — {said.text}")
            if any(r.credit for r in draft.recommendations):
                yield draft.say("\n\n" + reply("plot_credit"))
            if self.settings.llm_reasons and not writer.working:
                yield draft.notice(reply("llm_fallback"))
        shown = draft.recommendations
        frames = [template(r.reason, ev) for r, ev in zip(shown, evidences, strict=True)]
        state.record_shown([r.item_id for r in shown], {r.item_id: r.reason for r in shown}, frames)


def _relaxed(state: DialogueState, understanding: Understanding) -> DialogueState | None:
    """The state with this turn's wished genres and people as tastes, not requirements, when it
    made any requirement; None otherwise."""
    c = state.constraints
    wish = understanding.wish
    if not (set(wish.genres) & set(c.genres) or set(wish.people) & set(c.people)):
        return None
    relaxed = state.model_copy(deep=True)
    relaxed.constrain(
        genres=[g for g in c.genres if g not in wish.genres],
        people=[p for p in c.people if p not in wish.people],
    )
    return relaxed


class _TurnLock:
    """One session's in-process turn lock; weakly kept, so it lives as long as a turn holds it."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


def _owner(user: str | None) -> str:
    """Who a session belongs to: the logged-in user, or "" when there is no login."""
    return "" if user is None else inputs.text(user, "user")


def _label(shown: dict[str, Any]) -> str:
    """A stored recommendation as a ReDial message names a film: "Title (Year)"."""
    year = shown.get("year")
    return f"{shown.get('title', '')} ({year})" if year else str(shown.get("title", ""))
