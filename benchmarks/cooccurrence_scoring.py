"""Choose the co-occurrence scoring on a validation part of ReDial TRAIN (never dev).

Counts are built from train.jsonl's ``train`` split (four dialogues in five, by a hash of the id);
the ``val`` split's turn-level samples are ranked by co-occurrence with the films mentioned so far,
and the dedup Recall@10/@50 of each scoring is printed, best first, then EASE's for a few lambdas.
No vector store needed: the catalog comes straight from the default catalog's source.

    python -m benchmarks.cooccurrence_scoring --data ../shared/data/redial/train.jsonl
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from benchmarks.common import catalog_items
from chatrec import metrics
from chatrec.catalog.interactions import Interactions, MentionLinker, redial_groups
from chatrec.ingest.redial import LinkStats, Sample, dialogue_samples, read_dialogues
from chatrec.retrieval.collaborative import Collaborative, Scoring

GRID = {
    "damping": (1.0, 5.0, 20.0),
    "seed_norm": (0.0, 0.5, 1.0),
    "item_norm": (0.0, 0.25, 0.5),
    "recency": (1.0, 0.8, 0.6),
}


def recall(collab: Collaborative, samples: list[Sample]) -> tuple[float, float]:
    """Mean dedup Recall@10 and @50 of the co-occurrence ranking (context films as seeds)."""
    r10, r50 = [], []
    for s in samples:
        seeds = collab.seed_weights(s.context_ids)
        ranking = collab.rank(seeds, n=50, exclude_ids=s.context_ids)
        r10.append(metrics.recall_at(ranking, s.dedup_targets, 10))
        r50.append(metrics.recall_at(ranking, s.dedup_targets, 50))
    return float(np.mean(r10)), float(np.mean(r50))


def ease_recall(interactions: Interactions, samples: list[Sample], lam: float) -> tuple[float, float]:
    """The same Recall for EASE (Steck 2019): B = I - P diag(1/diag(P)), P = (G + lam I)^-1, with
    G = X^T X the co-occurrence counts (item counts on the diagonal); scores = sum of seed rows."""
    ids = sorted(interactions.counts)
    row = {i: k for k, i in enumerate(ids)}
    gram = np.diag([interactions.counts[i] for i in ids]).astype(np.float64)
    for a, neighbours in interactions.pairs.items():
        for b, together in neighbours.items():
            gram[row[a], row[b]] = together
    p = np.linalg.inv(gram + lam * np.eye(len(ids)))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    tie = 1e-9 * np.log1p(np.diag(gram))  # equal scores: the most named first
    r10, r50 = [], []
    for s in samples:
        seeds = [row[i] for i in s.context_ids if i in row]
        scores = b[seeds].sum(axis=0) + tie
        scores[seeds] = -np.inf
        ranking = [ids[k] for k in np.argsort(-scores, kind="stable")[:50]]
        r10.append(metrics.recall_at(ranking, s.dedup_targets, 10))
        r50.append(metrics.recall_at(ranking, s.dedup_targets, 50))
    return float(np.mean(r10)), float(np.mean(r50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="ReDial train.jsonl")
    args = parser.parse_args()
    catalog = {i.id: i.metadata for i in catalog_items()}
    linker = MentionLinker.for_data(catalog, args.data)
    train = list(read_dialogues(args.data, split="train"))
    val = list(read_dialogues(args.data, split="val"))
    samples = [s for d in val for s in dialogue_samples(d, linker, LinkStats()) if s.dedup_targets]
    counts = linker.counts
    print(f"val: {len(val)} dialogues, {len(samples)} dedup samples; train: {len(train)} dialogues")
    print(f"links: {counts.imdb} by IMDb id, {counts.title} by title, {counts.missed} missed")
    results = []
    for skip in (True, False):
        interactions = Interactions.from_groups(redial_groups(train, linker, skip_disliked=skip))
        for values in itertools.product(*GRID.values()):
            scoring = Scoring(**dict(zip(GRID, values, strict=True)))
            results.append((recall(Collaborative(interactions, scoring), samples), skip, scoring))
    results.sort(key=lambda r: -(r[0][0] + r[0][1]))
    print("R@10  R@50  skip_disliked  scoring")
    for (r10, r50), skip, scoring in results[:15]:
        print(f"{r10:.3f} {r50:.3f} {skip!s:5} {scoring!r}")
    raw = Scoring(damping=1, seed_norm=0, item_norm=0, recency=1)
    for (r10, r50), skip, _ in (r for r in results if r[2] == raw):
        print(f"raw counts, all seeds equal, skip_disliked {skip}: R@10 {r10:.3f} R@50 {r50:.3f}")
    interactions = Interactions.from_groups(redial_groups(train, linker))
    for lam in (10.0, 100.0, 300.0):
        r10, r50 = ease_recall(interactions, samples, lam)
        print(f"EASE lambda {lam:g}: R@10 {r10:.3f} R@50 {r50:.3f}")


if __name__ == "__main__":
    main()
