"""The embedding backends agree with the torch reference and do not depend on batch padding."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.config import Settings
from chatrec.store.embeddings import load_embedder

# Subprocesses, servers, whole-catalog ingests or model exports: the slow lane.
pytestmark = pytest.mark.slow

TEXTS = [
    "Heat (1995). Genres: Thriller, Crime. Directors: Michael Mann.",
    "x",
    "A much longer text about a film " * 12,
    "Amélie (2001). Languages: French.",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return load_embedder(Settings(embedding_backend="torch")).embed(TEXTS)


@pytest.mark.parametrize(
    ("backend", "floor", "batch_floor"), [("onnx", 0.9999, 0.99999), ("onnx-int8", 0.97, 0.97)]
)
def test_backend_matches_torch(tmp_path, reference, backend, floor, batch_floor):
    embedder = load_embedder(Settings(embedding_backend=backend, cache_dir=tmp_path))
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors * reference).sum(axis=1).min() >= floor
    # Alone or padded next to a long text, a text gets the same vector. int8 activations are
    # scaled per batch, so there only nearly: "x" beside a long text keeps cosine ~0.973; ingest
    # batches texts of similar length, which keeps this effect small.
    alone = np.stack([embedder.embed([t])[0] for t in TEXTS])
    assert (alone * vectors).sum(axis=1).min() >= batch_floor


def test_export_is_cached_once(tmp_path):
    settings = Settings(embedding_backend="onnx-int8", cache_dir=tmp_path)
    load_embedder(settings)
    exported = list((tmp_path / "onnx").iterdir())
    assert len(exported) == 1 and exported[0].suffix == ".onnx"
    stamp = exported[0].stat().st_mtime_ns
    load_embedder(settings)
    assert [p.stat().st_mtime_ns for p in (tmp_path / "onnx").iterdir()] == [stamp]


def test_missing_model_directory_is_a_config_error(tmp_path):
    from chatrec.errors import ConfigError

    with pytest.raises(ConfigError, match="not found"):
        load_embedder(Settings(embedding_model=str(tmp_path / "nope")))
