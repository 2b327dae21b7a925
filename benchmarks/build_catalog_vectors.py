"""Build the shipped vectors of the default catalog (run once per catalog or embedder change).

    python -m benchmarks.build_catalog_vectors

Embeds every default-catalog item text exactly as ingest does (the packaged MiniLM, the configured
runtime and token limit) and writes chatrec/models/catalog-vectors/vectors.npz; see
:mod:`chatrec.store.shipped` for why and how ingest uses it.
"""

from __future__ import annotations

import time

from benchmarks.common import catalog_items
from chatrec.config import Settings
from chatrec.store.embeddings import load_embedder
from chatrec.store.shipped import VECTORS_DIR, VECTORS_FILE, save_vectors


def main() -> None:
    settings = Settings()
    embedder = load_embedder(settings)
    texts = sorted({item.embed_text for item in catalog_items()})
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - start
    save_vectors(VECTORS_DIR / VECTORS_FILE, texts, vectors, embedder, settings)
    rate = len(texts) / seconds
    print(f"{len(texts)} texts embedded in {seconds:.0f} s ({rate:.0f}/s) by {embedder.model_id}")


if __name__ == "__main__":
    main()
