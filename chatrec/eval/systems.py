"""The ranking systems the harness compares, each a thin call into the library's own ranking.

No system ranks with eval-only logic: ``popularity``, ``retrieval`` and ``rerank`` call the same
Retriever (and reranker) the chat agent uses. ``copy`` is the known ReDial shortcut (repeat what
was already mentioned), kept as a reference point: it must score 0 on dedup targets.
"""

from __future__ import annotations

from collections.abc import Callable

from chatrec.dialogue.state import DialogueState
from chatrec.errors import ConfigError
from chatrec.ingest.redial import Sample, context_query
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.conversation import conversation_text
from chatrec.retrieval.retriever import Retriever
from chatrec.understanding.understand import Understander

Ranker = Callable[[Sample, int], list[str]]


def popularity(retriever: Retriever) -> Ranker:
    return lambda s, n: [h.item.id for h in retriever.popular(n=n, exclude_ids=s.context_ids)]


def copy(_: Retriever) -> Ranker:
    return lambda s, n: list(reversed(s.context_ids))[:n]


def retrieval(retriever: Retriever) -> Ranker:
    def rank(sample: Sample, n: int) -> list[str]:
        hits = retriever.search(
            context_query(sample), n=n, exclude_ids=sample.context_ids, like_ids=sample.context_ids
        )
        return [h.item.id for h in hits]

    return rank


def full(retriever: Retriever) -> Ranker:
    """The chat agent's whole ranking: a DialogueState read from the seeker's messages (liked
    and disliked titles, tastes, constraints), every film mentioned so far liked unless disliked
    (and so excluded), then the agent's pipeline (retrieve, rerank, diversify). No LLM."""
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    pipeline = RankingPipeline.from_settings(retriever, retriever.store.settings)

    def rank(sample: Sample, n: int) -> list[str]:
        state = sample_state(understander, sample)
        return [h.item.id for h in pipeline.rank(state, context_query(sample), n, sample_dialogue(sample))]

    return rank


def sample_dialogue(sample: Sample) -> str:
    """The sample's context as the conversation retriever reads it (both speakers, newest first)."""
    return conversation_text([(m.role, m.text) for m in sample.context])


def conversation(retriever: Retriever) -> Ranker:
    """The conversation retriever alone: the dialogue so far through the query tower trained on
    ReDial train, against the catalog's stored vectors (films mentioned so far left out)."""
    from chatrec.retrieval.conversation import load_conversation_retriever

    talk = load_conversation_retriever(retriever, retriever.store.settings)
    if talk is None:
        raise ConfigError(
            "no conversation retriever for this store (models/chatrec-retriever, same embedder)"
        )

    def rank(sample: Sample, n: int) -> list[str]:
        return [h.item.id for h in talk.search(sample_dialogue(sample), n=n, exclude_ids=sample.context_ids)]

    return rank


def sample_state(understander: Understander, sample: Sample) -> DialogueState:
    """The state the agent would hold after the sample's context: the seeker's messages read by
    the agent's own understanding, and every film mentioned so far liked unless disliked."""
    state = DialogueState()
    for message in sample.context:
        if message.role == "seeker":
            understander.read(message.text, state)
    for item_id in sample.context_ids:
        # In a ReDial dialogue the films either side names are the best evidence of the
        # seeker's taste (R@10 .052 -> .057 on 400 dev dialogues), unless the seeker said no.
        if item_id not in state.disliked_ids:
            state.like(item_id)
    return state


def cooccurrence(retriever: Retriever) -> Ranker:
    """Films mentioned together with the context's films in the interactions stored for this
    catalog (``chatrec ingest-interactions``); no text, no vectors."""
    from chatrec.retrieval.collaborative import Collaborative
    from chatrec.store.interactions import InteractionStore

    interactions = InteractionStore(retriever.store.settings).read()
    if interactions is None:
        raise ConfigError("no interactions stored for this catalog: run `chatrec ingest-interactions` first")
    collab = Collaborative(interactions)

    def rank(sample: Sample, n: int) -> list[str]:
        return collab.rank(collab.seed_weights(sample.context_ids), n=n, exclude_ids=sample.context_ids)

    return rank


def reranked(retriever: Retriever) -> Ranker:
    """Retrieval's top ``rerank_candidates`` re-sorted by the reranker; deeper hits keep their order."""
    from chatrec.reranker.model import load_reranker, rerank_head

    settings = retriever.store.settings
    reranker = load_reranker(settings)
    depth = settings.rerank_candidates

    def rank(sample: Sample, n: int) -> list[str]:
        query = context_query(sample)
        hits = retriever.search(
            query, n=max(n, depth), exclude_ids=sample.context_ids, like_ids=sample.context_ids
        )
        return [h.item.id for h in rerank_head(reranker, query, hits, depth)][:n]

    return rank


SYSTEMS: dict[str, Callable[[Retriever], Ranker]] = {
    "popularity": popularity,
    "copy": copy,
    "retrieval": retrieval,
    "conversation": conversation,
    "cooccurrence": cooccurrence,
    "full": full,
    "rerank": reranked,
}


def build_systems(names: list[str], retriever: Retriever) -> dict[str, Ranker]:
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ConfigError(f"unknown system {', '.join(unknown)}; available: {', '.join(SYSTEMS)}")
    return {name: SYSTEMS[name](retriever) for name in names}
