"""Run ranking systems over samples and turn their lists into metric rows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.errors import SourceError
from chatrec.eval.systems import Ranker, build_systems
from chatrec.ingest.redial import LinkStats, Sample, Split, dialogue_samples, read_dialogues
from chatrec.retrieval.retriever import Retriever

CURVE_KS = tuple(range(1, metrics.LIST_LENGTH + 1))


@dataclass
class SystemResult:
    """Per-sample rankings and timings of one system."""

    name: str
    rankings: list[list[str]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def run_system(name: str, rank: Ranker, samples: Sequence[Sample]) -> SystemResult:
    result = SystemResult(name)
    for sample in tqdm(samples, desc=name, unit="samples", disable=None):
        start = time.perf_counter()
        ranking = rank(sample, metrics.LIST_LENGTH)
        result.seconds.append(time.perf_counter() - start)
        result.rankings.append(ranking)
    return result


def _row(system: str, variant: str, metric: str, value: float, samples: int) -> dict:
    return {
        "system": system,
        "variant": variant,
        "metric": metric,
        "value": round(float(value), 6),
        "samples": samples,
    }


def score(
    result: SystemResult,
    samples: Sequence[Sample],
    *,
    catalog_ids: set[str],
    most_popular: set[str],
) -> tuple[list[dict], dict[str, list[float]]]:
    """Metric rows for both target variants, and each variant's mean Recall@K curve."""
    rows: list[dict] = []
    curves: dict[str, list[float]] = {}
    for variant in ("all", "dedup"):
        pairs = [
            (r, s, s.targets if variant == "all" else s.dedup_targets)
            for r, s in zip(result.rankings, samples, strict=True)
        ]
        pairs = [(r, s, t) for r, s, t in pairs if t]
        if not pairs:
            continue
        count = len(pairs)

        def mean(values: list[float]) -> float:
            return float(np.mean(values)) if values else 0.0

        def stderr(values: list[float]) -> float:
            """Standard error of the mean over samples (turns of one dialogue taken as independent)."""
            return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0

        r10 = [metrics.recall_at(r, t, 10) for r, _, t in pairs]
        r50 = [metrics.recall_at(r, t, 50) for r, _, t in pairs]
        figures = {
            "recall@1": mean([metrics.recall_at(r, t, 1) for r, _, t in pairs]),
            "recall@10": mean(r10),
            "recall@50": mean(r50),
            "recall@10_se": stderr(r10),
            "recall@50_se": stderr(r50),
            "ndcg@10": mean([metrics.ndcg_at(r, t, 10) for r, _, t in pairs]),
            "ndcg@50": mean([metrics.ndcg_at(r, t, 50) for r, _, t in pairs]),
            "mrr": mean([metrics.reciprocal_rank(r, t) for r, _, t in pairs]),
            "not_in_catalog": mean([1 - metrics.share_in(r, catalog_ids) if r else 0.0 for r, _, _ in pairs]),
            "duplicates": mean([metrics.duplicate_rate(r) for r, _, _ in pairs]),
            "mentioned_in_context@10": mean(
                [metrics.share_in(r[:10], set(s.context_ids)) for r, s, _ in pairs]
            ),
            "coverage@10": len({i for r, _, _ in pairs for i in r[:10]}) / max(len(catalog_ids), 1),
            "popular_in_top10": mean([float(bool(most_popular.intersection(r[:10]))) for r, _, _ in pairs]),
            "empty_lists": mean([float(not r) for r, _, _ in pairs]),
        }
        ms = [1000 * sec for sec, s in zip(result.seconds, samples, strict=True)]
        figures["latency_ms_p50"] = statistics.median(ms)
        figures["latency_ms_p95"] = float(np.percentile(ms, 95))
        rows += [_row(result.name, variant, m, v, count) for m, v in figures.items()]
        curves[variant] = [mean([metrics.recall_at(r, t, k) for r, _, t in pairs]) for k in CURVE_KS]
    return rows, curves


@dataclass
class Evaluation:
    rows: list[dict]
    curves: dict[str, dict[str, list[float]]]
    header: str


def evaluate_redial(
    retriever: Retriever,
    data: Path,
    *,
    systems: list[str],
    split: Split = "all",
    limit: int | None = None,
    targets_to: int | None = None,
) -> Evaluation:
    """Build the samples of a ReDial file and score every named system on them. ``targets_to``
    keeps only target films up to that year (and the samples that still have one): the samples
    of a catalog that ended then, so that figures from before and after a catalog grew compare."""
    stats = LinkStats()
    dialogues = list(read_dialogues(data, split=split, limit=limit))
    linker = MentionLinker.for_data(retriever.catalog, data)
    samples = [s for d in dialogues for s in dialogue_samples(d, linker, stats)]
    if targets_to is not None:
        samples = _targets_to(samples, targets_to, retriever.catalog)
    if not samples:
        raise SourceError(f"no sample in {data} (split {split}) links to the catalog")
    rankers = build_systems(systems, retriever)
    catalog_ids = set(retriever.catalog)
    most_popular = {h.item.id for h in retriever.popular(n=100)}
    rows: list[dict] = []
    curves: dict[str, dict[str, list[float]]] = {}
    for name, rank in rankers.items():
        result = run_system(name, rank, samples)
        system_rows, curves[name] = score(result, samples, catalog_ids=catalog_ids, most_popular=most_popular)
        rows += system_rows
    dedup = sum(1 for s in samples if s.dedup_targets)
    links = linker.counts
    only = f"targets up to {targets_to} only; " if targets_to is not None else ""
    header = (
        f"{only}ReDial {data.name}, split {split}: {len(dialogues)} dialogues; "
        f"{stats.linked} of {stats.mentions} "
        f"recommender mentions link to the catalog ({links.rate:.1%} of distinct films: "
        f"{links.imdb} by IMDb id, {links.title} by title + year, {links.missed} not); "
        f"samples: {len(samples)} (all), {dedup} (dedup); "
        f"{stats.samples_without_target} recommender turns dropped for lack of a linked target."
    )
    return Evaluation(rows, curves, header)


def _targets_to(
    samples: Sequence[Sample], year: int, catalog: Mapping[str, Mapping[str, Any]]
) -> list[Sample]:
    """The samples with their targets limited to films of ``year`` or before; those left with
    none are dropped."""

    def old(item_id: str) -> bool:
        found = catalog.get(item_id, {}).get("year")
        return isinstance(found, int) and found <= year

    kept = []
    for s in samples:
        targets = [t for t in s.targets if old(t)]
        if targets:
            kept.append(replace(s, targets=targets, dedup_targets=[t for t in s.dedup_targets if old(t)]))
    return kept
