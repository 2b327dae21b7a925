"""Embeddings from an OpenAI-compatible server (``CHATREC_EMBEDDINGS=openai``).

For a big catalog the embedding pass dominates ingest on a CPU (README, "Embeddings from a
server"); a GPU server (vLLM, TEI, Ollama, a llama.cpp server, OpenAI itself) takes that cost. The
same server embeds the user's text at query time, so queries and items stay in one vector space,
and the store records which one (:attr:`Embedder.identity`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from chatrec.config import Settings
from chatrec.errors import ConfigError, StoreError
from chatrec.store.embedder import Embedder

TIMEOUT = 120.0  # seconds for one batch: a busy server at ingest is slow, a down one fails at once


def _pooled(vector: Any) -> np.ndarray:
    """One unit vector from what the server sent: a vector, or one vector per token (llama.cpp's
    server with a generative model does not pool), which is mean-pooled like MiniLM's tokens."""
    array = np.asarray(vector, dtype=np.float32)
    if array.ndim == 2:
        array = array.mean(axis=0)
    return array / max(float(np.linalg.norm(array)), 1e-12)


class ServedEmbedder(Embedder):
    """Texts embedded by the ``/v1/embeddings`` endpoint of an OpenAI-compatible server."""

    def __init__(self, client: Any, *, model: str, where: str, batch_size: int) -> None:
        super().__init__(batch_size)
        self._client, self._model, self.where = client, model, where
        self.space = f"openai:{model}"
        self.model_id = self.space  # stored hashes include it: items from another embedder re-embed
        self.dim = 0
        self.dim = int(self._embed_batch(["dimension probe"]).shape[-1])  # and a reachability check

    @classmethod
    def from_settings(cls, settings: Settings) -> ServedEmbedder:
        from openai import OpenAI

        url = settings.embedding_url or os.environ.get("OPENAI_BASE_URL") or None
        if not url and not os.environ.get("OPENAI_API_KEY"):
            raise ConfigError(
                "CHATREC_EMBEDDINGS=openai needs OPENAI_API_KEY, or CHATREC_EMBEDDING_URL for a local server"
            )
        if not settings.embedding_model:
            raise ConfigError("CHATREC_EMBEDDINGS=openai needs CHATREC_EMBEDDING_MODEL (the server's model)")
        client = OpenAI(
            base_url=url,
            api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",  # local servers ignore the key
            timeout=TIMEOUT,
            max_retries=2,
        )
        where, batch = url or "https://api.openai.com/v1", settings.embedding_batch_size
        return cls(client, model=settings.embedding_model, where=where, batch_size=batch)

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        try:
            reply = self._client.embeddings.create(
                model=self._model, input=list(texts), encoding_format="float"
            )
        except Exception as exc:  # openai raises its own connection, status and parse errors
            message = " ".join(str(exc).split())
            raise StoreError(f"the embeddings server at {self.where} could not embed: {message}") from exc
        rows = sorted(reply.data, key=lambda row: row.index)
        if len(rows) != len(texts):
            sent = f"{len(rows)} vectors for {len(texts)} texts"
            raise StoreError(f"the embeddings server at {self.where} sent {sent}")
        vectors = np.stack([_pooled(row.embedding) for row in rows])
        if self.dim and vectors.shape[-1] != self.dim:
            changed = f"{vectors.shape[-1]}-d vectors, not {self.dim}-d"
            raise StoreError(f"the embeddings server at {self.where} changed model: {changed}")
        return vectors
