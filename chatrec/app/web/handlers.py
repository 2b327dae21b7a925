"""The web app's handlers: each takes the browser's session id and returns new component values.

Nothing here decides anything: the agent understands, ranks and writes; these turn clicks into
library calls (feedback, removing a preference, setting filters) and events into page updates.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import gradio as gr
from pydantic import ValidationError

from chatrec.agent import ChatRec
from chatrec.app.web.render import (
    Card,
    Entry,
    Messages,
    as_int,
    history_messages,
    last_cards,
    preference_entries,
    replied,
    with_feedback,
    with_notices,
)
from chatrec.errors import ChatrecError
from chatrec.events import Done, Notice, Reason, Recommendations, TextDelta

log = logging.getLogger(__name__)

FAILED = "Sorry, something went wrong on our side. Your conversation is kept; please try again."


class ChatApp:
    """The handlers behind the page; each takes the browser's session id and returns new values
    for the components, so the same functions serve the UI and its tests."""

    def __init__(self, bot: ChatRec) -> None:
        self.bot = bot
        self.catalog = bot.catalog
        self.genres = sorted(bot.retriever.vocabulary.known("genres"))

    def _view(
        self, session_id: str
    ) -> tuple[list[Entry], float | None, float | None, list[str], float | None]:
        state = self.bot.state(session_id)
        c = state.constraints
        return preference_entries(state, self.catalog), c.year_from, c.year_to, list(c.genres), c.max_runtime

    def load(self, session_id: str | None) -> tuple[Any, ...]:
        """Page load: a new session id, or the stored conversation and state of the kept one."""
        session_id = session_id or uuid.uuid4().hex
        history = self.bot.history(session_id)  # one read serves the chat and the cards
        return (
            session_id,
            history_messages(history),
            last_cards(history, self.bot.state(session_id)),
            *self._view(session_id),
        )

    def respond(self, message: str, history: Messages, session_id: str) -> Iterator[tuple[Any, ...]]:
        """One turn, streamed: cards as soon as the ranker has them, then text and reasons.

        Every update is a new history list, so nothing already sent is mutated under the page.
        """
        if not session_id:
            session_id = uuid.uuid4().hex
        past = [*history, {"role": "user", "content": html.escape(message or "")}]
        cards: list[Card] = []
        text = ""
        notices: list[str] = []
        view = self._view(session_id)
        try:
            for event in self.bot.stream(message, session_id=session_id):
                if isinstance(event, Notice):
                    notices.append(event.text)
                elif isinstance(event, Recommendations):
                    cards = [{**asdict(r), "feedback": ""} for r in event.items]
                    view = self._view(session_id)
                elif isinstance(event, TextDelta):
                    text += event.text
                elif isinstance(event, Reason):
                    cards = [
                        {**c, "reason": event.text} if c["item_id"] == event.item_id else c for c in cards
                    ]
                elif isinstance(event, Done):
                    break
                yield "", replied(past, with_notices(text, notices)), cards, session_id, *view
            reply = with_notices(text, notices)
        except ChatrecError as exc:
            reply = html.escape(f"Sorry, I cannot answer right now: {exc}")
        except Exception:
            log.exception("a chat turn failed")
            reply = FAILED
        yield "", replied(past, reply), cards, session_id, *self._view(session_id)

    def feedback(self, item_id: str, liked: bool, session_id: str, cards: list[Card]) -> tuple[Any, ...]:
        state = self.bot.feedback(session_id, item_id, liked=liked)
        return [with_feedback(dict(c), state) for c in cards], preference_entries(state, self.catalog)

    def remove(self, kind: str, value: str, session_id: str) -> tuple[Any, ...]:
        self.bot.remove_preference(session_id, kind, value)
        return self._view(session_id)

    def apply_filters(
        self,
        year_from: float | None,
        year_to: float | None,
        genres: list[str],
        max_runtime: float | None,
        session_id: str,
    ) -> tuple[Any, ...]:
        try:
            self.bot.constrain(
                session_id,
                year_from=as_int(year_from),
                year_to=as_int(year_to),
                genres=list(genres or []),
                max_runtime=as_int(max_runtime),
            )
        except ValidationError as exc:
            gr.Warning("Filters not applied: " + "; ".join(e["msg"] for e in exc.errors()))
        return self._view(session_id)

    def new_conversation(self, session_id: str) -> tuple[Any, ...]:
        if session_id:
            self.bot.reset(session_id)
        return [], [], *self._view(session_id)

    def api_chat(self, message: str, session_id: str = "api") -> dict:
        """One whole turn for API clients: the reply text, the recommendations, the state."""
        reply = self.bot.chat(message, session_id=session_id)
        return {
            "text": reply.text,
            "recommendations": [{**asdict(r), "label": r.label} for r in reply.recommendations],
            "notices": reply.notices,
            "state": reply.state.model_dump(),
        }

    def api_feedback(self, session_id: str, item_id: str, liked: bool) -> dict:
        """👍 / 👎 for API clients; returns the session's state."""
        return self.bot.feedback(session_id, item_id, liked=liked).model_dump()
