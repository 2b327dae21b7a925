"""Chat models: the embedded llama.cpp model (assembled from packaged GGUF parts) or any
OpenAI-compatible server, both as LangChain chat models."""

from chatrec.llm.backends import LlamaCppChat, build_chat_model

__all__ = ["LlamaCppChat", "build_chat_model"]
