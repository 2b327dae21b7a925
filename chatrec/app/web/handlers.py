"""The web app's handlers: each takes the browser's session token and returns new component values.

Nothing here decides anything: the agent understands, ranks and writes; these turn clicks into
library calls (feedback, removing a preference, setting filters) and events into page updates.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import gradio as gr

from chatrec.agent import ChatRec
from chatrec.app.web.limits import NewSessionCap
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
from chatrec.dialogue.state import DialogueState
from chatrec.errors import ChatrecError
from chatrec.events import Done, Notice, Reason, Recommendation, Recommendations, TextDelta
from chatrec.inputs import clean_text

log = logging.getLogger(__name__)

FAILED = "Sorry, something went wrong on our side. Your conversation is kept; please try again."


class ChatApp:
    """The handlers behind the page; each takes the browser's session token (and Gradio's request,
    for the logged-in user) and returns new values for the components, so the same functions serve
    the UI and its tests.

    A session is only ever reached through a token the server issued to this user: a page that
    sends none, or one it does not own, gets a new session of its own, within the cap on new
    sessions per client address (:mod:`chatrec.app.web.limits`).
    """

    def __init__(self, bot: ChatRec) -> None:
        self.bot = bot
        self.catalog = bot.catalog
        self.genres = sorted(bot.retriever.vocabulary.known("genres"))
        self.new_sessions = NewSessionCap(bot.settings.app_sessions_per_hour)

    def _new(self, request: gr.Request | None) -> str:
        self.new_sessions.take(_address(request))
        return self.bot.new_session(_user(request))

    def _own(self, token: object, request: gr.Request | None) -> tuple[str, bool]:
        """The caller's own session: ``token`` if it is theirs, else a new one (True)."""
        if self.bot.owns(token, user=_user(request)):
            return str(token), False
        return self._new(request), True  # none yet, someone else's, or not a token at all

    def _view(
        self, session_id: str, user: str | None
    ) -> tuple[list[Entry], float | None, float | None, list[str], float | None]:
        return self._state_view(self.bot.state(session_id, user=user))

    def _state_view(
        self, state: DialogueState
    ) -> tuple[list[Entry], float | None, float | None, list[str], float | None]:
        c = state.constraints
        return preference_entries(state, self.catalog), c.year_from, c.year_to, list(c.genres), c.max_runtime

    def load(self, session_id: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Page load: the stored conversation of the browser's own session, or a new session."""
        user = _user(request)
        try:
            session_id, _ = self._own(session_id, request)
            history = self.bot.history(session_id, user=user)  # one read serves the chat and the cards
            return (
                session_id,
                history_messages(history),
                last_cards(history, self.bot.state(session_id, user=user)),
                *self._view(session_id, user),
            )
        except ChatrecError as exc:  # the store is busy or unreadable: say so, show nothing
            gr.Warning(f"Could not load the conversation: {exc}")
            return session_id or "", [], [], [], None, None, [], None

    def respond(
        self, message: str, history: Messages, session_id: str, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """One turn, streamed: cards as soon as the ranker has them, then text and reasons.

        Every update is a new history list, so nothing already sent is mutated under the page.
        Everything that can fail is inside the ``try``: the page always gets a one-line reply.
        """
        user = _user(request)
        message = clean_text(message) if isinstance(message, str) else ""
        said = [{"role": "user", "content": html.escape(message)}] if message.strip() else []  # no blank
        past = [*history, *said]
        cards: list[Card] | None = None  # None: the cards on show stay (a question about one of them)
        text = ""
        notices: list[str] = []
        view: tuple[Any, ...] = ([], None, None, [], None)
        try:
            session_id, _ = self._own(session_id, request)
            view = self._view(session_id, user)
            for event in self.bot.stream(message, session_id, user=user):
                if isinstance(event, Notice):
                    notices.append(event.text)
                elif isinstance(event, Recommendations):  # the stored state changes only at Done
                    cards = [{**asdict(r), "feedback": ""} for r in event.items]
                elif isinstance(event, TextDelta):
                    text += event.text
                elif isinstance(event, Reason):
                    cards = [
                        {**c, "reason": event.text} if c["item_id"] == event.item_id else c
                        for c in cards or []
                    ]
                elif isinstance(event, Done):
                    view = self._state_view(event.reply.state)
                    if cards is None and event.reply.intent not in ("why", "question"):
                        cards = []  # a turn that ranked nothing clears them
                    break
                yield "", replied(past, with_notices(text, notices)), _shown(cards), session_id, *view
            reply = with_notices(text, notices)
        except ChatrecError as exc:
            reply = html.escape(f"Sorry, I cannot answer right now: {exc}")
        except Exception:
            log.exception("a chat turn failed")
            reply = FAILED
        yield "", replied(past, reply), _shown(cards), session_id, *view

    def feedback(
        self, item_id: str, liked: bool, session_id: str, cards: list[Card], request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        try:
            state = self.bot.feedback(session_id, item_id, liked=liked, user=_user(request))
        except ChatrecError as exc:
            gr.Warning(f"Not noted: {exc}")
            return cards, gr.skip()
        return [with_feedback(dict(c), state) for c in cards], preference_entries(state, self.catalog)

    def remove(
        self, kind: str, value: str, session_id: str, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        user = _user(request)
        try:
            self.bot.remove_preference(session_id, kind, value, user=user)
            return self._view(session_id, user)
        except ChatrecError as exc:
            gr.Warning(f"Not removed: {exc}")
            return tuple(gr.skip() for _ in range(5))

    def apply_filters(
        self,
        year_from: float | None,
        year_to: float | None,
        genres: list[str],
        max_runtime: float | None,
        session_id: str,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        user = _user(request)
        try:
            self.bot.constrain(
                session_id,
                user=user,
                year_from=as_int(year_from),
                year_to=as_int(year_to),
                genres=list(genres or []),
                max_runtime=as_int(max_runtime),
            )
            return self._view(session_id, user)
        except ChatrecError as exc:
            gr.Warning(f"Filters not applied: {exc}")
        try:
            return self._view(session_id, user)
        except ChatrecError:
            return tuple(gr.skip() for _ in range(5))

    def new_conversation(self, session_id: str, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Start over: the caller's own session is emptied; anyone else's is out of reach."""
        user = _user(request)
        try:
            session_id, fresh = self._own(session_id, request)
            if not fresh:
                self.bot.reset(session_id, user=user)
            return session_id, [], [], *self._view(session_id, user)
        except ChatrecError as exc:
            gr.Warning(f"Could not start over: {exc}")
            return (gr.skip(),) * 8

    def api_new_session(self, request: gr.Request | None = None) -> str:
        """A new conversation for API clients: pass the returned token as ``session_id``."""
        try:
            return self._new(request)
        except ChatrecError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def api_chat(
        self, message: str, session_id: str | None = None, request: gr.Request | None = None
    ) -> dict:
        """One whole turn for API clients (what ``/chat`` ends with; see :meth:`api_turn`)."""
        *_, whole = self.api_turn(message, session_id, request)
        return whole

    def api_turn(
        self, message: str, session_id: str | None = None, request: gr.Request | None = None
    ) -> Iterator[dict]:
        """``/chat``: one turn for API clients, streamed twice: as soon as the recommendations are ranked
        (catalog reasons, no text yet, ``done`` false), then the whole turn: the reply text, the
        recommendations, the state, and the session token (a new session when ``session_id`` is
        omitted). ``Client.predict`` returns the whole turn; ``Client.submit`` sees both."""
        user = _user(request)
        try:
            token = self._new(request) if session_id is None else session_id
            for event in self.bot.stream(message, token, user=user):
                if isinstance(event, Recommendations):
                    yield _api_reply("", event.items, [], None, token, done=False)
                elif isinstance(event, Done):
                    r = event.reply
                    yield _api_reply(r.text, r.recommendations, r.notices, r.state.model_dump(), token)
        except ChatrecError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def api_feedback(
        self, session_id: str, item_id: str, liked: bool, request: gr.Request | None = None
    ) -> dict:
        """👍 / 👎 for API clients; returns the session's state."""
        try:
            return self.bot.feedback(session_id, item_id, liked=liked, user=_user(request)).model_dump()
        except ChatrecError as exc:
            raise gr.Error(str(exc), print_exception=False) from None


def _api_reply(
    text: str,
    recommendations: list[Recommendation],
    notices: list[str],
    state: dict | None,
    session_id: str,
    *,
    done: bool = True,
) -> dict:
    return {
        "text": text,
        "recommendations": [{**asdict(r), "label": r.label} for r in recommendations],
        "notices": notices,
        "state": state,
        "session_id": session_id,
        "done": done,
    }


def _shown(cards: list[Card] | None) -> Any:
    return gr.skip() if cards is None else cards


def _address(request: gr.Request | None) -> str | None:
    """The client's address as the server sees it (None without a request: in-process calls)."""
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    return host if isinstance(host, str) else None


def _user(request: gr.Request | None) -> str | None:
    """The logged-in user (CHATREC_APP_AUTH), or None when the app has no login."""
    return getattr(request, "username", None) if request is not None else None
