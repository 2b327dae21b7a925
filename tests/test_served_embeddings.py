"""Embeddings from a server (CHATREC_EMBEDDINGS=openai) and the embedder recorded in each store.

The peer is llama-cpp-python's own OpenAI-compatible server in embedding mode, serving the tiny
packaged SmolLM2: its vectors are poor, but the protocol, the shared vector space of ingest and
queries, and the recorded identity are what these tests prove.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chatrec.catalog import Filters
from chatrec.catalog.mapping import item_from_row
from chatrec.config import Settings
from chatrec.errors import ConfigError, StoreError
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.plots import PlotKnowledge
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import UNRECORDED_EMBEDDER, Store
from chatrec.store.embeddings import Embedder, load_embedder
from chatrec.store.served import ServedEmbedder
from tests.helpers import free_port, llama_serving, make_settings, movie_mapping_file, run_module, write_jsonl

FILMS = {"Heat", "Ronin", "Toy Story", "Frozen", "Alien", "Titanic", "Jaws", "Superbad"}
SHORT = ("id", "title", "year", "genres", "director", "runtime")  # few tokens: the tiny server is slow
# ONE_AT_A_TIME: llama-cpp-python's server mixes up the texts of one request when the model does not
# pool (a chat GGUF): measured, the same text got cosine -0.01 to itself in another batch order.
# One text per request is exact; the README says so for this server.


@pytest.fixture(scope="module")
def llama_embedding_server():
    with llama_serving("--embedding", "true") as url:
        yield url


def tiny_catalog(movie_rows: list[dict]) -> list[dict]:
    chosen = {r["title"]: r for r in sorted(movie_rows, key=lambda r: -int(r.get("reviews") or 0))}
    return [{k: v if k in SHORT else None for k, v in chosen[t].items()} for t in sorted(FILMS)]


def test_ingest_and_query_through_the_server(llama_embedding_server, tmp_path, movie_rows):
    rows = tiny_catalog(movie_rows)
    env = {
        "CHATREC_DATA_DIR": str(tmp_path),
        "CHATREC_CACHE_DIR": str(tmp_path / "cache"),
        "CHATREC_COLLECTION": "served_films",
        "CHATREC_EMBEDDINGS": "openai",
        "CHATREC_EMBEDDING_URL": llama_embedding_server,
        "CHATREC_EMBEDDING_MODEL": "smollm2",
        "CHATREC_EMBEDDING_BATCH_SIZE": "1",  # see ONE_AT_A_TIME
    }
    source = write_jsonl(tmp_path / "films.jsonl", rows)
    mapping = movie_mapping_file(tmp_path / "mapping.json")
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping), env=env)
    assert done.returncode == 0, done.stderr
    assert "8 items in the store" in done.stdout

    settings = make_settings(
        tmp_path,
        collection="served_films",
        embeddings="openai",
        embedding_url=llama_embedding_server,
        embedding_model="smollm2",
        embedding_batch_size=1,
    )
    store, served = Store(settings), load_embedder(settings)
    assert store.embedder() == served.identity == "openai:smollm2 (576-d)"
    # Ingest and queries share the server's vector space: an item's own text finds it first.
    for item in store.get([str(r["id"]) for r in rows[:3]]):
        top = store.query(served.embed_query(item.embed_text), n=1)[0]
        assert top.item.id == item.id and top.score == pytest.approx(1.0, abs=1e-3)
    hits = Retriever(served, store).search("a thriller", n=3, filters=Filters(year_from=1990))
    assert hits and all(h.item.metadata["year"] >= 1990 for h in hits)

    # The packaged local embedder on that store: a one-line error, from the CLI and the library.
    local_env = {k: v for k, v in env.items() if not k.startswith("CHATREC_EMBEDDING")}
    found = run_module("chatrec", "search", "a thriller", env=local_env)
    assert found.returncode != 0 and not found.stdout
    wrong = "was embedded by openai:smollm2 (576-d), not all-MiniLM-L6-v2 (384-d)"
    assert wrong in found.stderr and len(found.stderr.strip().splitlines()) == 1, found.stderr


def test_a_store_refuses_another_embedder(tmp_path, embedder, movie_rows):
    """Same dimension, other model: nothing in Chroma would notice, so the record must."""

    class Other(Embedder):
        space, model_id, dim = "other-model", "other-model", embedder.dim

        def _embed_batch(self, texts):
            return embedder.embed(list(reversed(texts)))[::-1]

    store = Store(make_settings(tmp_path, collection="local_films"))
    run_ingest(movie_rows[:20], movies.MAPPING, store, embedder)
    assert store.embedder() == embedder.identity == "all-MiniLM-L6-v2 (384-d)"
    Retriever(embedder, store)  # the embedder that made it: fine
    with pytest.raises(
        StoreError, match=r"embedded by all-MiniLM-L6-v2 \(384-d\), not other-model \(384-d\)"
    ):
        Retriever(Other(), store)
    with pytest.raises(StoreError, match="CHATREC_EMBEDDINGS"):
        run_ingest(movie_rows[20:30], movies.MAPPING, store, Other())
    assert store.count() == 20, "the refused ingest wrote nothing"


def test_a_store_from_before_the_record_is_the_packaged_minilm(tmp_path, embedder, movie_rows):
    old = Store(make_settings(tmp_path, collection="old_films"))
    assert old.embedder() is None, "an empty collection is nobody's yet"
    items = [item_from_row(row, movies.MAPPING) for row in movie_rows[:5]]
    old.upsert(items, embedder.embed([i.embed_text for i in items]), ["x"] * 5)  # as older versions did
    assert old.embedder() == UNRECORDED_EMBEDDER == embedder.identity
    Retriever(embedder, old)


def test_an_unreachable_or_unnamed_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="needs OPENAI_API_KEY, or CHATREC_EMBEDDING_URL"):
        load_embedder(Settings(embeddings="openai", embedding_model="m", data_dir=tmp_path))
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ConfigError, match="needs CHATREC_EMBEDDING_MODEL"):
        load_embedder(Settings(embeddings="openai", embedding_url=url, data_dir=tmp_path))
    with pytest.raises(StoreError, match=f"the embeddings server at {url} could not embed"):
        ServedEmbedder.from_settings(Settings(embeddings="openai", embedding_url=url, embedding_model="m"))


def test_shipped_plot_vectors_stay_out_of_another_embedders_space():
    plots = replace(PlotKnowledge.load(weight=0.5), weight=0.0)  # what ingest does for a server embedder
    vectors = np.ones((1, 576), dtype=np.float32)
    item = item_from_row({"id": 1, "title": "x", "imdb_id": next(iter(plots.vectors))}, movies.MAPPING)
    assert plots.enrich(item).metadata.get("plot"), "topics and the plot marker still apply"
    assert plots.blend([item], vectors) is vectors
