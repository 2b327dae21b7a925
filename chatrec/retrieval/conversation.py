"""The conversation retriever: the whole dialogue so far, encoded by a model trained on ReDial, against
the catalog's own item vectors.

Content retrieval embeds the request of the moment with an off-the-shelf sentence model, which
knows what texts say, not what recommenders answer. This channel reads the dialogue as ReDial's
recommenders did (seeker and recommender messages, the most recent first, film titles kept) with a
MiniLM fine-tuned on ReDial TRAIN (``chatrec train-retriever``) so that its vector lands near the
films a recommender named next. The item side is not retrained: it is the vector every item
already has in the store (the packaged MiniLM over the item text, blended with its plot), so the
catalog needs no second set of vectors, ingest costs nothing more, and a film added to the
catalog later is reachable at once. Training pulls the query tower towards those fixed vectors
with a softmax over the whole catalog (every film a negative, the hardest included).

The model ships in ``models/chatrec-retriever`` (fp16 weights; exported once to ONNX int8 into
the cache dir, a few ms a query) with ``retriever.json``: the item space it was trained against
(the store must have been filled by the same embedder, else the channel is off) and the weight of
the popularity prior it learned beside the cosine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from chatrec.catalog.filters import Filters
from chatrec.config import Settings, packaged_model
from chatrec.store.chroma import Hit
from chatrec.store.onnx import export_onnx, onnx_session, quiet_transformers, weights_key

if TYPE_CHECKING:
    from chatrec.retrieval.retriever import Retriever

MODEL_NAME = "chatrec-retriever"
CONFIG_FILE = "retriever.json"
MAX_TOKENS = 128  # of the conversation, the most recent first: older messages fall off the end
ROLES = {"seeker": "seeker", "user": "seeker", "recommender": "recommender", "assistant": "recommender"}


def default_model_path() -> Path:
    return packaged_model(MODEL_NAME)


def conversation_text(messages: Sequence[tuple[str, str]]) -> str:
    """The dialogue as the model reads it: ``(role, text)`` pairs, most recent first, each with its
    speaker ("seeker" / "recommender"; chat's "user" / "assistant" map to them), so truncation to
    :data:`MAX_TOKENS` drops the oldest words."""
    parts = [f"{ROLES.get(role, role)}: {' '.join(text.split())}" for role, text in reversed(messages)]
    return " | ".join(p for p in parts if not p.endswith(": "))


class RetrieverConfig(BaseModel):
    """What the model was trained against, saved beside its weights."""

    model_config = ConfigDict(extra="forbid")

    item_space: str  # the store embedder's identity whose vectors were the fixed item side
    plot_weight: float  # the plot blend of those vectors
    max_tokens: int = MAX_TOKENS
    scale: float = 20.0  # softmax temperature of training: cosine x scale
    popularity: float = 0.0  # learned weight of the standardised log critic reviews, per unit of cosine


def popularity_z(metadata: Mapping[str, Any]) -> float:
    """log(1 + critic reviews), standardised with the default catalog's mean and spread (fixed,
    so the score of a film does not depend on which others are in the catalog)."""
    reviews = metadata.get("reviews")
    value = math.log1p(reviews) if isinstance(reviews, int | float) and reviews > 0 else 0.0
    return (value - POPULARITY_MEAN) / POPULARITY_SPREAD


POPULARITY_MEAN, POPULARITY_SPREAD = 2.0, 1.5


def _pooled_module(path: Path) -> Any:
    """The encoder in float32 (shipped weights are fp16), mean pooling over real tokens, L2 norm."""
    import torch
    from transformers import AutoModel

    quiet_transformers()
    encoder = AutoModel.from_pretrained(str(path), dtype=torch.float32, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Pooled()


class ConversationEncoder:
    """The query tower on ONNX Runtime int8 (exported once per weights into the cache dir)."""

    def __init__(self, path: Path, *, cache_dir: Path, threads: int, max_tokens: int = MAX_TOKENS) -> None:
        from tokenizers import Tokenizer

        target = cache_dir / "onnx" / f"{MODEL_NAME}-{weights_key(path)}-int8pc.onnx"
        if not target.is_file():
            export_onnx(_pooled_module(path), target, quantize=True, output="embedding")
        self._session = onnx_session(target, threads)
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([t.strip() or " " for t in texts])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._session.run(None, feed)[0].astype(np.float32, copy=False)


class ConversationRetriever:
    """Scores the catalog's items for a conversation: cosine of the conversation's vector to the
    item's stored vector, plus the learned popularity prior."""

    def __init__(self, retriever: Retriever, encoder: ConversationEncoder, config: RetrieverConfig) -> None:
        self.retriever = retriever  # its vectors in memory, filters and catalog
        self.encoder = encoder
        self.config = config
        self._last: tuple[str, np.ndarray] | None = None

    def vector(self, conversation: str) -> np.ndarray:
        """The conversation's unit vector (the last one is remembered: a turn asks twice)."""
        last = self._last
        if last is not None and last[0] == conversation:
            return last[1]
        vector = self.encoder.encode([conversation])[0]
        self._last = (conversation, vector)
        return vector

    @cached_property
    def _prior(self) -> np.ndarray:
        """Every row's popularity prior, in the retriever's vector table order."""
        ids, catalog = self.retriever.table_ids(), self.retriever.catalog
        if ids is None:
            return np.zeros(0, dtype=np.float32)
        return np.array([popularity_z(catalog[i]) for i in ids], dtype=np.float32) * self.config.popularity

    def scores(self, conversation: str, ids: Sequence[str], vectors: Mapping[str, np.ndarray]) -> np.ndarray:
        """The channel's score of each id (0 for an id without a vector)."""
        vector = self.vector(conversation)
        catalog, weight = self.retriever.catalog, self.config.popularity
        return np.array(
            [
                float(vectors[i] @ vector) + weight * popularity_z(catalog[i]) if i in vectors else 0.0
                for i in ids
            ]
        )

    def search(
        self, conversation: str, *, n: int, filters: Filters | None = None, exclude_ids: Sequence[str] = ()
    ) -> list[Hit]:
        """The ``n`` best items for the conversation that pass the filters, best first."""
        found = self.retriever.scan(
            self.vector(conversation), n, filters or Filters(), exclude_ids, self._prior
        )
        items = {item.id: item for item in self.retriever.items([i for i, _ in found])}
        return [Hit(items[i], s) for i, s in found if i in items]


def read_config(path: Path) -> RetrieverConfig | None:
    file = path / CONFIG_FILE
    return RetrieverConfig.model_validate(json.loads(file.read_text())) if file.is_file() else None


def load_conversation_retriever(
    retriever: Retriever, settings: Settings, path: Path | None = None
) -> ConversationRetriever | None:
    """The shipped conversation retriever for this store, or None when there is none or the store's
    item vectors are not the space it was trained against (another embedder or plot blend)."""
    path = path or default_model_path()
    config = read_config(path)
    if config is None or not (path / "config.json").is_file():
        return None
    if retriever.store.embedder() != config.item_space or settings.plot_weight != config.plot_weight:
        return None
    if retriever.table_ids() is None:
        return None  # a catalog too big to hold in memory: the channel needs the vector table
    encoder = ConversationEncoder(
        path, cache_dir=settings.cache_dir, threads=settings.threads, max_tokens=config.max_tokens
    )
    return ConversationRetriever(retriever, encoder, config)
