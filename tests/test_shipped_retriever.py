"""The conversation retriever: its text, and the shipped model against the store's item vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatrec.config import Settings
from chatrec.ingest import movies
from chatrec.ingest.pipeline import collect_items
from chatrec.ingest.plots import default_plots
from chatrec.retrieval.conversation import (
    ROLES,
    conversation_text,
    default_model_path,
    load_conversation_retriever,
    read_config,
)
from chatrec.retrieval.conversation_train import REFERENCE_FILE
from chatrec.store.shipped import with_shipped_vectors


def test_the_conversation_reads_newest_first_with_both_speakers():
    said = [("seeker", "Hi!  I loved Heat (1995)."), ("recommender", "Try Ronin (1998)"), ("user", "seen it")]
    assert (
        conversation_text(said)
        == "seeker: seen it | recommender: Try Ronin (1998) | seeker: Hi! I loved Heat (1995)."
    )
    assert conversation_text([]) == "" and conversation_text([("assistant", "  ")]) == ""
    assert set(ROLES.values()) == {"seeker", "recommender"}


def test_a_store_of_another_embedder_gets_no_channel(small_retriever):
    class Other:
        store = type("S", (), {"embedder": staticmethod(lambda: "another model (384-d)")})()

        def table_ids(self):
            return ["x"]

    assert load_conversation_retriever(Other(), Settings()) is None
    assert load_conversation_retriever(small_retriever, Settings(plot_weight=0.2)) is None


def product_vectors(embedder, ids: set[str]) -> dict[str, np.ndarray]:
    """The default catalog's item vectors as `chatrec ingest` stores them: the shipped catalog
    vectors (else the model) blended with the shipped plot vectors. (The session's test store is
    ingested without plots, so its vectors are not the ones the model was trained against.)"""
    items, _ = collect_items(movies.default_rows().rows, movies.MAPPING)  # the recent films too
    plots = default_plots(Settings().plot_weight)
    assert plots is not None
    chosen = [plots.enrich(items[i]) for i in sorted(ids)]
    vectors = with_shipped_vectors(embedder, Settings()).embed([item.embed_text for item in chosen])
    return dict(zip(sorted(ids), plots.blend(chosen, vectors), strict=True))


@pytest.mark.slow
def test_shipped_model_and_item_vectors_agree(retriever, embedder):
    """Fails when the shipped weights, their int8 export or the default catalog's item vectors (its
    shipped vectors blended with its plots, what ingest stores) no longer give the scores training
    recorded: retrain (`chatrec train-retriever`) or rebuild what changed."""
    path = default_model_path()
    config = read_config(path)
    assert config is not None and config.item_space == retriever.store.embedder()
    assert config.plot_weight == Settings().plot_weight
    talk = load_conversation_retriever(retriever, Settings(), path)
    assert talk is not None
    reference = json.loads((path / REFERENCE_FILE).read_text())
    assert len(reference) >= 30
    vectors = product_vectors(embedder, {i for case in reference for i in case["top"]})
    gaps, firsts = [], []
    for case in reference:
        scores = talk.scores(case["conversation"], case["top"], vectors)
        gaps.append(np.abs(scores - np.array(case["scores"])).max())
        firsts.append(int(np.argmax(scores)) < 3)  # the recorded best is still near the top
    # int8 activations and kernels move a cosine by ~0.01; another model or item space moves it far more
    assert max(gaps) < 0.05, max(gaps)
    assert np.mean(firsts) >= 0.9, np.mean(firsts)
