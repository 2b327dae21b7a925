"""The embedder interface shared by ingest and queries, whoever computes the vectors.

Local models (:mod:`chatrec.store.embeddings`) and a server (:mod:`chatrec.store.served`) implement
one method, ``_embed_batch``; the base batches texts by length, and names the vector space a store
records (:attr:`Embedder.identity`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; subclasses embed one batch."""

    model_id: str  # what the vectors depend on: the weights' name and the token limit
    space: str  # the weights' name alone: vectors of one space are comparable whatever the runtime
    dim: int

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @abstractmethod
    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts of similar length (the base sorts them) into normalised vectors."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed any number of texts, batched by length so little compute goes to padding."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    @property
    def identity(self) -> str:
        """What a store records about the embedder that filled it; another identity's query
        vectors would be compared against these as if they meant the same thing."""
        return f"{self.space} ({self.dim}-d)"
