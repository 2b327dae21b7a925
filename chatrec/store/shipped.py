"""Vectors shipped for the default catalog, so a fresh install does not embed 17,472 films again.

Embedding is nearly all of the default ingest's cost, and its speed depends on the CPU: the
packaged MiniLM (ONNX int8, 128 tokens) embeds 188 items/s on a core with int8 dot-product
instructions and 67 items/s on an AVX2-only one. The same texts give the same vectors on every
machine, so they are computed once (``python -m benchmarks.build_catalog_vectors``) and shipped as
package data. :class:`ShippedEmbedder` answers every text it has a vector for and embeds the rest
with the real model: a changed item text, another catalog, or the user's query is embedded as
before, and a stale artefact costs time, never correctness.

The vectors are keyed by a hash of the exact text embedded, and the artefact records the model,
runtime and token limit that made them: another embedder setting does not use them at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chatrec.config import Settings, packaged_model
from chatrec.store.embedder import Embedder

VECTORS_DIR = packaged_model("catalog-vectors")
VECTORS_FILE = "vectors.npz"


def text_key(text: str) -> int:
    """A 64-bit key of the exact text embedded (collisions among 10^5 texts: ~10^-9)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def recipe(settings: Settings) -> dict[str, object] | None:
    """What made the vectors, or None when the settings embed with something else (another model,
    a server), whose vectors the shipped ones must never stand in for."""
    if settings.embeddings != "local" or settings.embedding_model:
        return None
    return {"runtime": settings.embedding_backend, "max_length": settings.embedding_max_length}


class ShippedEmbedder(Embedder):
    """``inner`` with a table of known vectors in front: hits are copied, misses are embedded."""

    def __init__(self, inner: Embedder, keys: np.ndarray, vectors: np.ndarray) -> None:
        super().__init__(inner.batch_size)
        self.inner = inner
        self.model_id, self.space, self.dim = inner.model_id, inner.space, inner.dim
        self._row = {int(k): i for i, k in enumerate(keys)}
        self._vectors = vectors
        self.hits = 0

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self._row.get(text_key(t)) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            out[missing] = self.inner.embed([texts[i] for i in missing])
        known = [(i, r) for i, r in enumerate(rows) if r is not None]
        if known:
            out[[i for i, _ in known]] = self._vectors[[r for _, r in known]]
        self.hits += len(known)
        return out


def with_shipped_vectors(embedder: Embedder, settings: Settings, directory: Path = VECTORS_DIR) -> Embedder:
    """``embedder`` backed by the shipped vectors when they were made by the same recipe."""
    path = directory / VECTORS_FILE
    wanted = recipe(settings)
    if wanted is None or not path.is_file():
        return embedder
    data = np.load(path)
    made = json.loads(str(data["recipe"]))
    if made != {"model_id": embedder.model_id, **wanted}:
        return embedder
    vectors = data["vectors"].astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)  # float16 -> unit
    return ShippedEmbedder(embedder, data["keys"], vectors)


def save_vectors(
    path: Path, texts: Sequence[str], vectors: np.ndarray, embedder: Embedder, settings: Settings
) -> None:
    """Write the artefact ``with_shipped_vectors`` reads: float16 vectors, their text keys, recipe."""
    wanted = recipe(settings)
    if wanted is None:
        raise ValueError("shipped vectors are only made with the packaged local embedder")
    made = json.dumps({"model_id": embedder.model_id, **wanted}, sort_keys=True)
    keys = np.array([text_key(t) for t in texts], dtype=np.uint64)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, keys=keys, vectors=vectors.astype(np.float16), recipe=np.array(made))
