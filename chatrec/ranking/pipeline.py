"""The agent's ranking: state -> retrieve -> rerank -> diversify -> the top n.

Chat and the evaluation's ``full`` system call this same code; the LLM never takes part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from chatrec.catalog.moods import MoodIndex
from chatrec.catalog.titles import strip_titles
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.ranking.hybrid import Hybrid, load_hybrid
from chatrec.ranking.steering import steer
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Hit

CANDIDATES = 100
MMR_LAMBDA = 0.8  # 1.0 = pure relevance; lower trades relevance for variety among the shown items


class Reranks(Protocol):
    """What the pipeline needs of a reranker: re-sort the first ``depth`` hits for a query, the
    deeper ones following in their retrieval order (see :func:`rerank_head`)."""

    def __call__(self, query: str, hits: Sequence[Hit], depth: int) -> list[Hit]: ...


def state_query(text: str, state: DialogueState, catalog: Mapping[str, Mapping[str, Any]]) -> str:
    """Query text: the user's recent words plus the tastes they stated, which the retriever reads
    back as signals (genres, people, decades). Titles of films the user named are taken out: those
    films steer through their vectors (liked) or are excluded (seen), and their title words would
    only pull in films with similar titles. The rest stays natural text, which MiniLM embeds best
    (stripping filler words cost 0.01 of dedup Recall@10 on the ReDial dev file)."""
    titles = [str(catalog.get(i, {}).get("title", "")) for i in state.mentioned_ids]
    tastes = [
        *state.likes.genres,
        *state.likes.people,
        *state.likes.topics,
        *(f"{d}s" for d in state.likes.decades),
    ]
    return " ".join(p for p in [strip_titles(text, titles), " ".join(tastes)] if p)


def mmr(hits: Sequence[Hit], vectors: dict[str, np.ndarray], n: int, lam: float = MMR_LAMBDA) -> list[Hit]:
    """Maximal marginal relevance: each next item is relevant and unlike those already picked."""
    if len(hits) <= 1 or lam >= 1.0:
        return list(hits[:n])
    scores = np.array([h.score for h in hits], dtype=np.float32)
    relevance = (scores - scores.min()) / max(float(np.ptp(scores)), 1e-9)
    dim = len(next(iter(vectors.values()))) if vectors else 1
    matrix = np.stack([vectors.get(h.item.id, np.zeros(dim, np.float32)) for h in hits])
    picked: list[int] = []
    closest = np.full(len(hits), -1.0, dtype=np.float32)
    while len(picked) < min(n, len(hits)):
        value = lam * relevance - (1 - lam) * np.maximum(closest, 0)
        value[picked] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        closest = np.maximum(closest, matrix @ matrix[best])
    return [hits[i] for i in picked]


class RankingPipeline:
    """Retriever (+ optional reranker) + diversity, driven by a DialogueState."""

    def __init__(
        self,
        retriever: Retriever,
        reranker: Reranks | None = None,
        *,
        candidates: int = CANDIDATES,
        rerank_depth: int = CANDIDATES,
        hybrid: Hybrid | None = None,
    ) -> None:
        self.retriever = retriever
        self.reranker = reranker
        self.candidates = candidates
        self.rerank_depth = rerank_depth
        self.hybrid = hybrid  # with interactions: co-occurrence joins content (and runs the reranker)
        self.moods = MoodIndex.load()  # what "nothing too sad" steers by (an empty index: no moods)

    @classmethod
    def from_settings(cls, retriever: Retriever, settings: Settings) -> RankingPipeline:
        """The pipeline chat and the ``full`` evaluation share. The configured reranker is loaded
        only when it takes part: always without interactions, and with them only when the fitted
        hybrid gives the cross-encoder a weight (loading and running it for a weight of 0 cost a
        model in memory and most of a turn's ranking time, for nothing)."""
        from chatrec.reranker.model import load_reranker, rerank_head

        retriever.warm()
        candidates = max(CANDIDATES, settings.rerank_candidates)
        hybrid = load_hybrid(retriever)
        if hybrid is not None and not hybrid.weights.cross_encoder:
            return cls(retriever, candidates=candidates, hybrid=hybrid)
        reranker = load_reranker(settings)
        if hybrid is not None:
            hybrid.reranker = reranker
        return cls(
            retriever,
            lambda query, hits, depth: rerank_head(reranker, query, hits, depth),
            candidates=candidates,
            rerank_depth=settings.rerank_candidates,
            hybrid=hybrid,
        )

    def content(self, state: DialogueState, text: str, n: int) -> tuple[str, list[Hit]]:
        """The query text for this state and content retrieval's hits under its constraints."""
        query = state_query(text, state, self.retriever.catalog)
        hits = self.retriever.search(
            query,
            n=max(n, self.candidates),
            filters=state.constraints,
            exclude_ids=state.excluded_ids(),
            like_ids=state.liked_ids,
        )
        return query, hits

    def rank(self, state: DialogueState, text: str, n: int, dialogue: str | None = None) -> list[Hit]:
        """The n best items for this state; every one passes the state's hard constraints.
        ``dialogue`` is the conversation so far for the conversation retriever
        (:func:`~chatrec.retrieval.conversation.conversation_text`); without it, ``text``."""
        query, hits = self.content(state, text, n)
        if self.hybrid is not None:
            hits = self.hybrid.rank(query, state, hits, text if dialogue is None else dialogue)
        hits = avoiding(hits, state)
        if self.hybrid is None and self.reranker is not None and hits:
            hits = self.reranker(query, hits, self.rerank_depth)
        return self.finish(hits, state, n)

    def finish(self, hits: Sequence[Hit], state: DialogueState, n: int) -> list[Hit]:
        """Soft wishes ("a comedy maybe") decide among the ranked candidates, then MMR keeps n
        (``chatrec fit-hybrid`` measures its choices through this too)."""
        steered = steer(hits, state, self.moods)
        return mmr(steered, self.retriever.vectors([h.item.id for h in steered]), n)


def avoiding(hits: Sequence[Hit], state: DialogueState) -> list[Hit]:
    """The hits without anyone the user said they do not want."""
    avoid = set(state.dislikes.people)
    return [h for h in hits if not avoid.intersection(h.item.people)] if avoid else list(hits)
