"""One typed settings object for the whole library.

Every knob is a field here, read from ``CHATREC_*`` environment variables (or a ``.env`` file) by
pydantic-settings; unknown ``CHATREC_*`` names are errors, not silent defaults.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Everything that would call out to the internet is turned off before any library reads its
# environment; a user can still override each variable explicitly.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Set the offline switches of every library we use, unless the user set them."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def packaged_model(name: str) -> Path:
    """A model shipped as package data in ``chatrec/models/`` (``models/`` in the repository)."""
    return Path(str(files("chatrec") / "models" / name))


def _cores() -> int:
    return os.cpu_count() or 1


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "chatrec"


def _default_data_dir() -> Path:
    """One place per user, whatever the current directory: ``$XDG_DATA_HOME/chatrec`` (by default
    ``~/.local/share/chatrec``). A path relative to the working directory made every other
    directory look like an empty store."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "chatrec"


# CHATREC_* variables that are not settings: developer switches read where they act, and the
# Makefile's wheel cache folder (make passes its environment on to the app it runs).
NOT_SETTINGS = {"CHATREC_DEBUG", "CHATREC_TEST_STORE", "CHATREC_SCREENSHOT", "CHATREC_WHEEL_CACHE"}


class Settings(BaseSettings):
    """chatrec configuration; see the README's settings table for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="CHATREC_", env_file=".env", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir, description="Vector store, sessions and their key."
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Derived artefacts (exported models, assembled LLM files, the start-up cache).",
    )
    startup_cache: bool = Field(
        True,
        description="Keep what an app instance reads from the store at start (metadata, filter "
        "columns, vectors) under cache_dir, keyed by the store's content (README, 'The store at scale').",
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL; unset means the embedded store under data_dir."
    )
    collection: str = Field("movies", min_length=3, max_length=512)
    embeddings: Literal["local", "openai"] = Field(
        "local",
        description="local: the embedding model in-process; openai: any OpenAI-compatible "
        "/v1/embeddings server (worth it for big catalogs: README, 'Embeddings from a server').",
    )
    embedding_model: str | None = Field(
        None,
        description="local: a sentence-transformers model directory (unset: packaged MiniLM); "
        "openai: the server's model name.",
    )
    embedding_url: str | None = Field(
        None, description="openai: the embeddings server's base URL; unset means OPENAI_BASE_URL."
    )
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8", description="How the embedding model runs; all three use the same weights."
    )
    # Small batches of length-sorted texts waste little on padding: 16 beat 64 by 20 % here.
    embedding_batch_size: int = Field(16, ge=1, le=4096)
    # 128 tokens embed the catalog 23 % faster than 256 with ReDial retrieval unchanged (README).
    embedding_max_length: int = Field(128, ge=16, le=512, description="Tokens per embedded text.")
    reranker_model: str | None = Field(
        None, description="A Hugging Face cross-encoder directory; unset means models/chatrec-reranker."
    )
    reranker_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8", description="How the reranker runs; all three use the same weights."
    )
    # Chosen on the validation dialogues against the 150 ms budget (README, "Reranker").
    reranker_max_length: int = Field(64, ge=16, le=512, description="Tokens per (query, item) pair.")
    rerank_candidates: int = Field(100, ge=1, le=1000, description="Retrieval hits the reranker re-sorts.")
    plot_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the shipped plot vector in an item's vector; 0 = no plots."
    )
    item_kind: str | None = Field(
        None, description="What the catalog's items are called ('book'); unset: read from its fields."
    )
    role_words: dict[str, str] = Field(
        default_factory=dict,
        description='How a people field is credited, e.g. {"directors": "designed by"} for board games.',
    )
    ingest_batch_size: int = Field(256, ge=1, le=5000)
    llm: Literal["local", "openai"] = Field(
        "local", description="local: the embedded GGUF model; openai: any OpenAI-compatible server."
    )
    llm_model: str | None = Field(
        None, description="local: a .gguf path or 'qwen2.5-coder-0.5b'; openai: the model name."
    )
    # A turn's three reasons take ~2.5 s on a quiet machine and ~9 s on cores busy with other turns:
    # 8 s keeps a whole turn under the 10 s goal under load (README "Many people at once").
    llm_timeout: float = Field(8.0, gt=0, description="Seconds an LLM reply may take before the fallback.")
    llm_intro: bool = Field(
        False,
        description="Let the LLM write the reply's opening sentences too (checked like reasons). Off by "
        "default: the 0.5B model's openings invent facts; a capable model may turn it on.",
    )
    # Blind read of 165 + 165 dev reasons (README "Reasons"): the written sentences read natural
    # .436 vs .224 and specific .727 vs .170 against the 0.5B's phrasing, and come at once.
    llm_reasons: bool = Field(
        False,
        description="Let the LLM phrase each reason from its evidence (checked; the written sentence "
        "when it fails). Off: the written sentences alone, at once.",
    )
    llm_max_tokens: int = Field(80, ge=8, le=2048)
    # One user on quiet cores: 2 threads write a 3-reason turn in 3.9 s where 1 thread took 8.1 s
    # (p50, AVX2 machine). llama.cpp's threads wait on each other, so on cores busy with other work
    # 1 thread is steadier (2 threads took 2-52 s for 20 tokens): set 1 for a busy shared server.
    llm_threads: int = Field(default_factory=_cores, ge=1, description="CPU threads for the embedded LLM.")
    # One embedded model instance answers one prompt at a time; a server (vLLM, Ollama) may take more.
    llm_slots: int = Field(1, ge=1, le=256, description="Turns the LLM writes for at the same time.")
    llm_wait: float = Field(
        0.5,
        ge=0,
        description="Seconds a turn waits for an LLM busy with other turns before catalog reasons are used.",
    )
    sessions_path: Path | None = Field(None, description="SQLite session store; default data_dir/sessions.db")
    sessions_url: str | None = Field(
        None,
        pattern=r"^(sqlite:///.+|postgresql(\+psycopg)?://.+)$",
        description="A database for sessions, shared by app instances: postgresql://USER@HOST/DB "
        "(psycopg 3) or sqlite:///FILE; unset means the SQLite file sessions_path.",
    )
    session_days: float = Field(
        30,
        ge=0,
        description="Sessions nobody has used for this many days are removed (by the app, hourly, and by "
        "`chatrec sessions prune`); 0 keeps them forever.",
    )
    k: int = Field(3, ge=1, le=20, description="Recommendations shown per turn.")
    max_message_chars: int = Field(2000, ge=50, description="Longer messages keep their two ends.")
    threads: int = Field(default_factory=_cores, ge=1, description="CPU threads for models.")
    app_host: str = Field("127.0.0.1", description="Where the browser app listens; 0.0.0.0 exposes it.")
    app_port: int = Field(7860, ge=1, le=65535)
    app_concurrency: int = Field(
        32, ge=1, le=1000, description="Events (turns of different sessions) the app serves at once."
    )
    app_sessions_per_hour: int = Field(
        100,
        ge=0,
        description="New conversations one client address may start per hour on the web app and API "
        "(0: no cap; behind a proxy all clients share its address). The Python API has no cap.",
    )
    app_auth: SecretStr | None = Field(
        None, description="'user:password' to require a login for the browser app; unset means none."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_environment(cls, data: Any) -> Any:
        """A misspelt ``CHATREC_*`` variable is an error, as a misspelt ``.env`` key already is."""
        known = {f"CHATREC_{name}".upper() for name in cls.model_fields} | NOT_SETTINGS
        unknown = sorted(k for k in os.environ if k.upper().startswith("CHATREC_") and k.upper() not in known)
        if unknown:
            raise ValueError(f"unknown setting {', '.join(unknown)} (see the README's settings table)")
        return data

    @property
    def sessions_file(self) -> Path:
        return self.sessions_path or self.data_dir / "sessions.db"

    @property
    def chroma_path(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.data_dir / "chroma"
