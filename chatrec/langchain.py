"""chatrec as LangChain objects, for LCEL chains and LangServe-style serving: the agent as a
``Runnable`` (:class:`ChatRecRunnable`) and the catalog search as a ``BaseRetriever``
(:class:`CatalogRetriever`).

The runnable is a thin face over :meth:`ChatRec.stream`: the same turns, sessions and events,
shaped the way LangChain composes things. Its input is the user's message; the session is
configuration (``config={"configurable": {"session": token}}``), like a chat history's session id;
its output is a plain, JSON-ready dict, and ``stream`` yields pieces of that dict that add up to
it (LangChain's ``AddableDict``), so a step after it in a chain gets the whole reply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any

from langchain_core.callbacks import CallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.utils import AddableDict, ConfigurableFieldSpec

from chatrec.agent import ChatRec
from chatrec.config import Settings
from chatrec.errors import InputError
from chatrec.events import Done, Notice, TextDelta
from chatrec.retrieval.langchain import CatalogRetriever

__all__ = ["CatalogRetriever", "ChatRecRunnable"]

Input = str | Mapping[str, Any]


class ChatRecRunnable(Runnable[Input, dict[str, Any]]):
    """The agent as a LangChain ``Runnable``: ``invoke``, ``stream`` and ``batch`` (and their async
    forms, run in a thread), with callbacks and tracing like any runnable.

    Input: the message, as a string or ``{"message": "..."}``. Configuration: ``session`` (a token
    from ``ChatRec.new_session`` or an earlier output; none starts a new session) and ``user`` (the
    logged-in name a session is bound to, if any). Output::

        {"session": token, "text": "...", "notices": [...], "recommendations": [{"item_id",
         "title", "year", "reason", "score", "genres", "directors", "runtime", "rating"}, ...],
         "intent": "request", "state": {...}}  # the DialogueState, as JSON

    ``stream`` yields ``{"session", "text": "", "notices": []}`` first, then ``{"text": ...}`` as
    the reply is written and ``{"notices": [...]}``, and last ``{"recommendations", "intent",
    "state"}``; added together they are ``invoke``'s output. (Cards before any text, as the app
    shows them, come from ``ChatRec.stream``'s events.)

    >>> agent = ChatRecRunnable.from_settings()
    >>> first = agent.invoke("I loved Heat")
    >>> agent.invoke("something shorter", config={"configurable": {"session": first["session"]}})
    """

    def __init__(self, bot: ChatRec) -> None:
        self.bot = bot

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **options: Any) -> ChatRecRunnable:
        """The agent :meth:`ChatRec.from_settings` builds (``llm=...`` as there)."""
        return cls(ChatRec.from_settings(settings, **options))

    @property
    def InputType(self) -> type[Input]:
        return Input  # type: ignore[return-value]

    @property
    def OutputType(self) -> type[dict[str, Any]]:
        return dict

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """What a caller configures (LangServe shows these): the session and its user."""
        return [
            ConfigurableFieldSpec(
                id="session",
                annotation=str | None,
                name="Session",
                description="The conversation's token; none starts a new one (its token is in the output).",
            ),
            ConfigurableFieldSpec(
                id="user",
                annotation=str | None,
                name="User",
                description="The logged-in user a session is bound to; none when there is no login.",
            ),
        ]

    def invoke(self, input: Input, config: RunnableConfig | None = None, **kwargs: Any) -> dict[str, Any]:
        final = AddableDict()
        for chunk in self.stream(input, config, **kwargs):
            final = final + AddableDict(chunk)
        return final

    def stream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        yield from self.transform(iter([input]), config, **kwargs)

    def transform(
        self, input: Iterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        yield from self._transform_stream_with_config(input, self._turn, config, **kwargs)

    def _turn(
        self, inputs: Iterator[Input], run_manager: CallbackManagerForChainRun, config: RunnableConfig
    ) -> Iterator[dict[str, Any]]:
        """One turn from the (possibly streamed) input: the pieces of the message are joined
        first, as a chat model's streamed text arrives in pieces."""
        message = _message(inputs)
        options = config.get("configurable") or {}
        user = options.get("user")
        session = options.get("session") or self.bot.new_session(user)
        yield AddableDict(session=session, text="", notices=[])
        for event in self.bot.stream(message, session, user=user):
            if isinstance(event, TextDelta):
                yield AddableDict(text=event.text)
            elif isinstance(event, Notice):
                yield AddableDict(notices=[event.text])
            elif isinstance(event, Done):
                reply = event.reply
                yield AddableDict(
                    recommendations=[asdict(r) for r in reply.recommendations],
                    intent=reply.intent,
                    state=reply.state.model_dump(mode="json"),
                )


def _message(inputs: Iterator[Input]) -> object:
    """The whole message from a stream of pieces (each a string or ``{"message": ...}``)."""
    joined: Any = None
    for piece in inputs:
        if isinstance(piece, Mapping):
            if "message" not in piece:
                raise InputError(f"the input needs a 'message' key, not {sorted(piece)}")
            piece = piece["message"]
        joined = joined + piece if isinstance(joined, str) and isinstance(piece, str) else piece
    return joined
