"""Time to recommendations in a chat turn (understand + retrieve + co-occurrence + fusion + MMR),
with and without the hybrid ranking, on the embedded store; no LLM is loaded.

Usage: python -m benchmarks.ranking_latency [--repeats N]   (needs `chatrec ingest` and
`chatrec ingest-interactions`)
"""

from __future__ import annotations

import argparse

from benchmarks.common import latency_ms
from benchmarks.turn_latency import MESSAGES
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.reranker.model import load_reranker, rerank_head
from chatrec.retrieval.retriever import Retriever
from chatrec.understanding.understand import Understander


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    settings = Settings()
    retriever = Retriever.from_settings(settings)
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    hybrid = RankingPipeline.from_settings(retriever, settings)
    reranker = load_reranker(settings)  # the content-only pipeline uses it even when the hybrid does not
    content = RankingPipeline(
        retriever,
        lambda query, hits, depth: rerank_head(reranker, query, hits, depth),
        candidates=hybrid.candidates,
        rerank_depth=30,
    )
    print(f"hybrid weights: {hybrid.hybrid.weights if hybrid.hybrid else 'none (no interactions)'}")
    for name, pipeline in (("hybrid (default)", hybrid), ("content + reranker, 30 candidates", content)):
        samples: list[float] = []
        for message in MESSAGES:

            def turn(message: str = message, pipeline: RankingPipeline = pipeline) -> None:
                state = DialogueState()
                understander.read(message, state)
                pipeline.rank(state, message, settings.k)

            timing = latency_ms(turn, args.repeats)
            samples.append(timing["p95"])
            print(f"{name:36} {timing['p50']:6.1f} / {timing['p95']:6.1f} ms  {message}")
        print(f"{name}: worst per-message p95 {max(samples):.1f} ms")


if __name__ == "__main__":
    main()
