"""Benchmark of reranking latency (issue: local transformer reranker, goal p95 <= 150 ms for 30).

Usage: python benchmarks/rerank_latency.py [--repeats N]
For each backend and pair length: the wall time of ``rerank()`` over N retrieval candidates
(tokenising, the model, fusion) as p50/p95, next to the raw model forward pass on the same,
already tokenised batch in the same run. Candidates are real catalog items, the query a real
ReDial-length conversation (about 100 tokens, so truncation is exercised).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import catalog_items, latency_ms, timed
from chatrec.config import Settings
from chatrec.reranker.model import load_reranker, pair_text, rerank
from chatrec.store.chroma import Hit

QUERY = (
    "Hi! I'm looking for a good movie to watch tonight. I really loved Heat and The Godfather, "
    "anything with great actors. I like crime dramas, but not too violent please. "
    "Oh, I saw The Departed last week and it was great. Something tense from the 90s maybe? "
    "What would you recommend?"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()
    items = catalog_items()
    rng = np.random.default_rng(0)
    print(f"{len(QUERY.split())}-word query; {Settings().threads} threads")
    with tempfile.TemporaryDirectory() as tmp:
        for backend, length, count in (
            ("torch", 64, 30),
            ("onnx-int8", 64, 30),
            ("onnx-int8", 96, 30),
            ("onnx-int8", 64, 50),
            ("onnx-int8", 64, 100),
        ):
            settings = Settings(reranker_backend=backend, reranker_max_length=length, cache_dir=Path(tmp))
            reranker, load_s = timed(lambda s=settings: load_reranker(s))
            chosen = [items[i] for i in rng.choice(len(items), count, replace=False)]
            hits = [Hit(item, float(score)) for item, score in zip(chosen, rng.random(count), strict=True)]
            features = reranker.pairs([QUERY] * count, [pair_text(i) for i in chosen])
            forward = latency_ms(lambda r=reranker, f=features: r._forward(f), args.repeats)
            full = latency_ms(lambda r=reranker, h=hits: rerank(r, QUERY, h, n=10), args.repeats)
            print(
                f"{backend:<9} max_length {length:>3} candidates {count:>3}  load {load_s:4.1f} s  "
                f"rerank p50 {full['p50']:6.1f} ms p95 {full['p95']:6.1f} ms  "
                f"raw forward p50 {forward['p50']:6.1f} ms p95 {forward['p95']:6.1f} ms"
            )


if __name__ == "__main__":
    main()
