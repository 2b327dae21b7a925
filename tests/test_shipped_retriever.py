"""The conversation retriever: its text, and the shipped model against the store's item vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatrec.config import Settings
from chatrec.retrieval.conversation import (
    ROLES,
    conversation_text,
    default_model_path,
    load_conversation_retriever,
    read_config,
)
from chatrec.retrieval.conversation_train import REFERENCE_FILE


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


@pytest.mark.slow
def test_shipped_model_and_item_vectors_agree(retriever):
    """Fails when the shipped weights, their int8 export or the store's item vectors (the default
    catalog's shipped vectors blended with its plots) no longer give the scores training recorded:
    retrain (`chatrec train-retriever`) or rebuild what changed."""
    path = default_model_path()
    config = read_config(path)
    assert config is not None and config.item_space == retriever.store.embedder()
    talk = load_conversation_retriever(retriever, Settings(), path)
    assert talk is not None
    reference = json.loads((path / REFERENCE_FILE).read_text())
    assert len(reference) >= 30
    gaps, overlaps = [], []
    for case in reference:
        vectors = retriever.vectors(case["top"])
        scores = talk.scores(case["conversation"], case["top"], vectors)
        gaps.append(np.abs(scores - np.array(case["scores"])).max())
        found = talk.search(case["conversation"], n=10, exclude_ids=case["exclude"])
        overlaps.append(len({h.item.id for h in found} & set(case["top"])) / 10)
    # int8 activations and kernels move a cosine by ~0.01; another model or item space moves it far more
    assert max(gaps) < 0.05, max(gaps)
    assert np.mean(overlaps) >= 0.7, np.mean(overlaps)
