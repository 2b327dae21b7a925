"""``chatrec train-retriever``: fine-tune the conversation retriever's query tower on ReDial TRAIN.

Data: every recommender turn of ReDial ``train.jsonl``'s ``train`` part (the harness's hash split,
the same one ``chatrec fit-hybrid`` and the reranker use) that names a film not named before: the
dialogue so far (:func:`conversation_text`) -> each such film. Validation, epoch choice and every
figure come from the ``val`` part (the held-out fifth), which the model never trains on; dev is
never read.

Recipe: the packaged all-MiniLM-L6-v2, its word embeddings and lower layers frozen (a CPU budget:
backward runs only through the top layers), mean pooling, unit vectors. The item side is fixed:
the store's own vectors of every catalog film. The loss is a softmax over the WHOLE catalog
(17k films: every film a negative, co-occurring and retrieval neighbours included, at the cost of
one matrix product), cosine x ``scale`` plus a learned weight on the film's standardised critic
popularity. Films the dialogue names anywhere are left out of the softmax (a film recommended two
turns later fits this context too), as they are left out of the ranking. Seeded; the best
validation point (R@10 + R@50 of the channel alone) is kept and saved as fp16.
"""

from __future__ import annotations

import copy
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest.redial import LinkStats, Sample, Split, dialogue_samples, read_dialogues
from chatrec.retrieval.conversation import (
    CONFIG_FILE,
    MAX_TOKENS,
    RetrieverConfig,
    conversation_text,
    popularity_z,
)
from chatrec.store.embeddings import packaged_minilm_path
from chatrec.store.onnx import quiet_transformers

REFERENCE_FILE = "reference.json"  # val conversations with their top films, for the shipped-model test


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 1
    batch: int = 32
    learning_rate: float = 5e-5
    frozen_layers: int = 2  # of MiniLM's 6, from the bottom (with the word embeddings)
    max_tokens: int = MAX_TOKENS
    scale: float = 20.0
    evals_per_epoch: int = 3
    max_samples: int | None = None  # a random subset of the train turns, to bound the CPU time
    seeker_turns: bool = False  # also train on the seeker's turns that name a new film
    seed: int = 0


@dataclass
class Turn:
    text: str
    excluded: list[int]  # rows of every film the dialogue names (out of softmax and ranking)
    context: list[int]  # rows of the films named before this turn (out of the ranking)
    targets: list[int]  # rows of the films this turn names first


def turns(
    data: Path, split: Split, linker: MentionLinker, rows: dict[str, int], *, seekers: bool = False
) -> list[Turn]:
    """The split's recommender turns with a new film in the catalog, as rows of the item matrix;
    with ``seekers``, the seeker's turns that name a new film too (what the seeker brings up next
    fits the conversation as well: more data from the same dialogues)."""
    found: list[Turn] = []
    for dialogue in read_dialogues(data, split=split):
        sides = [(dialogue, False)]
        if seekers:  # the same samples with the speakers' parts swapped, then their roles put back
            sides.append(({**dialogue, "initiatorWorkerId": dialogue.get("respondentWorkerId")}, True))
        named: set[int] = set()
        pending = []
        for source, swapped in sides:
            samples: list[Sample] = dialogue_samples(source, linker, LinkStats())
            named |= {rows[i] for s in samples for i in [*s.context_ids, *s.targets] if i in rows}
            pending += [(s, swapped) for s in samples]
        for s, swapped in pending:
            targets = [rows[i] for i in s.dedup_targets if i in rows]
            if targets:
                said = [(FLIP[m.role] if swapped else m.role, m.text) for m in s.context]
                context = [rows[i] for i in s.context_ids if i in rows]
                found.append(Turn(conversation_text(said), sorted(named), context, targets))
    return found


FLIP = {"seeker": "recommender", "recommender": "seeker"}


def _model(config: TrainConfig) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    path = packaged_minilm_path()
    model = AutoModel.from_pretrained(str(path), dtype=torch.float32)
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.encoder.layer[: config.frozen_layers]:
        layer.requires_grad_(False)
    return model, AutoTokenizer.from_pretrained(str(path))


def _encode(model: Any, tokenizer: Any, texts: list[str], max_tokens: int) -> Any:
    import torch

    batch = tokenizer(
        [t or " " for t in texts], truncation=True, max_length=max_tokens, padding=True, return_tensors="pt"
    )
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _losses(logits: Any, batch: list[Turn]) -> Any:
    """Mean over (turn, target) of the softmax loss over the catalog, the dialogue's films out."""
    import torch

    masked = logits.clone()
    for b, turn in enumerate(batch):
        masked[b, turn.excluded] = float("-inf")
    rest = torch.logsumexp(masked, dim=1)
    parts = []
    for b, turn in enumerate(batch):
        positive = logits[b, turn.targets]
        parts.append((torch.logaddexp(rest[b].expand_as(positive), positive) - positive).mean())
    return torch.stack(parts).mean()


def validate(
    model: Any, tokenizer: Any, items: Any, prior: Any, val: list[Turn], config: TrainConfig, ids: list[str]
) -> dict[str, float]:
    """Loss and dedup R@1/10/50, NDCG@10 of the channel alone on the val turns (context films out)."""
    import torch

    model.eval()
    losses, r1, r10, r50, n10 = [], [], [], [], []
    with torch.inference_mode():
        for start in range(0, len(val), 64):
            batch = val[start : start + 64]
            logits = (
                config.scale * _encode(model, tokenizer, [t.text for t in batch], config.max_tokens) @ items.T
            )
            logits = logits + prior
            losses.append(float(_losses(logits, batch)) * len(batch))
            for b, turn in enumerate(batch):
                row = logits[b].clone()
                row[turn.context] = float("-inf")
                top = torch.topk(row, metrics.LIST_LENGTH).indices.tolist()
                ranking, targets = [ids[i] for i in top], [ids[i] for i in turn.targets]
                r1.append(metrics.recall_at(ranking, targets, 1))
                r10.append(metrics.recall_at(ranking, targets, 10))
                r50.append(metrics.recall_at(ranking, targets, 50))
                n10.append(metrics.ndcg_at(ranking, targets, 10))
    model.train()
    mean = lambda v: round(float(np.mean(v)), 4)  # noqa: E731
    return {
        "loss": round(sum(losses) / len(val), 4),
        "recall@1": mean(r1),
        "recall@10": mean(r10),
        "recall@50": mean(r50),
        "ndcg@10": mean(n10),
    }


def _batches(train: list[Turn], config: TrainConfig, rng: random.Random) -> list[list[Turn]]:
    """Shuffled batches of turns of similar length (little compute spent on padding)."""
    order = list(train)
    rng.shuffle(order)
    chunk = config.batch * 20
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda t: len(t.text))
        batches += [part[i : i + config.batch] for i in range(0, len(part), config.batch)]
    rng.shuffle(batches)
    return batches


def train_retriever(retriever: Any, data: Path, out: Path, settings: Settings, config: TrainConfig) -> dict:
    """Train, keep the best validation point, save it with its config, card figures and plot."""
    import torch

    start = time.perf_counter()
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(settings.threads)
    table = retriever.table_ids()
    ids = [] if table is None else [str(i) for i in table]
    if not ids:
        raise ConfigError("the conversation retriever needs the catalog's vectors in memory")
    vectors = retriever.vectors(ids)
    items = torch.from_numpy(np.stack([vectors[i] for i in ids]).astype(np.float32))
    popularity = torch.tensor([popularity_z(retriever.catalog[i]) for i in ids], dtype=torch.float32)
    rows = {item_id: row for row, item_id in enumerate(ids)}
    linker = MentionLinker.for_data(retriever.catalog, data)
    train = turns(data, "train", linker, rows, seekers=config.seeker_turns)
    val = turns(data, "val", linker, rows)
    if not train or not val:
        raise ConfigError(f"{data} has no train or no val turn with a film in the catalog")
    if config.max_samples is not None and len(train) > config.max_samples:
        train = rng.sample(train, config.max_samples)
    model, tokenizer = _model(config)
    weight = torch.nn.Parameter(torch.zeros(()))  # of the popularity prior, in logits
    trainable = [p for p in model.parameters() if p.requires_grad]
    groups: list[dict[str, Any]] = [
        {"params": trainable},
        {"params": [weight], "lr": 1e-2, "weight_decay": 0.0},
    ]
    optimiser = torch.optim.AdamW(
        groups,
        lr=config.learning_rate,
        weight_decay=0.01,
    )
    steps_per_epoch = -(-len(train) // config.batch)
    total = steps_per_epoch * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * total)) * max(0.0, (total - s) / total)
    )
    every = max(1, steps_per_epoch // config.evals_per_epoch)
    curve = [{"step": 0, **validate(model, tokenizer, items, 0.0, val, config, ids)}]
    print(f"step 0 (MiniLM off the shelf): {curve[-1]}", flush=True)
    best = (curve[0]["recall@10"] + curve[0]["recall@50"], 0, copy.deepcopy(model.state_dict()), 0.0)
    step_losses: list[float] = []
    train_start = time.perf_counter()
    for epoch in range(config.epochs):
        for batch in tqdm(
            _batches(train, config, rng), desc=f"epoch {epoch + 1}/{config.epochs}", unit="steps"
        ):
            queries = _encode(model, tokenizer, [t.text for t in batch], config.max_tokens)
            loss = _losses(config.scale * queries @ items.T + weight * popularity, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step_losses.append(loss.item())
            if len(step_losses) % every == 0 or len(step_losses) == total:
                prior = float(weight.detach()) * popularity
                point = validate(model, tokenizer, items, prior, val, config, ids)
                curve.append({"step": len(step_losses), "epoch": epoch + 1, **point})
                print(
                    f"step {len(step_losses)}: {point} (popularity {float(weight.detach()):.3f})", flush=True
                )
                score = point["recall@10"] + point["recall@50"]
                if score > best[0]:
                    best = (
                        score,
                        len(step_losses),
                        copy.deepcopy(model.state_dict()),
                        float(weight.detach()),
                    )
    train_seconds = time.perf_counter() - train_start
    model.load_state_dict(best[2])
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    saved = RetrieverConfig(
        item_space=str(retriever.store.embedder()),
        plot_weight=settings.plot_weight,
        max_tokens=config.max_tokens,
        scale=config.scale,
        popularity=round(best[3] / config.scale, 6),
    )
    (out / CONFIG_FILE).write_text(saved.model_dump_json(indent=1) + "\n")
    model.float().eval()
    _reference(
        model, tokenizer, items, popularity * best[3], val[:: max(1, len(val) // 40)], config, ids, out
    )
    from chatrec.retrieval.conversation_plot import plot_training

    plot_training(step_losses, curve, steps_per_epoch, out / "training.png")
    report = {
        "config": asdict(config),
        "train_turns": len(train),
        "val_turns": len(val),
        "catalog_items": len(ids),
        "curve": curve,
        "step_kept": best[1],
        "train_seconds": round(train_seconds),
        "turns_per_second": round(len(step_losses) * config.batch / max(train_seconds, 1e-9), 2),
        "total_seconds": round(time.perf_counter() - start),
        "threads": settings.threads,
    }
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _reference(
    model: Any,
    tokenizer: Any,
    items: Any,
    prior: Any,
    sample: list[Turn],
    config: TrainConfig,
    ids: list[str],
    out: Path,
) -> None:
    """A few val conversations with their top 10 films and scores (cosine + prior) as trained, so a
    test can check that the shipped weights, the int8 runtime and the store's vectors still agree."""
    import torch

    with torch.inference_mode():
        queries = _encode(model, tokenizer, [t.text for t in sample], config.max_tokens)
        scores = queries @ items.T + prior / config.scale
    found = []
    for b, turn in enumerate(sample):
        row = scores[b].clone()
        row[turn.context] = float("-inf")
        top = torch.topk(row, 10)
        found.append(
            {
                "conversation": turn.text,
                "exclude": [ids[i] for i in turn.context],
                "top": [ids[i] for i in top.indices.tolist()],
                "scores": [round(float(s), 5) for s in top.values.tolist()],
            }
        )
    (out / REFERENCE_FILE).write_text(json.dumps(found, indent=1) + "\n")
