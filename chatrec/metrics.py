"""Ranking metrics with binary relevance, per sample; averaged by the caller."""

from __future__ import annotations

import math
from collections.abc import Sequence

LIST_LENGTH = 50  # every system is asked for this many items; Recall@50 is the deepest figure


def recall_at(ranking: Sequence[str], targets: Sequence[str], k: int) -> float:
    """Share of the targets found in the first k items."""
    if not targets:
        raise ValueError("recall needs at least one target")
    top = set(ranking[:k])
    return sum(t in top for t in targets) / len(targets)


def ndcg_at(ranking: Sequence[str], targets: Sequence[str], k: int) -> float:
    """DCG of the first k items over the DCG of an ideal ranking of the targets."""
    wanted = set(targets)
    if not wanted:
        raise ValueError("NDCG needs at least one target")
    dcg = sum(1 / math.log2(r + 2) for r, item in enumerate(ranking[:k]) if item in wanted)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(len(wanted), k)))
    return dcg / ideal


def reciprocal_rank(ranking: Sequence[str], targets: Sequence[str]) -> float:
    """1 / rank of the first target in the list, 0 when none is in it."""
    wanted = set(targets)
    return next((1 / (r + 1) for r, item in enumerate(ranking) if item in wanted), 0.0)


def duplicate_rate(ranking: Sequence[str]) -> float:
    return 1 - len(set(ranking)) / len(ranking) if ranking else 0.0


def share_in(ranking: Sequence[str], ids: set[str]) -> float:
    """Share of the list's items that are in ``ids``."""
    return sum(i in ids for i in ranking) / len(ranking) if ranking else 0.0
