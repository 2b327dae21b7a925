"""ChatRec: the library API every front end sits on. One turn = understand -> retrieve ->
rerank -> respond, streamed as typed events (see ``chatrec.events``).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from chatrec.catalog import Catalog
from chatrec.catalog.wording import Wording, wording_for
from chatrec.config import Settings
from chatrec.dialogue.evidence import Evidencer
from chatrec.dialogue.phrasing import distinct, phrase_reply
from chatrec.dialogue.preferences import describe_constraints
from chatrec.dialogue.prompts import reply
from chatrec.dialogue.respond import Check, LLMUnavailable, Responder, Unusable, plain_intro
from chatrec.dialogue.state import DialogueState
from chatrec.dialogue.understand import Understander
from chatrec.events import Done, Event, Notice, Reason, Recommendation, Recommendations, Reply, TextDelta
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.retriever import Retriever
from chatrec.sessions import SessionStore
from chatrec.store.chroma import Hit

DEFAULT = object()


@dataclass
class _Draft:
    """What a turn has said so far; each method returns the event that says it."""

    parts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)

    def say(self, text: str) -> TextDelta:
        self.parts.append(text)
        return TextDelta(text)

    def notice(self, text: str) -> Notice:
        self.notices.append(text)
        return Notice(text)


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
        hybrid = pipeline.hybrid
        self.wording: Wording = wording_for(retriever.catalog, settings.item_kind, settings.role_words)
        self.evidencer = Evidencer(
            retriever.catalog,
            together=hybrid.collaborative.interactions.pairs if hybrid else None,
            wording=self.wording,
        )
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
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
        responder = Responder(model, Check(understander), timeout=settings.llm_timeout)
        return cls(
            settings,
            retriever,
            RankingPipeline.from_settings(retriever, settings),
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

    @property
    def catalog(self) -> Catalog:
        """The catalog the agent recommends from (typed item access for front ends)."""
        return self.retriever.catalog

    def remove_preference(self, session_id: str, kind: str, value: str) -> DialogueState:
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
        draft = _Draft()
        text = "" if message is None else str(message).replace("\x00", "")
        limit = self.settings.max_message_chars
        if len(text) > limit:
            text = text[:limit]
            yield draft.notice(reply("truncated", limit=limit))
        state = self.sessions.state(session_id)
        understanding = self.understander.read(text, state)
        if understanding.intent in ("empty", "greeting", "thanks"):
            yield draft.say(reply(understanding.intent, noun=self.wording.noun))
        elif understanding.intent in ("why", "question") and understanding.item_id:
            yield draft.say(self._answer(understanding.item_id, understanding.question, state))
        else:
            recent = [m.text for m in self.sessions.history(session_id) if m.role == "user"]
            query = " ".join([*recent[-(RECENT_USER_MESSAGES - 1) :], text])
            hits = self.pipeline.rank(state, query, self.settings.k)
            if hits:
                opening = (
                    reply("unclear", noun=self.wording.noun) if understanding.intent == "unclear" else None
                )
                yield from self._respond(text, state, hits, draft, opening)
            else:
                yield draft.say(
                    reply("nothing", constraints=describe_constraints(state.constraints) or "none")
                )
        if understanding.intent not in ("why", "question") and understanding.item_id:
            state.focus_id = understanding.item_id  # the film this message named stays "it"
        full = "".join(draft.parts).strip()
        self.sessions.save_state(session_id, state)
        if text.strip():
            self.sessions.append(session_id, "user", text)
            recommendations = [asdict(r) for r in draft.recommendations]
            self.sessions.append(session_id, "assistant", full, recommendations, draft.notices)
        yield Done(Reply(full, draft.recommendations, state, understanding.intent, draft.notices))

    def _respond(
        self, text: str, state: DialogueState, hits: list[Hit], draft: _Draft, opening: str | None = None
    ) -> Iterator[Event]:
        """Recommendations at once (with catalog reasons), then the text as it is written."""
        evidences = [self.evidencer.evidence(h.item, state) for h in hits]
        phrase_reply(evidences)  # a plain sentence per item, no two of one template
        items = [Recommendation.from_hit(h, ev.plain()) for h, ev in zip(hits, evidences, strict=True)]
        yield Recommendations(items)
        if opening:
            yield draft.say(opening)
        deadline = time.monotonic() + self.settings.llm_timeout
        working = True
        if self.settings.llm_intro:
            try:
                for sentence in self.responder.intro(text, state, evidences, deadline):
                    yield draft.say(sentence)
            except Unusable:
                pass
            except LLMUnavailable:
                working = False
        if not draft.parts:
            yield draft.say(plain_intro(state, self.retriever.catalog))
        used: set[str] = set()  # templates said so far: no two reasons of a reply share one
        for n, (item, ev) in enumerate(zip(items, evidences, strict=True)):
            phrased, problems = None, []
            if working:
                try:
                    phrased = self.responder.reason(text, ev, deadline)
                except Unusable as exc:
                    phrased, problems = exc.sentence, exc.problems
                except LLMUnavailable:
                    working = False
            reason = distinct(None if problems else phrased, ev, used, offset=n)
            said = tuple(f"{p.kind}: {p.text}" for p in problems)
            if phrased and not problems and reason != phrased:
                said = ("form: repeats a template",)
            draft.recommendations.append(replace(item, reason=reason))
            yield Reason(item.item_id, reason, phrased, said)
            yield draft.say(f"\n\n**{item.label}** — {reason}")
        if not working:
            yield draft.notice(reply("llm_fallback"))
        shown = draft.recommendations
        state.record_shown([r.item_id for r in shown], {r.item_id: r.reason for r in shown})

    def _answer(self, item_id: str, question: str | None, state: DialogueState) -> str:
        meta = self.catalog.get(item_id, {})
        film = self.catalog.label(item_id)
        if question is None:
            reason = state.reasons.get(item_id)
            if reason is None:
                return reply("why_unknown", film=film)
            return reply("why", film=film, reason=reason)
        value = _about(meta) if question == "about" else meta.get(question)
        if not value:
            return reply("unknown_fact", what=reply(f"what_{question}"), film=film)
        if isinstance(value, list):
            more = len(value) - 6
            value = ", ".join(value[:6]) + (reply("and_more", count=more) if more > 0 else "")
        return reply(f"answer_{question}", film=film, value=value)


def _about(meta: dict[str, Any]) -> str:
    """ "Tell me more about it": the catalog's facts about a film, in one line."""
    facts = [
        ", ".join(meta.get("genres", [])[:3]).lower(),
        f"directed by {', '.join(meta['directors'][:2])}" if meta.get("directors") else "",
        f"{meta['runtime']} minutes" if meta.get("runtime") else "",
        f"rated {meta['rating']}" if meta.get("rating") else "",
        f"with {', '.join(meta['cast'][:4])}" if meta.get("cast") else "",
        f"critics' score {meta['critic_meter']}%" if meta.get("critic_meter") is not None else "",
    ]
    return "; ".join(f for f in facts if f)
