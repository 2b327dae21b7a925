"""ChatRec: the library API every front end sits on. One turn = understand -> retrieve ->
rerank -> respond, streamed as typed events (see ``chatrec.events``).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from chatrec.config import Settings
from chatrec.errors import StoreError
from chatrec.events import Done, Event, Notice, Reason, Recommendation, Recommendations, Reply, TextDelta
from chatrec.evidence import evidence
from chatrec.prompts import reply
from chatrec.ranking import RankingPipeline
from chatrec.respond import Check, LLMUnavailable, Responder, Unusable, describe_constraints, plain_intro
from chatrec.retrieval import Retriever
from chatrec.sessions import SessionStore
from chatrec.state import DialogueState
from chatrec.understand import Understander

DEFAULT = object()
RECENT_USER_MESSAGES = 3


class ChatRec:
    """A conversational recommender over one catalog, with sessions.

    >>> bot = ChatRec.from_settings()
    >>> bot.chat("I loved Heat. Something similar, but under two hours", session_id="alice").recommendations
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
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, llm: Any = DEFAULT) -> ChatRec:
        """Build everything from settings; ``llm`` may be a LangChain chat model, or None for
        replies built from catalog facts only."""
        from chatrec.llm import build_chat_model

        settings = settings or Settings()
        retriever = Retriever.from_settings(settings)
        if retriever.store.count() == 0:
            raise StoreError("the catalog store is empty: run `chatrec ingest` first")
        understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
        model: BaseChatModel | None = build_chat_model(settings) if llm is DEFAULT else llm
        responder = Responder(model, Check(understander), timeout=settings.llm_timeout)
        return cls(
            settings,
            retriever,
            RankingPipeline(retriever),
            responder,
            understander,
            SessionStore(settings.sessions_file),
        )

    # -- public API -------------------------------------------------------------------------
    def chat(self, message: object, session_id: str = "default") -> Reply:
        """One whole turn; the same events as ``stream`` gathered into a Reply."""
        for event in self.stream(message, session_id=session_id):
            if isinstance(event, Done):
                return event.reply
        raise RuntimeError("a turn ended without a reply")  # pragma: no cover

    def stream(self, message: object, session_id: str = "default") -> Iterator[Event]:
        """One turn as events: notices, recommendations (before any text), text, reasons, done."""
        with self._lock(session_id):
            yield from self._turn(message, session_id)

    def feedback(self, session_id: str, item_id: str, *, liked: bool) -> DialogueState:
        """👍 / 👎 on an item; a disliked item never comes back in this session."""
        with self._lock(session_id):
            state = self.sessions.state(session_id)
            if item_id in self.retriever.catalog:
                state.like(item_id) if liked else state.dislike(item_id)
                self.sessions.save_state(session_id, state)
            return state

    def state(self, session_id: str) -> DialogueState:
        return self.sessions.state(session_id)

    def update_state(self, session_id: str, kind: str, value: str) -> DialogueState:
        """Remove one like, dislike or constraint (the UI's remove buttons)."""
        with self._lock(session_id):
            state = self.sessions.state(session_id)
            if state.remove(kind, value):
                self.sessions.save_state(session_id, state)
            return state

    def constrain(self, session_id: str, **constraints: Any) -> DialogueState:
        """Set hard constraints directly (the UI's filter controls)."""
        with self._lock(session_id):
            state = self.sessions.state(session_id)
            state.constrain(**constraints)
            self.sessions.save_state(session_id, state)
            return state

    def history(self, session_id: str) -> list[Any]:
        return self.sessions.history(session_id)

    def reset(self, session_id: str) -> None:
        with self._lock(session_id):
            self.sessions.reset(session_id)

    # -- one turn ---------------------------------------------------------------------------
    def _lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks[session_id]

    def _turn(self, message: object, session_id: str) -> Iterator[Event]:
        text = "" if message is None else str(message).replace("\x00", "")
        notices = []
        limit = self.settings.max_message_chars
        if len(text) > limit:
            text = text[:limit]
            notices.append(reply("truncated", limit=limit))
            yield Notice(notices[-1])
        state = self.sessions.state(session_id)
        understanding = self.understander.read(text, state)
        recommendations: list[Recommendation] = []
        parts: list[str] = []
        if understanding.intent in ("empty", "greeting", "thanks"):
            parts.append(reply(understanding.intent))
        elif understanding.intent in ("why", "question") and understanding.item_id:
            parts.append(self._answer(understanding.item_id, understanding.question, state))
        else:
            recent = [m.text for m in self.sessions.history(session_id) if m.role == "user"]
            query = " ".join([*recent[-(RECENT_USER_MESSAGES - 1) :], text])
            hits = self.pipeline.rank(state, query, self.settings.k)
            if not hits:
                parts.append(reply("nothing", constraints=describe_constraints(state)))
            else:
                for event in self._respond(text, state, hits, parts, notices):
                    if isinstance(event, Recommendations):
                        recommendations = event.items
                    yield event
        for part in parts if not recommendations else []:
            yield TextDelta(part)
        full = "".join(parts).strip()
        done = Reply(full, recommendations, state, understanding.intent, notices)
        self.sessions.save_state(session_id, state)
        if text.strip():
            self.sessions.append(session_id, "user", text)
            self.sessions.append(session_id, "assistant", full, [r.__dict__ for r in recommendations])
        yield Done(done)

    def _respond(self, text, state, hits, parts, notices) -> Iterator[Event]:  # type: ignore[no-untyped-def]
        evidences = [evidence(h.item, state, self.retriever.catalog) for h in hits]
        items = [Recommendation.from_hit(h, ev.plain()) for h, ev in zip(hits, evidences, strict=True)]
        yield Recommendations(items)
        deadline = time.monotonic() + self.settings.llm_timeout
        working = True
        if self.settings.llm_intro:
            try:
                for sentence in self.responder.intro(text, state, evidences, deadline):
                    parts.append(sentence)
                    yield TextDelta(sentence)
            except Unusable:
                pass
            except LLMUnavailable:
                working = False
        if not parts:
            parts.append(plain_intro(state, self.retriever.catalog))
            yield TextDelta(parts[-1])
        final = []
        for item, ev in zip(items, evidences, strict=True):
            reason = item.reason
            if working:
                try:
                    reason = self.responder.reason(text, ev, deadline)
                except Unusable:
                    pass
                except LLMUnavailable:
                    working = False
            final.append(Recommendation(**{**item.__dict__, "reason": reason}))
            yield Reason(item.item_id, reason)
            parts.append(f"\n\n**{item.label}** — {reason}")
            yield TextDelta(parts[-1])
        if not working:
            notices.append(reply("llm_fallback"))
            yield Notice(notices[-1])
        items[:] = final
        state.record_shown([i.item_id for i in final], {i.item_id: i.reason for i in final})

    def _answer(self, item_id: str, question: str | None, state: DialogueState) -> str:
        meta = self.retriever.catalog.get(item_id, {})
        film = (
            f"{meta.get('title')} ({meta['year']})" if meta.get("year") else str(meta.get("title", item_id))
        )
        if question is None:
            reason = state.reasons.get(item_id)
            if reason is None:
                return reply("why_unknown", film=film)
            return reply("why", film=film, reason=reason)
        value = meta.get(question)
        if not value:
            what = {"runtime": "the running time", "directors": "the director", "cast": "the cast"}.get(
                question, question
            )
            return reply("unknown_fact", what=what, film=film)
        if question == "runtime":
            return f"{film} runs {value} minutes."
        if question == "directors":
            return f"{film} was directed by {' and '.join(value)}."
        if question == "cast":
            shown = ", ".join(value[:6]) + (f" and {len(value) - 6} more" if len(value) > 6 else "")
            return f"{film} stars {shown} (the catalog lists the cast alphabetically)."
        if question == "year":
            return f"{film} came out in {value}."
        if question == "rating":
            return f"{film} is rated {value}."
        return f"{film} is listed as {', '.join(value).lower()}."
