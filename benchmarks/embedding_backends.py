"""Benchmark of the embedding backends on the default catalog's item texts (issue: fast first run).

Usage: python benchmarks/embedding_backends.py [--sample N]
For each backend (torch via sentence-transformers, ONNX Runtime fp32, ONNX Runtime int8): load
time, items/s on the same texts, query-embedding latency p50/p95, and the cosine of its vectors to
the torch reference vectors. torch is the raw-model reference measured in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import catalog_items, latency_ms, timed
from chatrec.config import Settings
from chatrec.store.embeddings import load_embedder

QUERIES = [
    "heist thriller in the 90s directed by Michael Mann",
    "something funny and short",
    "no horror please",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=3000, help="items sampled from the catalog (0 = all)")
    args = parser.parse_args()
    items = catalog_items()
    rng = np.random.default_rng(0)
    if args.sample:
        items = [items[i] for i in rng.choice(len(items), args.sample, replace=False)]
    texts = [i.text for i in items]
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("torch", "onnx", "onnx-int8"):
            settings = Settings(embedding_backend=backend, cache_dir=Path(tmp))
            load_embedder(settings)  # first load exports to the cache; not what a user pays twice
            embedder, load_s = timed(lambda s=settings: load_embedder(s))
            vectors, seconds = timed(lambda e=embedder: e.embed(texts))
            reference = vectors if reference is None else reference
            cosine = (vectors * reference).sum(axis=1)
            queries = iter(QUERIES * 100)
            query = latency_ms(lambda e=embedder, q=queries: e.embed_query(next(q)), 60)
            print(
                f"{backend:<10} load {load_s:4.1f} s  {len(texts) / seconds:6.1f} items/s  "
                f"query p50 {query['p50']:5.1f} ms p95 {query['p95']:5.1f} ms  "
                f"cosine to torch mean {cosine.mean():.4f} min {cosine.min():.4f}"
            )


if __name__ == "__main__":
    main()
