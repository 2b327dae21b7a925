"""A scripted chat model for fast tests of the agent's own logic (the real ones have their own tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class ScriptedLLM(BaseChatModel):
    """Answers each call with the next scripted reply (cycling); an Exception is raised instead.

    ``calls`` keeps every prompt it was sent, so tests can check what reached the model.
    """

    script: list[Any]
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    position: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append(messages)
        item = self.script[self.position % len(self.script)]
        self.position += 1
        if isinstance(item, Exception):
            raise item
        return item(messages) if callable(item) else str(item)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        for word in text.split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


def reason_from_facts(messages: list[BaseMessage]) -> str:
    """A well-behaved model: restates the first fact it was given."""
    prompt = str(messages[-1].content)
    if "Facts:" in prompt:
        fact = prompt.split("Facts:\n- ", 1)[1].split("\n", 1)[0]
        return fact[0].upper() + fact[1:] + "."
    return "Here are a few films I think you will enjoy tonight."
