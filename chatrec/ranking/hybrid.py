"""Hybrid ranking: content retrieval and co-occurrence candidates, fused under the same hard filters.

Content retrieval's hits are joined by the items that co-occur with the user's liked films, the
most-named items and the films sharing credits with a liked film (all checked against the state's
filters, so every constraint holds for every channel). Each candidate gets
a few signals — retrieval score, co-occurrence score, how often people name it, critic review
count — standardised over the candidate list and summed with learned weights (a logistic
regression on a validation part of ReDial TRAIN, ``chatrec fit-hybrid``). The cross-encoder, when
configured, then scores the head of that list and joins the sum with its own weight.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from chatrec.catalog import list_field
from chatrec.catalog.credits import credits_of
from chatrec.catalog.vocabulary import QuerySignals
from chatrec.dialogue.state import DialogueState
from chatrec.reranker.model import Reranker, popularity
from chatrec.retrieval.collaborative import Collaborative
from chatrec.retrieval.conversation import ConversationRetriever
from chatrec.retrieval.retriever import Retriever, signal_bonus
from chatrec.store.chroma import Hit

WEIGHTS_FILE = "hybrid.json"
FEATURES = (
    "retrieval",
    "cooccurrence",
    "cooccurs",
    "interaction_popularity",
    "critic_popularity",
    # The same three signals again in turns with a liked film, 0 in turns without: the weights of
    # a cold start (only the request to go on) and of a seeded turn differ. On ReDial train's
    # validation turns: dedup R@10/R@50 .220/.428 -> .229/.438 (benchmarks/hybrid_variants.py).
    "seeded_retrieval",
    "seeded_interaction_popularity",
    "seeded_critic_popularity",
    # The candidate itself and its likeness to the liked films (0 without one): its year and
    # runtime, how far its year is from theirs, its genre overlap with them and its best cosine to
    # one of them. On the same validation turns: .238 / .455 -> .241 / .465 (2-fold).
    "year",
    "runtime",
    "seed_year_closeness",
    "seed_genre_overlap",
    "seed_similarity",
    # The most credits (directors, writers, cast) it shares with one liked film: recommenders answer
    # a liked film with its director's or stars' others. .240 / .463 -> .244 / .469 on the same turns.
    "seed_shared_credits",
    # The conversation retriever's score (the whole dialogue through the query tower trained on
    # ReDial train, against the items' stored vectors), and again in turns with a liked film.
    "conversation",
    "seeded_conversation",
)
DEFAULT_YEAR, DEFAULT_RUNTIME = 2000, 100  # for items without one (a constant column weighs nothing)
COOC_SCALE = 100.0  # co-occurrence scores are small fractions; log1p(100 s) spreads them out


class HybridWeights(BaseModel):
    """Weights over standardised signals (see the module docstring); the defaults are a sane
    starting point for a catalog nobody fitted weights for."""

    model_config = ConfigDict(extra="forbid")

    retrieval: float = 1.0
    cooccurrence: float = 1.0
    cooccurs: float = 0.0
    interaction_popularity: float = 0.5
    critic_popularity: float = 0.0
    seeded_retrieval: float = 0.0
    seeded_interaction_popularity: float = 0.0
    seeded_critic_popularity: float = 0.0
    year: float = 0.0
    runtime: float = 0.0
    seed_year_closeness: float = 0.0
    seed_genre_overlap: float = 0.0
    seed_similarity: float = 0.0
    seed_shared_credits: float = 0.0
    conversation: float = 0.0
    seeded_conversation: float = 0.0
    cross_encoder: float = 0.0
    cooc_candidates: int = 100
    popular_candidates: int = 100  # the most named items join too: what people ask for most
    credit_candidates: int = 50  # and the films sharing the most credits with a liked film
    conversation_candidates: int = 0  # and the conversation retriever's best (0: channel off)
    rerank_depth: int = 30

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in FEATURES])

    @classmethod
    def read(cls, path: Path) -> HybridWeights:
        file = path / WEIGHTS_FILE if path.is_dir() else path
        return cls.model_validate(json.loads(file.read_text())) if file.is_file() else cls()


def standardise(matrix: np.ndarray) -> np.ndarray:
    """Each column to mean 0 and spread 1 over the candidate list (constant columns to 0)."""
    if not len(matrix):
        return matrix
    spread = matrix.std(axis=0)
    return np.where(spread > 1e-9, (matrix - matrix.mean(axis=0)) / np.maximum(spread, 1e-9), 0.0)


@dataclass
class Candidates:
    """The fused candidate list of one turn, with one row of raw signals per hit."""

    hits: list[Hit]
    features: np.ndarray  # (len(hits), len(FEATURES))


class Hybrid:
    """Adds co-occurrence candidates to content hits and orders them by the fused score."""

    def __init__(
        self,
        retriever: Retriever,
        collaborative: Collaborative,
        weights: HybridWeights | None = None,
        reranker: Reranker | None = None,
        conversation: ConversationRetriever | None = None,
    ) -> None:
        self.retriever = retriever
        self.collaborative = collaborative
        self.weights = weights or HybridWeights()
        self.reranker = reranker
        self.conversation = conversation

    def candidates(
        self, query: str, state: DialogueState, hits: Sequence[Hit], dialogue: str | None = None
    ) -> Candidates:
        """Content hits plus co-occurrence, most-named, shared-credit and (given the ``dialogue``
        text, :func:`conversation_text`) conversation-retriever candidates that pass the state's
        filters, each with its signals."""
        collab, catalog = self.collaborative, self.retriever.catalog
        seeds = collab.seed_weights(state.liked_ids, state.disliked_ids)
        excluded = state.excluded_ids()
        liked = [i for i in dict.fromkeys(state.liked_ids) if i in catalog]
        scores = dict(collab.candidates(seeds, n=self.weights.cooc_candidates, exclude_ids=excluded))
        credits = credits_of(catalog)
        shared = credits.shared(liked) if liked else {}
        have = {h.item.id for h in hits}
        popular = collab.popular(n=self.weights.popular_candidates, exclude_ids=excluded)
        credited = credits.candidates(
            shared, n=self.weights.credit_candidates, exclude_ids=[*excluded, *liked]
        )
        talk = self.conversation if dialogue is not None else None
        conversed: list[str] = []
        if talk is not None and dialogue is not None and self.weights.conversation_candidates:
            conversed = [
                h.item.id
                for h in talk.search(
                    dialogue,
                    n=self.weights.conversation_candidates,
                    filters=state.constraints,
                    exclude_ids=excluded,
                )
            ]
        extra_ids = [i for i in dict.fromkeys([*scores, *popular, *credited, *conversed]) if i not in have]
        # Checked against the same constraints as the vector query: they hold here too.
        extra = self.retriever.items(extra_ids, state.constraints) if extra_ids else []
        vectors = self.retriever.vectors([*liked, *have, *(i.id for i in extra)])
        pool = [*hits, *self._scored(query, state, extra, vectors)]
        seeded = float(bool(seeds))
        likeness = self._likeness(liked, pool, vectors)
        ids = [h.item.id for h in pool]
        talked = (
            talk.scores(dialogue, ids, vectors)
            if talk is not None and dialogue is not None
            else np.zeros(len(pool))
        )
        rows = []
        for h, like, said in zip(pool, likeness, talked, strict=True):
            named, critics = collab.popularity(h.item.id), popularity(h.item)
            cooc = math.log1p(COOC_SCALE * scores.get(h.item.id, 0.0))
            pair = float(h.item.id in scores)
            base = (h.score, cooc, pair, named, critics)
            seeded_base = (seeded * h.score, seeded * named, seeded * critics)
            credit = float(shared.get(h.item.id, 0))
            rows.append((*base, *seeded_base, *_own(h), *like, credit, float(said), seeded * float(said)))
        return Candidates(pool, np.array(rows, dtype=np.float64).reshape(len(pool), len(FEATURES)))

    def _likeness(
        self, liked: Sequence[str], pool: Sequence[Hit], vectors: Mapping[str, np.ndarray]
    ) -> list[tuple[float, float, float]]:
        """Per candidate: minus its year's distance to the liked films' mean year, its genres'
        Jaccard overlap with theirs, its best cosine to one of them; zeros without a liked film."""
        if not liked or not pool:
            return [(0.0, 0.0, 0.0)] * len(pool)
        catalog = self.retriever.catalog
        years = [y for i in liked if isinstance(y := catalog[i].get("year"), int)]
        mean_year = sum(years) / len(years) if years else None
        genres = {g for i in liked for g in list_field(catalog[i], "genres")}
        found_seeds = [vectors[i] for i in liked if i in vectors]
        seeds = np.stack(found_seeds) if found_seeds else None
        found = []
        for h in pool:
            year = h.item.metadata.get("year")
            closeness = -abs(year - mean_year) if mean_year is not None and isinstance(year, int) else 0.0
            own = set(list_field(h.item.metadata, "genres"))
            overlap = len(own & genres) / len(own | genres) if genres else 0.0
            vector = vectors.get(h.item.id)
            similar = float((seeds @ vector).max()) if seeds is not None and vector is not None else 0.0
            found.append((float(closeness), overlap, similar))
        return found

    def _scored(
        self, query: str, state: DialogueState, items: Sequence, vectors: Mapping[str, np.ndarray]
    ) -> list[Hit]:
        """Items from the other channels scored as retrieval would: cosine to the query vector +
        signal bonus."""
        if not items:
            return []
        vector = self.retriever.query_vector(query, state.liked_ids)
        signals = self.retriever.vocabulary.read(query) if query.strip() else QuerySignals()
        return [
            Hit(i, float(vectors[i.id] @ vector) + signal_bonus(i, signals) if i.id in vectors else 0.0)
            for i in items
        ]

    def rank(
        self, query: str, state: DialogueState, hits: Sequence[Hit], dialogue: str | None = None
    ) -> list[Hit]:
        """All candidates by the fused score (which becomes each hit's score), best first."""
        found = self.candidates(query, state, hits, dialogue)
        if not found.hits:
            return []
        fused = standardise(found.features) @ self.weights.vector()
        order = np.argsort(-fused, kind="stable")
        ranked = [replace(found.hits[i], score=float(fused[i])) for i in order]
        depth = min(self.weights.rerank_depth, len(ranked))
        if self.reranker is None or not self.weights.cross_encoder or depth < 2:
            return ranked
        head = ranked[:depth]
        cross = self.reranker.score(query, [h.item for h in head]).astype(np.float64)
        total = (
            np.array([h.score for h in head]) + self.weights.cross_encoder * standardise(cross[:, None])[:, 0]
        )
        reordered = [replace(head[i], score=float(total[i])) for i in np.argsort(-total, kind="stable")]
        return [*reordered, *ranked[depth:]]


def _own(hit: Hit) -> tuple[float, float]:
    """The candidate's year and runtime (the defaults when it has none)."""
    meta = hit.item.metadata
    year, runtime = meta.get("year"), meta.get("runtime")
    return (
        float(year if isinstance(year, int) else DEFAULT_YEAR),
        float(runtime if isinstance(runtime, int) else DEFAULT_RUNTIME),
    )


def load_hybrid(retriever: Retriever, reranker: Reranker | None = None) -> Hybrid | None:
    """The hybrid ranking for the retriever's catalog, or None when it has no interactions
    (``chatrec ingest-interactions``); weights stored with the interactions, else the defaults."""
    from chatrec.store.interactions import InteractionStore

    store = InteractionStore(retriever.store.settings)
    interactions = store.read()
    if interactions is None:
        return None
    weights = HybridWeights.model_validate(store.weights())
    talk = None
    if weights.conversation or weights.seeded_conversation:
        from chatrec.retrieval.conversation import load_conversation_retriever

        talk = load_conversation_retriever(retriever, retriever.store.settings)
    return Hybrid(retriever, Collaborative(interactions), weights, reranker, talk)
