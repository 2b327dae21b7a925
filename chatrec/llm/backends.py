"""Chat models behind one LangChain interface: the embedded llama.cpp model or any
OpenAI-compatible server (OpenAI, vLLM, Ollama, a llama.cpp server), chosen by settings.

Everything above this module talks to a LangChain ``BaseChatModel`` and never knows which.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.llm.gguf import local_model_path

ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class LlamaCppChat(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model.

    llama.cpp contexts are not thread-safe, so calls on one instance are serialised.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int = 120
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _client(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            self._llama = Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
            )
        return self._llama

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kw: Any) -> dict[str, Any]:
        return {
            "messages": [{"role": ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages],
            "temperature": kw.get("temperature", self.temperature),
            "max_tokens": kw.get("max_tokens", self.max_tokens),
            "stop": stop,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            out = self._client().create_chat_completion(**self._request(messages, stop, **kwargs))
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self._client().create_chat_completion(
                **self._request(messages, stop, **kwargs), stream=True
            ):
                delta = part["choices"][0].get("delta", {}).get("content")
                if delta:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                    if run_manager:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model the settings name: ``local`` (embedded GGUF) or ``openai`` (any compatible server)."""
    if settings.llm == "local":
        path = local_model_path(settings.llm_model or "qwen2.5-coder-0.5b", settings.cache_dir)
        return LlamaCppChat(
            model_path=str(path), n_threads=settings.llm_threads, max_tokens=settings.llm_max_tokens
        )
    from langchain_openai import ChatOpenAI

    if not os.environ.get("OPENAI_API_KEY") and not os.environ.get("OPENAI_BASE_URL"):
        raise ConfigError("CHATREC_LLM=openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for a local server)")
    return ChatOpenAI(
        model=settings.llm_model or "gpt-4o-mini",
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",  # local servers ignore the key
        timeout=settings.llm_timeout,
        max_retries=0,  # a failed call falls back to catalog-built reasons at once
        temperature=0.0,
        max_tokens=settings.llm_max_tokens,
    )
