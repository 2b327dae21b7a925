"""The same store code against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatrec.agent import ChatRec
from chatrec.app.web import ChatApp
from chatrec.catalog.filters import Filters
from chatrec.errors import StoreError
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Store
from tests.helpers import (
    ScriptedLLM,
    free_port,
    make_settings,
    movie_mapping_file,
    reason_from_facts,
    run_module,
    serving,
    write_jsonl,
)

# Subprocesses, servers, whole-catalog ingests or model exports: the slow lane.
pytestmark = pytest.mark.slow


@contextmanager
def chroma_server(path: Path, port: int | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real `chroma run` on a loopback port (a free one unless given), answering."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = port or free_port()
    args = [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with serving(args, port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        yield proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as (_, url):
        yield url


def test_ingest_and_filtered_search_through_a_server(chroma_url, tmp_path, embedder, movie_rows):
    settings = make_settings(tmp_path, chroma_url=chroma_url, collection="server_films")
    store = Store(settings)
    rows = movie_rows[:300]
    summary = run_ingest(rows, movies.MAPPING, store, embedder, log=print)
    assert (summary.added, store.count()) == (300, 300)
    assert not (tmp_path / "chroma").exists(), "the embedded store must not be used with a URL"
    again = run_ingest(rows, movies.MAPPING, Store(settings), embedder, log=print)
    assert again.unchanged == 300

    retriever = Retriever(embedder, store)
    f = Filters(year_from=1990, genres=["Drama"], max_runtime=130)
    hits = retriever.search("family drama", n=10, filters=f)
    assert hits
    for hit in hits:
        meta = hit.item.metadata
        assert meta["year"] >= 1990 and "Drama" in meta["genres"] and meta["runtime"] <= 130


def test_cli_uses_the_server_from_the_environment(chroma_url, tmp_path, movie_rows):
    source = write_jsonl(tmp_path / "films.jsonl", movie_rows[:50])
    mapping = movie_mapping_file(tmp_path / "mapping.json")
    env = {
        "CHATREC_CHROMA_URL": chroma_url,
        "CHATREC_COLLECTION": "cli_films",
        "CHATREC_DATA_DIR": str(tmp_path),
    }
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping), env=env)
    assert done.returncode == 0, done.stderr
    assert "50 items in the store" in done.stdout and chroma_url in done.stdout
    found = run_module("chatrec", "search", movie_rows[3]["title"], "-n", "3", env=env)
    assert found.returncode == 0 and movie_rows[3]["title"] in found.stdout


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        Store(settings)
    with pytest.raises(StoreError, match="must be http"):
        Store(make_settings(tmp_path, chroma_url="localhost:8000"))


def test_a_running_app_keeps_answering_when_the_server_goes_away(tmp_path, embedder, movie_rows):
    """The retriever holds the catalog and its vectors in memory (up to a size), so a turn needs
    the server only at start-up; a catalog too big for memory gets the one-line error instead
    (tests/test_deployment.py)."""
    with chroma_server(tmp_path / "server") as (proc, url):
        settings = make_settings(tmp_path, chroma_url=url, collection="app_films")
        run_ingest(movie_rows[:200], movies.MAPPING, Store(settings), embedder)
        app = ChatApp(ChatRec.from_settings(settings, llm=ScriptedLLM(script=[reason_from_facts])))
        assert list(app.respond("a drama", [], "s"))[-1][2], "cards while the server is up"
        proc.kill()
        proc.wait(timeout=30)
    _, history, cards, *_ = list(app.respond("a comedy", [], "s"))[-1]
    assert len(cards) == 3 and all("Comedy" in c["genres"] for c in cards)
    assert not history[-1]["content"].startswith("Sorry")
