"""Build the shipped plot artefacts from the Wikipedia plots (run once; the output is committed).

    python -m benchmarks.build_plot_knowledge --plots ../shared/data/plots/wikipedia_plots.jsonl.gz

Embedding 9,803 full plots at ingest would triple the default ingest time, so the plot knowledge is
derived here, once, with the same embedder the store uses, and shipped: per-film plot vectors
(float16, keyed by imdbID) and per-film topic labels with the request cues (chatrec/topics.py).
The plot text itself is never written out (CC BY-SA; only derived numbers and labels ship).
Chunk vectors are cached in ``--work`` so that comparing variants does not re-embed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from chatrec.catalog.topics import (
    MAX_EVIDENCE_SHARE,
    MIN_MENTIONS,
    PhraseMatcher,
    film_topics,
    load_terms,
    query_cues,
)
from chatrec.config import Settings
from chatrec.ingest.plots import MAX_CHUNKS, PLOT_DIR, chunks, save_plot_vectors
from chatrec.store.embeddings import load_embedder


def read_plots(path: Path) -> dict[str, str]:
    plots: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            plots.setdefault(row["imdbID"], row["plot"])
    return plots


def chunk_vectors(
    plots: dict[str, str], work: Path, max_chunks: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Film ids, chunk owner index and chunk vectors (at most ``max_chunks`` a plot); cached in ``work``."""
    cache = work / "plot_chunks.npz"
    ids = sorted(plots)
    if cache.is_file():
        data = np.load(cache)
        if list(data["ids"]) == ids:
            return ids, data["owner"], data["vectors"]
    texts, owner = [], []
    for n, film in enumerate(ids):
        for chunk in chunks(plots[film])[:max_chunks]:
            texts.append(chunk)
            owner.append(n)
    embedder = load_embedder(Settings())
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    rate = len(texts) / seconds
    print(f"embedded {len(texts)} chunks of {len(ids)} plots in {seconds:.0f} s ({rate:.0f}/s)")
    work.mkdir(parents=True, exist_ok=True)
    np.savez(cache, ids=np.array(ids), owner=np.array(owner), vectors=vectors)
    return ids, np.array(owner), vectors


def film_vectors(n_films: int, owner: np.ndarray, vectors: np.ndarray, variant: str) -> np.ndarray:
    """One vector per film: its first chunk, or the normalised mean of its first ``k`` chunks."""
    limits = {"first": 1, "mean": MAX_CHUNKS}
    limit = limits.get(variant) or int(variant.removeprefix("mean"))
    out = np.zeros((n_films, vectors.shape[1]), dtype=np.float32)
    seen = np.zeros(n_films, dtype=np.int64)
    for row, film in enumerate(owner):
        if seen[film] < limit:
            out[film] += vectors[row]
            seen[film] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def build_topics(plots: dict[str, str]) -> dict[str, object]:
    """Per-film topics and the request cues, from phrase counts over every plot."""
    terms = load_terms()
    matcher = PhraseMatcher({p for ps in terms.values() for p in ps})
    counts = {film: matcher.counts(text) for film, text in plots.items()}
    phrase_df: Counter[str] = Counter(p for c in counts.values() for p in c)
    topic_df: Counter[str] = Counter(
        t for c in counts.values() for t, ps in terms.items() if sum(c.get(p, 0) for p in ps) >= MIN_MENTIONS
    )
    n = len(plots)
    common = {p for p, df in phrase_df.items() if df > MAX_EVIDENCE_SHARE * n}
    evidence = {t: [p for p in ps if p == t or p not in common] for t, ps in terms.items()}
    films = {film: film_topics(c, evidence, topic_df, n) for film, c in counts.items()}
    return {
        "cues": query_cues(terms, phrase_df, n),
        "films": {f: t for f, t in films.items() if t},
        "df": dict(sorted(topic_df.items())),  # what description plots of other catalogs are ranked by
        "docs": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=Path, default=Path("../shared/data/plots/wikipedia_plots.jsonl.gz"))
    parser.add_argument("--work", type=Path, default=Path("data/plot_work"))
    parser.add_argument("--variant", default="first", help="first | mean | meanK (first K chunks)")
    parser.add_argument("--max-chunks", type=int, default=1, help="chunks per plot (all 8: ~40 CPU-min)")
    parser.add_argument("--out", type=Path, default=PLOT_DIR)
    args = parser.parse_args()
    plots = read_plots(args.plots)
    ids, owner, vectors = chunk_vectors(plots, args.work, args.max_chunks)
    for variant in ("first", "mean4", "mean")[: 1 if args.max_chunks == 1 else 3]:
        np.save(args.work / f"plot_{variant}.npy", film_vectors(len(ids), owner, vectors, variant))
    args.out.mkdir(parents=True, exist_ok=True)
    save_plot_vectors(args.out, ids, film_vectors(len(ids), owner, vectors, args.variant), args.variant)
    topics = build_topics(plots)
    (args.out / "plot_topics.json").write_text(json.dumps(topics, sort_keys=True, separators=(",", ":")))
    labelled = len(topics["films"])  # type: ignore[arg-type]
    print(f"wrote {args.out}: {len(ids)} plot vectors ({args.variant}), topics for {labelled} films")


if __name__ == "__main__":
    main()
