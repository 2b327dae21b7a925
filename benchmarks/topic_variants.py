"""Compare ways of putting plot knowledge into the item representation, on the topic benchmark.

    python -m benchmarks.topic_variants --work data/plot_work

An offline replica of the retriever's scoring (cosine + the same signal bonuses), exact over the
whole default catalog, so that many variants cost one embedding pass: the item texts' vectors are
cached in ``--work`` (as are the plot chunk vectors, by benchmarks/build_plot_knowledge.py).
Variants: plot vector blended into the item vector (first chunk / mean of chunks, several
weights), plot passages as extra documents (best passage per film), topic-label bonus, popularity
prior. Success@10 and recall@10 are printed for all queries and for the odd/even halves, so a
setting picked on one half can be read on the other. The shipped figures come from
``chatrec eval topics`` on real stores; this script only chooses among variants.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.common import catalog_items
from chatrec.catalog import Item
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.config import Settings
from chatrec.eval.topics import K, load_benchmark, resolve
from chatrec.ingest.plots import PLOT_DIR, TOPICS_FILE
from chatrec.retrieval.retriever import signal_bonus
from chatrec.store.chroma import Store
from chatrec.store.embeddings import load_embedder


def item_vectors(items: list[Item], work: Path, store_dir: Path | None) -> np.ndarray:
    """The items' metadata-only vectors: from a metadata-only store when given, else embedded once."""
    cache = work / "item_vectors.npy"
    if cache.is_file():
        return np.load(cache)
    if store_dir is not None:
        stored = Store(Settings(data_dir=store_dir)).vectors([it.id for it in items])
        vectors = np.stack([stored[it.id] for it in items])
    else:
        vectors = load_embedder(Settings()).embed([it.embed_text for it in items])
    np.save(cache, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("data/plot_work"))
    parser.add_argument("--store", type=Path, help="data dir of a metadata-only store (saves embedding)")
    args = parser.parse_args()
    topics = json.loads((PLOT_DIR / TOPICS_FILE).read_text())["films"]
    items = catalog_items()
    items = [
        replace(it, metadata={**it.metadata, "topics": topics[str(it.metadata.get("imdb_id"))]})
        if str(it.metadata.get("imdb_id")) in topics
        else it
        for it in items
    ]
    meta_vecs = item_vectors(items, args.work, args.store)
    chunks = np.load(args.work / "plot_chunks.npz")
    plot_ids = [str(i) for i in chunks["ids"]]
    row_of = {imdb: n for n, imdb in enumerate(plot_ids)}
    has = np.array([str(it.metadata.get("imdb_id")) in row_of for it in items])
    plot_row = np.array([row_of.get(str(it.metadata.get("imdb_id")), 0) for it in items])
    catalog = {it.id: it.metadata for it in items}
    ids = [it.id for it in items]
    vocab = Vocabulary.from_metadata(catalog)
    queries = load_benchmark()
    embedder = load_embedder(Settings())
    qvecs = embedder.embed([q.text for q in queries])
    targets = [resolve(q.relevant, catalog) for q in queries]
    signals = [vocab.read(q.text) for q in queries]
    reviews = np.array([math.log1p(int(it.metadata.get("reviews") or 0)) for it in items])
    popularity = reviews / reviews.max()
    bonus_base = [np.array([signal_bonus(it, replace(s, topics=())) for it in items]) for s in signals]
    topic_hits = [
        np.array([len(set(it.metadata.get("topics") or []).intersection(s.topics)) for it in items])
        for s in signals
    ]
    # best passage per film for "passages as extra documents"
    passage = np.full((len(queries), len(plot_ids)), -1.0, dtype=np.float32)
    chunk_scores = qvecs @ chunks["vectors"].T
    for q in range(len(queries)):
        np.maximum.at(passage[q], chunks["owner"], chunk_scores[q])

    def evaluate(scores: np.ndarray) -> tuple[float, float, float, float]:
        succ, rec = [], []
        for q, row in enumerate(scores):
            top = [ids[i] for i in np.argpartition(-row, K)[:K]]
            found = len(targets[q].intersection(top))
            succ.append(float(found > 0))
            rec.append(found / max(len(targets[q]), 1))
        s, r = np.array(succ), np.array(rec)
        return s.mean(), r.mean(), s[0::2].mean(), s[1::2].mean()

    def show(name: str, dense: np.ndarray, topic: float, pop: float) -> None:
        scores = np.stack(
            [dense[q] + bonus_base[q] + topic * topic_hits[q] + pop * popularity for q in range(len(queries))]
        )
        s, r, even, odd = evaluate(scores)
        print(
            f"{name:30s} topic {topic:.2f} pop {pop:.2f} | success {s:.3f} recall {r:.3f} "
            f"| halves {even:.3f} / {odd:.3f}"
        )

    base = qvecs @ meta_vecs.T
    for topic in (0.0, 0.1):
        for pop in (0.0, 0.05):
            show("metadata only (today)", base, topic, pop)
    for variant in ("first", "mean4", "mean"):
        if not (args.work / f"plot_{variant}.npy").is_file():
            continue  # built only with --max-chunks > 1
        plot = np.load(args.work / f"plot_{variant}.npy")[plot_row]
        for w in (0.3, 0.5, 0.7):
            blended = np.where(has[:, None], (1 - w) * meta_vecs + w * plot, meta_vecs)
            blended /= np.linalg.norm(blended, axis=1, keepdims=True)
            dense = qvecs @ blended.T
            for topic in (0.0, 0.05, 0.1, 0.2):
                for pop in (0.0, 0.05, 0.1):
                    show(f"blend {variant} w={w}", dense, topic, pop)
    for w in (0.3, 0.5):
        best = passage[:, plot_row]
        dense = np.where(has[None, :], (1 - w) * base + w * best, base)
        for topic in (0.0, 0.1):
            show(f"passages (best chunk) w={w}", dense, topic, 0.05)
    print(f"items {len(items)}, with plot {int(has.sum())}, queries {len(queries)}")


if __name__ == "__main__":
    main()
