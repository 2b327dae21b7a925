"""``chatrec fit-hybrid``: learn the hybrid ranking's weights on a validation part of ReDial TRAIN.

Protocol (never dev): the dialogues of train.jsonl are split by a hash of their id (the harness's
``train``/``val`` split, the same one the reranker trains on). Co-occurrence is counted from the
``train`` part only; every ``val`` turn is ranked by the agent's own pipeline (the state its
understanding builds, content retrieval under the state's constraints, co-occurrence candidates),
and a logistic regression over the standardised signals learns which candidates the recommender
named next. The cross-encoder's weight and depth are then chosen by Recall on the same turns,
end to end (steering and MMR after it, as the agent ranks), and only when they beat weight 0 by
``MIN_GAIN``: the model costs ~30 ms a turn. The fusion figures are 2-fold cross-validated over
dialogues, so they are not in-sample; the cross-encoder's are.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.eval.systems import context_query, sample_dialogue, sample_state
from chatrec.ingest.interactions import redial_interactions
from chatrec.ingest.redial import LinkStats, dialogue_samples, read_dialogues
from chatrec.ranking.hybrid import FEATURES, Hybrid, HybridWeights, standardise
from chatrec.ranking.pipeline import RankingPipeline, avoiding
from chatrec.retrieval.collaborative import Collaborative
from chatrec.store.chroma import Hit
from chatrec.store.interactions import default_artefact

CROSS_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)
DEPTHS = (20, 30, 50)
L2 = 1.0
CONVERSATION_CANDIDATES = 100  # the conversation retriever's best films joining the candidates
MIN_GAIN = 0.005  # of R@10 + R@50 over weight 0, for the cross-encoder to be worth its time


@dataclass
class Turn:
    """One val turn: its candidates' standardised signals, their ids and the dedup targets."""

    fold: int
    query: str
    ids: list[str]
    items: list[Any]
    x: np.ndarray
    targets: list[str]
    state: DialogueState
    cross: np.ndarray | None = None  # cross-encoder scores of the stage-1 head, when computed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="ReDial train.jsonl (its val split is used)")
    parser.add_argument("--out", type=Path, default=default_artefact().parent / "hybrid.json")
    parser.add_argument("--limit", type=int, help="only the first N val dialogues")
    parser.add_argument("--no-cross-encoder", action="store_true", help="fit without the reranker")
    parser.add_argument(
        "--no-conversation", action="store_true", help="fit without the conversation retriever's channel"
    )


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Weights of an L2-regularised logistic regression (with intercept, dropped), by Newton steps."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.diag([l2] * x.shape[1] + [0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) + penalty @ w
        hess = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1]


Finish = Callable[[list[Hit], DialogueState, int], list[Hit]]


def recalls(
    turns: list[Turn], weights: np.ndarray, cross: float = 0.0, depth: int = 0, finish: Finish | None = None
) -> tuple[float, float]:
    """Mean dedup R@10 and R@50 of the fused ranking, with the cross-encoder on its head and,
    given ``finish``, the agent's last steps (steering, MMR) after it."""
    r10, r50 = [], []
    for t in turns:
        fused = t.x @ weights
        order = list(np.argsort(-fused, kind="stable"))
        if cross and t.cross is not None and depth:
            head = order[:depth]
            c = standardise(t.cross[: len(head), None])[:, 0]
            total = fused[head] + cross * c
            fused = fused.copy()
            fused[head] = total
            order = [head[i] for i in np.argsort(-total, kind="stable")] + order[depth:]
        if finish is None:
            ranking = [t.ids[i] for i in order]
        else:
            hits = avoiding([Hit(t.items[i], float(fused[i])) for i in order], t.state)
            ranking = [h.item.id for h in finish(hits, t.state, 50)]
        r10.append(metrics.recall_at(ranking, t.targets, 10))
        r50.append(metrics.recall_at(ranking, t.targets, 50))
    return float(np.mean(r10)), float(np.mean(r50))


def fold_of(dialogue_id: str) -> int:
    """Which of two cross-validation folds a dialogue is in (by a hash of its id)."""
    return int(hashlib.sha256(f"fold:{dialogue_id}".encode()).hexdigest(), 16) % 2


def collect(
    args: argparse.Namespace, settings: Settings
) -> tuple[list[Turn], dict[str, Any], Hybrid, RankingPipeline]:
    """Val turns with their candidates and signals, counts from the train part only."""
    from chatrec.retrieval.retriever import Retriever
    from chatrec.understanding.understand import Understander

    retriever = Retriever.from_settings(settings)
    linker = MentionLinker.for_data(retriever.catalog, args.data)
    interactions = redial_interactions(args.data, linker, "train")
    from chatrec.retrieval.conversation import load_conversation_retriever

    talk = None if args.no_conversation else load_conversation_retriever(retriever, settings)
    weights = HybridWeights(conversation_candidates=CONVERSATION_CANDIDATES if talk else 0)
    hybrid = Hybrid(retriever, Collaborative(interactions), weights, conversation=talk)
    pipeline = RankingPipeline(retriever)
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    val = list(read_dialogues(args.data, split="val", limit=args.limit))
    samples = [s for d in val for s in dialogue_samples(d, linker, LinkStats()) if s.dedup_targets]
    turns: list[Turn] = []
    for sample in tqdm(samples, desc="val turns", unit="turns", disable=None):
        state = sample_state(understander, sample)
        query, hits = pipeline.content(state, context_query(sample), 50)
        found = hybrid.candidates(query, state, hits, sample_dialogue(sample))
        turns.append(
            Turn(
                fold_of(sample.dialogue_id),
                query,
                [h.item.id for h in found.hits],
                [h.item for h in found.hits],
                standardise(found.features),
                sample.dedup_targets,
                state,
            )
        )
    info = {"val_dialogues": len(val), "turns": len(turns), "train_groups": interactions.groups}
    return turns, info, hybrid, pipeline


def fit(turns: list[Turn]) -> np.ndarray:
    x = np.vstack([t.x for t in turns])
    y = np.concatenate([[float(i in t.targets) for i in t.ids] for t in turns])
    return logistic(x, y)


def run(args: argparse.Namespace, settings: Settings) -> int:
    turns, info, hybrid, pipeline = collect(args, settings)
    folds = [[t for t in turns if t.fold == k] for k in (0, 1)]
    cv = [recalls(folds[1 - k], fit(folds[k])) for k in (0, 1)]
    weights = fit(turns)
    report: dict[str, Any] = {**info, "features": list(FEATURES)}
    report["weights"] = dict(zip(FEATURES, np.round(weights, 4).tolist(), strict=True))
    report["recall_cv"] = {
        "recall@10": float(np.mean([c[0] for c in cv])),
        "recall@50": float(np.mean([c[1] for c in cv])),
    }
    for name, w in {
        "retrieval_only": np.eye(len(FEATURES))[0],
        "cooccurrence_only": np.eye(len(FEATURES))[1],
        "conversation_only": np.eye(len(FEATURES))[FEATURES.index("conversation")],
        "fitted_in_sample": weights,
    }.items():
        report[name] = dict(zip(("recall@10", "recall@50"), recalls(turns, w), strict=True))
    end_to_end = recalls(turns, weights, finish=pipeline.finish)  # steering and MMR too, in-sample
    report["end_to_end_in_sample"] = dict(zip(("recall@10", "recall@50"), end_to_end, strict=True))
    best = {"cross_encoder": 0.0, "rerank_depth": DEPTHS[0]}
    if not args.no_cross_encoder:
        from chatrec.reranker.model import load_reranker

        reranker = load_reranker(settings)
        for t in tqdm(turns, desc="cross-encoder", unit="turns", disable=None):
            head = np.argsort(-(t.x @ weights), kind="stable")[: max(DEPTHS)]
            t.cross = reranker.score(t.query, [t.items[i] for i in head])
        grid = []
        for depth, ce in itertools.product(DEPTHS, CROSS_WEIGHTS):
            r10, r50 = recalls(turns, weights, ce, depth, pipeline.finish)
            grid.append({"rerank_depth": depth, "cross_encoder": ce, "recall@10": r10, "recall@50": r50})
        report["cross_encoder_grid (end to end)"] = grid

        def objective(g: dict[str, Any]) -> float:
            return g["recall@10"] + g["recall@50"]

        top = max(grid, key=objective)
        if objective(top) - objective(grid[0]) >= MIN_GAIN:
            best = {"cross_encoder": top["cross_encoder"], "rerank_depth": top["rerank_depth"]}
    fitted = hybrid.weights.model_copy(update={**report["weights"], **best})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fitted.model_dump(), indent=1) + "\n")
    (args.out.parent / "fit.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"wrote {args.out} and {args.out.parent / 'fit.json'}")
    return 0
