"""The default catalog's shipped vectors: what ingest gets from them is what the model would give."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from chatrec.config import Settings
from chatrec.ingest import movies
from chatrec.ingest.pipeline import collect_items
from chatrec.store.embedder import Embedder
from chatrec.store.shipped import ShippedEmbedder, save_vectors, text_key, with_shipped_vectors


class Counting(Embedder):
    """A stand-in model (unit tests of the lookup): a text's vector is one-hot on its length."""

    model_id, space, dim = "counting@8", "counting", 8

    def __init__(self) -> None:
        super().__init__(4)
        self.seen: list[str] = []

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += texts
        return np.eye(self.dim, dtype=np.float32)[[len(t) % self.dim for t in texts]]


def test_known_texts_are_copied_and_the_rest_embedded_in_order():
    inner = Counting()
    known = np.eye(8, dtype=np.float32)[[7]]
    shipped = ShippedEmbedder(inner, np.array([text_key("heat")], dtype=np.uint64), known)
    out = shipped.embed(["ab", "heat", "abc"])
    assert inner.seen == ["ab", "abc"] and shipped.hits == 1
    assert out.argmax(axis=1).tolist() == [2, 7, 3]
    assert shipped.identity == inner.identity and shipped.model_id == inner.model_id


def test_vectors_made_another_way_are_not_used(tmp_path):
    settings = Settings()
    inner = Counting()
    save_vectors(tmp_path / "vectors.npz", ["heat"], np.ones((1, 8), np.float32), inner, settings)
    assert isinstance(with_shipped_vectors(inner, settings, tmp_path), ShippedEmbedder)
    for other in (
        Settings(embedding_backend="onnx"),
        Settings(embedding_max_length=64),
        Settings(embedding_model=str(tmp_path)),
    ):
        assert with_shipped_vectors(inner, other, tmp_path) is inner
    inner.model_id = "counting@16"
    assert with_shipped_vectors(inner, settings, tmp_path) is inner


@pytest.mark.slow
def test_shipped_vectors_cover_the_catalog_and_match_the_model(embedder):
    """Fails when the catalog's texts change and the artefact was not rebuilt
    (`python -m benchmarks.build_catalog_vectors`), or when it no longer matches the model."""
    items, _ = collect_items(movies.default_rows().rows, movies.MAPPING)  # the recent films too
    texts = [item.embed_text for item in items.values()]
    shipped = with_shipped_vectors(embedder, Settings())
    assert isinstance(shipped, ShippedEmbedder)
    shipped.embed(texts)
    assert shipped.hits == len(texts)
    sample = texts[:: len(texts) // 40]
    fresh = embedder.embed(sample)  # other batch neighbours: int8 activations are scaled per batch
    # and the CPU's int8 kernels round differently: min cosine >= .98 on the AVX2 machine that
    # built the artefact, .978 on an AMX/VNNI Xeon; another model gives far less
    assert (shipped.embed(sample) * fresh).sum(axis=1).min() >= 0.97
