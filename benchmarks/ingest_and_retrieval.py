"""Benchmark of the foundation: full ingest vs raw embedding, re-ingest, retrieval latency.

Usage: python benchmarks/ingest_and_retrieval.py [--items N]
Prints figures; the raw embedding throughput of the same model on the same texts is measured in
the same run as the reference for the ingest rate.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.common import catalog_items, latency_ms, timed
from chatrec.catalog.filters import Filters
from chatrec.config import Settings
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.sources import read_rows
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Store
from chatrec.store.embeddings import load_embedder

QUERIES = [
    "heist thriller in the 90s directed by Michael Mann",
    "a funny animated film for the whole family",
    "slow-burning science fiction about space exploration",
    "romantic comedy set in New York",
    "war drama based on a true story",
    "classic western with Clint Eastwood",
    "japanese horror",
    "feel-good sports movie",
]
FILTERS = Filters(year_from=1980, year_to=1999, not_genres=["Horror"], max_runtime=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=0, help="limit to the first N items (0 = all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        embedder = load_embedder(settings)
        items = catalog_items()
        if args.items:
            items = items[: args.items]
        texts = [i.text for i in items]
        print(f"backend {settings.embedding_backend}, {len(items)} items, {settings.threads} threads")
        raw = len(texts) / timed(lambda: embedder.embed(texts))[1]
        print(f"raw embedding:   {raw:7.1f} items/s")

        store = Store(settings)
        rows = list(read_rows(movies.movies_db_path(), movies.MAPPING))
        rows = rows[: args.items] if args.items else rows
        summary = run_ingest(rows, movies.MAPPING, store, embedder, batch_size=settings.ingest_batch_size)
        rate = summary.added / summary.embedded_seconds
        seconds = summary.embedded_seconds
        print(f"full ingest:     {rate:7.1f} items/s ({seconds:.0f} s) = {rate / raw:.0%} of raw")
        _, again = timed(lambda: run_ingest(rows, movies.MAPPING, store, embedder, log=print))
        print(f"re-ingest unchanged: {again:.1f} s (models already loaded)")

        retriever = Retriever(embedder, store)
        retriever.vocabulary  # noqa: B018  (built once per process, not per query)
        q = iter(QUERIES * 1000)
        embed = latency_ms(lambda: embedder.embed_query(next(q)), 80)
        vec = embedder.embed_query(QUERIES[1])
        raw_query = latency_ms(lambda: store.query(vec, n=10), 80)
        raw_filtered = latency_ms(lambda: store.query(vec, n=10, filters=FILTERS), 80)
        plain = latency_ms(lambda: retriever.search(next(q), n=10), 80)
        filtered = latency_ms(lambda: retriever.search(next(q), n=10, filters=FILTERS), 80)
        for name, figures in [
            ("query embedding", embed),
            ("chroma query, no filter", raw_query),
            ("chroma query, filtered", raw_filtered),
            ("search, no filter", plain),
            ("search, filtered", filtered),
        ]:
            print(f"{name:<25} p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms")


if __name__ == "__main__":
    main()
