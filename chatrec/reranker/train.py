"""``chatrec train-reranker``: train the cross-encoder, pick its epoch and fusion weights on validation.

Reproducible: one seed drives data sampling, shuffling and initialisation, and the data come only
from the ReDial ``train`` split and the catalog. Every choice (the epoch kept, the fusion weights,
how many candidates to rerank) is made on the ``val`` split, which the model never trains on.
The model starts from the packaged all-MiniLM-L6-v2 weights, keeping its first ``layers`` layers:
a cross-encoder pays per candidate, and three layers is what the 150 ms budget allows.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from tqdm import tqdm

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest.interactions import redial_interactions
from chatrec.ingest.redial import Sample, context_query
from chatrec.reranker.data import Group, redial_groups, redial_samples, synthetic_groups
from chatrec.reranker.model import (
    FUSION_FILE,
    Fusion,
    Reranker,
    TorchReranker,
    load_reranker,
    pair_text,
    popularity,
)
from chatrec.retrieval.collaborative import Collaborative
from chatrec.retrieval.retriever import Retriever
from chatrec.store.embeddings import packaged_minilm_path
from chatrec.store.onnx import quiet_transformers

CANDIDATE_CHOICES = (30, 50, 100)
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)  # retrieval and popularity, relative to cross-encoder 1


@dataclass(frozen=True)
class TrainConfig:
    layers: int = 3
    max_length: int = 64
    epochs: int = 3
    batch_groups: int = 8
    learning_rate: float = 1e-4
    synthetic: int = 2000
    max_groups: int | None = None  # a random subset of the ReDial groups, to bound the CPU time
    # Where the hard negatives come from: "retrieval" (what the reranker reorders in the `rerank`
    # system and for a catalog without interactions) or "hybrid" (also co-occurring and most-named
    # films). Trained on "hybrid" it never earned a weight in the hybrid fusion (model card).
    negatives: Literal["retrieval", "hybrid"] = "retrieval"
    seed: int = 0


def _model(layers: int) -> tuple[Any, Any]:
    """MiniLM's first ``layers`` layers under a fresh one-logit head, and its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    quiet_transformers()
    path = packaged_minilm_path()
    config = AutoConfig.from_pretrained(str(path), num_labels=1, num_hidden_layers=layers)
    model = AutoModelForSequenceClassification.from_pretrained(str(path), config=config, dtype=torch.float32)
    # The word embeddings are most of the weights and see few of their rows here: freezing them
    # keeps what MiniLM knows about rare words and halves the optimiser's work.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model, AutoTokenizer.from_pretrained(str(path))


def _group_logits(scorer: TorchReranker, groups: list[Group]) -> Any:
    """Logits shaped (groups, 1 + negatives), the positive in column 0."""
    import torch

    queries = [g.query for g in groups for _ in range(1 + len(g.negatives))]
    texts = [pair_text(i) for g in groups for i in (g.positive, *g.negatives)]
    features = {k: torch.from_numpy(v) for k, v in scorer.pairs(queries, texts).items()}
    return scorer.model(**features).logits[:, 0].view(len(groups), -1)


def _validate(scorer: TorchReranker, groups: list[Group], batch: int) -> dict[str, float]:
    """Listwise loss and share of groups whose positive scores first, on the val groups."""
    import torch

    losses, firsts = [], []
    with torch.inference_mode():
        for start in range(0, len(groups), batch):
            logits = _group_logits(scorer, groups[start : start + batch])
            target = torch.zeros(len(logits), dtype=torch.long)
            losses.append(float(torch.nn.functional.cross_entropy(logits, target, reduction="sum")))
            firsts += (logits.argmax(1) == 0).tolist()
    return {"loss": sum(losses) / len(groups), "positive_first": float(np.mean(firsts))}


def _plot(steps: list[float], val: list[dict[str, float]], steps_per_epoch: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = max(1, steps_per_epoch // 20)
    smooth = np.convolve(steps, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    ax.plot(np.arange(len(steps)) + 1, steps, alpha=0.25, color="C0", label="train (per step)")
    ax.plot(np.arange(len(smooth)) + window, smooth, color="C0", label=f"train (mean of {window})")
    epochs = [(e + 1) * steps_per_epoch for e in range(len(val))]
    ax.plot(epochs, [v["loss"] for v in val], "o-", color="C1", label="validation (ReDial val split)")
    ax.set_xlabel("step")
    ax.set_ylabel("listwise cross-entropy (1 positive vs 3 hard negatives)")
    ax.set_title("chatrec-reranker training")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _ranking(order: np.ndarray, ids: list[str], depth: int) -> list[str]:
    """The reranked head of ``depth`` candidates, then the rest in retrieval order, cut to 50."""
    return ([ids[i] for i in order] + ids[depth:])[: metrics.LIST_LENGTH]


def tune_fusion(reranker: Reranker, retriever: Retriever, samples: list[Sample]) -> dict[str, Any]:
    """Pick the candidate count and fusion weights that maximise mean dedup R@10 and R@50 on val.

    The cross-encoder scores each sample's deepest candidate list once; every combination is then
    a cheap re-sort of cached scores.
    """
    cached = []
    for sample in tqdm(samples, desc="val candidates", unit="samples", disable=None):
        query = context_query(sample)
        hits = retriever.search(
            query, n=max(CANDIDATE_CHOICES), exclude_ids=sample.context_ids, like_ids=sample.context_ids
        )
        items = [h.item for h in hits]
        features = (
            reranker.score(query, items),
            np.array([h.score for h in hits]),
            np.array([popularity(i) for i in items]),
        )
        cached.append(([i.id for i in items], features, sample.dedup_targets))

    def recalls(depth: int, fusion: Fusion | None) -> dict[str, float]:
        r10, r50 = [], []
        for ids, (cross, ret, pop), targets in cached:
            d = min(depth, len(ids))
            order = (
                np.arange(len(ids))
                if fusion is None
                else np.argsort(-fusion.combine(cross[:d], ret[:d], pop[:d]))
            )
            ranking = _ranking(order, ids, d)
            r10.append(metrics.recall_at(ranking, targets, 10))
            r50.append(metrics.recall_at(ranking, targets, 50))
        return {"recall@10": float(np.mean(r10)), "recall@50": float(np.mean(r50))}

    table: list[dict[str, Any]] = [{"candidates": 0, "fusion": None, **recalls(0, None)}]  # retrieval alone
    for depth, ce, ret, pop in itertools.product(CANDIDATE_CHOICES, (0.0, 1.0), WEIGHTS, WEIGHTS):
        if ce or ret or pop:
            fusion = Fusion(cross_encoder=ce, retrieval=ret, popularity=pop)
            table.append({"candidates": depth, "fusion": fusion.model_dump(), **recalls(depth, fusion)})

    def objective(row: dict[str, Any]) -> float:
        return row["recall@10"] + row["recall@50"]

    best = max(table[1:], key=objective)
    # The same search with the cross-encoder's weight at 0: what fusion alone would give, so the
    # model's own share of the gain is on record.
    without = max((r for r in table[1:] if not r["fusion"]["cross_encoder"]), key=objective)
    return {"samples": len(samples), "retrieval": table[0], "best": best, "without_cross_encoder": without}


def _require(found: Sequence[object], problem: str) -> None:
    """Checked before training starts, so a run cannot fail after its hours of work."""
    if not found:
        raise ConfigError(problem)


def train_reranker(
    retriever: Retriever, data: Path, out: Path, settings: Settings, config: TrainConfig
) -> dict[str, Any]:
    """Train, keep the best epoch on val, save fp16 weights to ``out``, then tune fusion on val."""
    import torch

    start = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(settings.threads)
    rng = random.Random(config.seed)
    linker = MentionLinker.for_data(retriever.catalog, data)
    train_samples = redial_samples(data, linker, "train")
    val_samples = redial_samples(data, linker, "val")
    _require(val_samples, f"no dialogue of {data} falls in the validation split with a film in the catalog")
    # Co-occurrence counted on the train part only, as `chatrec fit-hybrid` does: its candidates
    # are hard negatives for train and val alike.
    collaborative = (
        Collaborative(redial_interactions(data, linker, "train")) if config.negatives == "hybrid" else None
    )
    redial = redial_groups(retriever, train_samples, rng, collaborative)
    if config.max_groups is not None and len(redial) > config.max_groups:
        redial = rng.sample(redial, config.max_groups)
    groups = redial + synthetic_groups(retriever, config.synthetic, rng)
    val_groups = redial_groups(retriever, val_samples, random.Random(config.seed + 1), collaborative)
    _require(groups, f"nothing to train on: no usable train-split dialogue in {data} and --synthetic 0")
    _require(val_groups, f"no validation dialogue of {data} has enough candidates to rank")
    model, tokenizer = _model(config.layers)
    scorer = TorchReranker(model, tokenizer, max_length=config.max_length, fusion=Fusion())
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.01)
    steps_per_epoch = -(-len(groups) // config.batch_groups)
    total = steps_per_epoch * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * total)) * max(0.0, (total - s) / total)
    )
    step_losses: list[float] = []
    history: list[dict[str, float]] = []
    best: tuple[float, int, dict[str, Any]] | None = None
    for epoch in range(config.epochs):
        model.train()
        order = list(range(len(groups)))
        rng.shuffle(order)
        batches = [order[i : i + config.batch_groups] for i in range(0, len(order), config.batch_groups)]
        for batch in tqdm(batches, desc=f"epoch {epoch + 1}/{config.epochs}", unit="steps"):
            logits = _group_logits(scorer, [groups[i] for i in batch])
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step_losses.append(loss.item())
        model.eval()
        history.append({"epoch": epoch + 1, **_validate(scorer, val_groups, 4 * config.batch_groups)})
        print(f"epoch {epoch + 1}: val {history[-1]}")
        if best is None or history[-1]["loss"] < best[0]:
            best = (history[-1]["loss"], epoch + 1, copy.deepcopy(model.state_dict()))
    assert best is not None
    model.load_state_dict(best[2])
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    _plot(step_losses, history, steps_per_epoch, out / "training_loss.png")
    training_seconds = time.perf_counter() - start
    tuning = tune_fusion(load_reranker(settings, out), retriever, val_samples)
    (out / FUSION_FILE).write_text(json.dumps(tuning["best"]["fusion"], indent=1) + "\n")
    report = {
        "config": asdict(config),
        "train_groups": len(groups),
        "redial_groups": len(redial),
        "train_samples": len(train_samples),
        "val_groups": len(val_groups),
        "history": history,
        "epoch_kept": best[1],
        "training_seconds": round(training_seconds),
        "total_seconds": round(time.perf_counter() - start),
        "validation": tuning,
    }
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n")
    return report
