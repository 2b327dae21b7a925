"""Compare variants of the hybrid fusion on a validation part of ReDial TRAIN (never dev).

Co-occurrence is counted from train.jsonl's ``train`` split; each ``val`` turn is ranked by the
agent's own pipeline (state, content retrieval, co-occurrence and most-named candidates), once, with
a wide candidate pool; the variants then differ in which signals the logistic fusion sees and how
many most-named films join the pool. Figures are 2-fold cross-validated over dialogues, as in
``chatrec fit-hybrid``. Needs an ingested store.

    python -m benchmarks.hybrid_variants --data ../shared/data/redial/train.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.config import Settings
from chatrec.eval.hybrid_fit import fold_of, logistic
from chatrec.eval.systems import context_query, sample_state
from chatrec.ingest.interactions import redial_interactions
from chatrec.ingest.redial import LinkStats, dialogue_samples, read_dialogues
from chatrec.ranking.hybrid import FEATURES, Hybrid, HybridWeights, standardise
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.collaborative import Collaborative
from chatrec.retrieval.retriever import Retriever
from chatrec.understanding.understand import Understander

WIDE = 200  # most-named films asked for; a variant keeps the first N of them
VARIANTS = {  # name -> (signals used, most-named films in the pool)
    "5 signals, 50 most named (before)": (5, 50),
    "5 signals, 100 most named": (5, 100),
    "5 signals, 200 most named": (5, 200),
    "5 signals + seeded split, 100 most named (shipped)": (8, 100),
    "5 signals + seeded split, 200 most named": (8, 200),
}


def collect(data: Path) -> list[dict]:
    """Every val turn: its raw signals, each candidate's rank among the most named, its targets."""
    retriever = Retriever.from_settings(Settings())
    linker = MentionLinker.for_data(retriever.catalog, data)
    interactions = redial_interactions(data, linker, "train")
    collab = Collaborative(interactions)
    hybrid = Hybrid(retriever, collab, HybridWeights(popular_candidates=WIDE))
    pipeline = RankingPipeline(retriever)
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    turns = []
    for dialogue in read_dialogues(data, split="val"):
        for sample in dialogue_samples(dialogue, linker, LinkStats()):
            if not sample.dedup_targets:
                continue
            state = sample_state(understander, sample)
            query, hits = pipeline.content(state, context_query(sample), 50)
            found = hybrid.candidates(query, state, hits)
            excluded = state.excluded_ids()
            seeds = collab.seed_weights(state.liked_ids, state.disliked_ids)
            # content hits and co-occurrence candidates are in every variant's pool (rank -1)
            always = {h.item.id for h in hits}
            always |= {
                i for i, _ in collab.candidates(seeds, n=hybrid.weights.cooc_candidates, exclude_ids=excluded)
            }
            rank = {i: r for r, i in enumerate(collab.popular(n=WIDE, exclude_ids=excluded))}
            turns.append(
                {
                    "fold": fold_of(sample.dialogue_id),
                    "ids": [h.item.id for h in found.hits],
                    "rank": [-1 if h.item.id in always else rank.get(h.item.id, -1) for h in found.hits],
                    "raw": found.features,
                    "targets": sample.dedup_targets,
                }
            )
    return turns


Rows = list[tuple[int, list[str], np.ndarray, list[str]]]  # fold, candidate ids, signals, targets


def variant(turns: list[dict], signals: int, popular: int) -> Rows:
    """Each turn's pool and standardised signals under one variant."""
    out = []
    for t in turns:
        keep = [k for k, r in enumerate(t["rank"]) if r < popular]
        x = standardise(t["raw"][keep, :signals]) if keep else np.zeros((0, signals))
        out.append((t["fold"], [t["ids"][k] for k in keep], x, t["targets"]))
    return out


def cross_validated(rows: Rows) -> tuple[float, float]:
    r10, r50 = [], []
    for fold in (0, 1):
        train = [r for r in rows if r[0] != fold]
        x = np.vstack([r[2] for r in train])
        y = np.concatenate([[float(i in r[3]) for i in r[1]] for r in train])
        w = logistic(x, y)
        for _, ids, features, targets in (r for r in rows if r[0] == fold):
            ranking = [ids[k] for k in np.argsort(-(features @ w), kind="stable")]
            r10.append(metrics.recall_at(ranking, targets, 10))
            r50.append(metrics.recall_at(ranking, targets, 50))
    return float(np.mean(r10)), float(np.mean(r50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="ReDial train.jsonl")
    turns = collect(parser.parse_args().data)
    print(f"{len(turns)} val turns; signals: {', '.join(FEATURES)}")
    print("R@10  R@50  variant")
    for name, (signals, popular) in VARIANTS.items():
        r10, r50 = cross_validated(variant(turns, signals, popular))
        print(f"{r10:.3f} {r50:.3f} {name}")


if __name__ == "__main__":
    main()
