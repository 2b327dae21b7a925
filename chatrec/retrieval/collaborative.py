"""The collaborative channel: what people who named the user's films went on to name.

Given the items a user liked or mentioned (the seeds), every item that co-occurs with a seed gets a
score; the best become candidates beside content retrieval's, and the score is a ranking feature.
No vector query is needed, so the channel costs well under a millisecond. The interaction counts
also give a popularity prior that reflects what people ask for, unlike critic review counts (which
favour 2009–2014 releases).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import cached_property

from pydantic import BaseModel, ConfigDict

from chatrec.catalog.interactions import Interactions


class Scoring(BaseModel):
    """How co-occurrence counts become a score; defaults chosen on the train-side validation
    dialogues (see ``models/redial-cooccurrence/README.md``).

    ``sim(i, j) = c_ij / ((n_i + damping) ** seed_norm * (n_j + damping) ** item_norm)``: with both
    exponents 0 it is the raw count, (1, 0) a damped "P(j | i)", (0.5, 0.5) a damped cosine.
    Seeds weigh ``recency ** k`` (k = 0 for the most recent) and a disliked seed ``disliked``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    damping: float = 20.0
    seed_norm: float = 1.0
    item_norm: float = 0.0
    recency: float = 1.0
    disliked: float = 0.0


class Collaborative:
    """Co-occurrence candidates and the interaction popularity prior for one catalog."""

    def __init__(self, interactions: Interactions, scoring: Scoring | None = None) -> None:
        self.interactions = interactions
        self.scoring = scoring or Scoring()

    def seed_weights(self, liked_ids: Sequence[str], disliked_ids: Sequence[str] = ()) -> dict[str, float]:
        """Liked ids in the order they came up (the last is the most recent) -> seed weights."""
        weights: dict[str, float] = {}
        for k, item_id in enumerate(reversed(list(dict.fromkeys(liked_ids)))):
            weights[item_id] = self.scoring.recency**k
        for item_id in disliked_ids:
            if self.scoring.disliked:
                weights[item_id] = self.scoring.disliked
            else:
                weights.pop(item_id, None)
        return weights

    def scores(self, seeds: Mapping[str, float]) -> dict[str, float]:
        """Every item co-occurring with a seed -> its score (seeds themselves included)."""
        s = self.scoring
        counts = self.interactions.counts
        found: dict[str, float] = defaultdict(float)
        for seed, weight in seeds.items():
            neighbours = self.interactions.pairs.get(seed)
            if not neighbours or not weight:
                continue
            scale = weight / (counts.get(seed, 0.0) + s.damping) ** s.seed_norm
            for item_id, together in neighbours.items():
                found[item_id] += scale * together / (counts.get(item_id, 0.0) + s.damping) ** s.item_norm
        return dict(found)

    def candidates(
        self, seeds: Mapping[str, float], *, n: int, exclude_ids: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``n`` best-scored co-occurring items that are not excluded (nor seeds)."""
        excluded = set(exclude_ids) | set(seeds)
        found = [(i, v) for i, v in self.scores(seeds).items() if i not in excluded and v > 0]
        found.sort(key=lambda kv: (-kv[1], -self.interactions.counts.get(kv[0], 0.0), kv[0]))
        return found[:n]

    def popularity(self, item_id: str) -> float:
        """log(1 + how many groups hold the item): how often people name it."""
        return math.log1p(self.interactions.counts.get(item_id, 0.0))

    @cached_property
    def _by_popularity(self) -> list[str]:
        counts = self.interactions.counts
        return sorted(counts, key=lambda i: (-counts[i], i))

    def popular(self, *, n: int, exclude_ids: Sequence[str] = ()) -> list[str]:
        """The items people name most, when there is no seed to go on."""
        excluded = set(exclude_ids)
        return [i for i in self._by_popularity[: n + len(excluded)] if i not in excluded][:n]

    def rank(self, seeds: Mapping[str, float], *, n: int, exclude_ids: Sequence[str] = ()) -> list[str]:
        """Co-occurrence candidates, then (to fill ``n``) the most named items."""
        ids = [i for i, _ in self.candidates(seeds, n=n, exclude_ids=exclude_ids)]
        fill = self.popular(n=n, exclude_ids=[*exclude_ids, *seeds, *ids])
        return [*ids, *fill][:n]
