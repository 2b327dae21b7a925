"""Shared fixtures: real models and real Chroma stores, each built once per test session."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import chatrec  # noqa: F401  (sets the offline switches before any model library loads)
from chatrec.config import Settings
from chatrec.embeddings import Embedder, load_embedder
from chatrec.retrieval import Retriever
from chatrec.store import Store
from ingest import movies
from ingest.pipeline import Summary, run_ingest
from ingest.sources import read_rows

ROOT = Path(__file__).resolve().parents[1]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, cache_dir=data_dir / "cache", **overrides)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(Settings())


@pytest.fixture(scope="session")
def movie_rows() -> list[dict]:
    return list(read_rows(movies.movies_db_path(), movies.MAPPING))


@pytest.fixture(scope="session")
def full_ingest(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Store, Summary]:
    """The whole default catalog ingested once, as `chatrec ingest` does it.

    ``CHATREC_TEST_STORE=DIR`` keeps the store in DIR across runs (ingest then only checks it).
    """
    kept = os.environ.get("CHATREC_TEST_STORE")
    settings = make_settings(Path(kept) if kept else tmp_path_factory.mktemp("full"))
    store = Store(settings)
    rows = read_rows(movies.movies_db_path(), movies.MAPPING)
    summary = run_ingest(rows, movies.MAPPING, store, embedder, batch_size=settings.ingest_batch_size)
    return store, summary


@pytest.fixture(scope="session")
def retriever(full_ingest: tuple[Store, Summary], embedder: Embedder) -> Retriever:
    return Retriever(embedder, full_ingest[0])


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def movie_mapping_file(path: Path) -> Path:
    """The default catalog's mapping as a file, for sources exported from it."""
    data = movies.MAPPING.model_dump(exclude={"query", "table"})
    path.write_text(json.dumps(data))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_module(module: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run ``python -m module args`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
        timeout=600,
    )


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def serving(args: list[str], port: int, *, seconds: float = 60, **popen: Any) -> Iterator[subprocess.Popen]:
    """A server process of ours or a peer's, answering on ``port`` until the block ends."""
    proc = subprocess.Popen(args, **popen)
    try:
        wait_for_port(port, proc, seconds=seconds)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
