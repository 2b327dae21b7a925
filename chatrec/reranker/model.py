"""The cross-encoder reranker: scores (conversation, item) pairs jointly and re-sorts retrieval hits.

Retrieval embeds the query and the items separately, so it cannot weigh one against the other; a
cross-encoder reads both in one pass and can. It is too slow to run over the catalog, so it only
re-sorts the retriever's top candidates, and its score is fused with the retrieval score and a
popularity prior (weights set on the validation dialogues, stored beside the model in
``fusion.json``). The default model is the project's own, trained by ``chatrec train-reranker``
and shipped in ``models/chatrec-reranker``; any Hugging Face cross-encoder directory can replace it.
"""

from __future__ import annotations

import json
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from chatrec.catalog import Item
from chatrec.catalog.items import renown
from chatrec.config import Settings, packaged_model
from chatrec.errors import ConfigError
from chatrec.store.chroma import Hit
from chatrec.store.onnx import INPUTS, export_onnx, onnx_session, quiet_transformers, weights_key

MODEL_NAME = "chatrec-reranker"
FUSION_FILE = "fusion.json"
QUERY_SHARE = 0.6  # of a pair's tokens the query may take; the item gets the rest (and any unused)
BATCH_SIZE = 32
CAST_SHOWN = 3  # the catalog's cast lists are alphabetical, not billing order: a few are enough


def default_model_path() -> Path:
    """The shipped reranker, package data of chatrec (``models/`` in the repository links to it)."""
    return packaged_model(MODEL_NAME)


def _names(meta: dict[str, Any], key: str, limit: int | None = None) -> str:
    value = meta.get(key)
    values = value if isinstance(value, list) else [value] if value else []
    return ", ".join(map(str, values[:limit]))


def pair_text(item: Item) -> str:
    """The item side of a pair: title, year, genres and people, short enough for a small budget.

    The stored item text leads with long country and award fields; the cross-encoder only has a few
    dozen tokens, so it gets the fields a request names. Items with none of them fall back to their
    stored text (or the bare title).
    """
    meta = item.metadata
    fields = [_names(meta, "genres"), _names(meta, "directors"), _names(meta, "cast", CAST_SHOWN)]
    if not any(fields):
        return item.text.strip() or item.label
    return " ".join([f"{item.label}.", *(f"{f}." for f in fields if f)])


class Fusion(BaseModel):
    """Weights of the final score: each signal is standardised over the candidate list, then summed.

    Standardising makes the weights comparable across queries and models whose raw score scales
    differ (logits, cosines, log review counts).
    """

    model_config = ConfigDict(extra="forbid")

    cross_encoder: float = 1.0
    retrieval: float = 0.0
    popularity: float = 0.0

    @staticmethod
    def _standard(values: np.ndarray) -> np.ndarray:
        spread = float(values.std())
        return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)

    def combine(self, cross: np.ndarray, retrieval: np.ndarray, popularity: np.ndarray) -> np.ndarray:
        parts = zip(
            (self.cross_encoder, self.retrieval, self.popularity), (cross, retrieval, popularity), strict=True
        )
        total = np.zeros(len(cross))
        for weight, values in parts:
            total += weight * self._standard(np.asarray(values, dtype=np.float64))
        return total


def popularity(item: Item) -> float:
    """log(1 + critic review count): the prior ReDial's seekers share for well-known films (the
    count assumed for a film without one: ``renown``)."""
    return math.log1p(renown(item.metadata))


class Reranker(ABC):
    """Scores (query, item) pairs, higher = better; subclasses run one tokenised batch."""

    def __init__(self, tokenizer: Any, *, max_length: int, fusion: Fusion) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise ConfigError("the reranker needs a fast tokenizer (tokenizer.json in the model directory)")
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.fusion = fusion
        self.query_tokens = max(1, int(QUERY_SHARE * (max_length - 3)))
        # A fast tokenizer keeps its padding and truncation as state that each call may change:
        # concurrent turns got one another's (unpadded batches). Tokenising is ~1 ms; forwards overlap.
        self._tokenizing = threading.RLock()

    @abstractmethod
    def _forward(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """One relevance logit per pair of a padded batch."""

    def tail(self, query: str) -> str:
        """The end of ``query`` that fits the query's token budget: the most recent turns win."""
        with self._tokenizing:
            encoded = self.tokenizer(query, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoded["offset_mapping"]
        if len(offsets) <= self.query_tokens:
            return query.strip()
        return query[offsets[-self.query_tokens][0] :].strip()

    def pairs(self, queries: Sequence[str], texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Tokenised pairs: each query's tail first, the item text cut to whatever room is left.

        Training batches go through here too, so the model is trained on exactly what it scores.
        """
        with self._tokenizing:
            encoded = self.tokenizer(
                [self.tail(q) for q in queries],
                [t.strip() or "?" for t in texts],
                truncation="only_second",
                max_length=self.max_length,
                padding=True,
                return_tensors="np",
            )
        return {k: np.asarray(encoded[k], dtype=np.int64) for k in INPUTS if k in encoded}

    def score(self, query: str, items: Sequence[Item]) -> np.ndarray:
        """One score per item, higher = more relevant to ``query`` (any text, even empty)."""
        texts = [pair_text(i) for i in items]
        out = np.zeros(len(texts), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            out[idx] = self._forward(self.pairs([query] * len(idx), [texts[i] for i in idx]))
        return out


def _classifier(path: Path, *, eager: bool = False) -> Any:
    """The sequence-classification model at ``path`` in float32 (shipped weights may be fp16)."""
    import torch
    from transformers import AutoModelForSequenceClassification

    quiet_transformers()
    extra = {"attn_implementation": "eager"} if eager else {}
    return AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32, **extra).eval()


class TorchReranker(Reranker):
    """A sequence-classification model run by torch, in inference mode (also the training view)."""

    def __init__(self, model: Any, tokenizer: Any, **kwargs: Any) -> None:
        super().__init__(tokenizer, **kwargs)
        self.model = model

    def _forward(self, features: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self.model(**{k: torch.from_numpy(v) for k, v in features.items()}).logits
        return logits[:, -1].float().numpy()


def _logit_module(path: Path) -> Any:
    """The classifier as a module of positional BERT inputs returning one logit per pair."""
    import torch

    model = _classifier(path, eager=True)

    class Logit(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits[:, -1]

    return Logit()


class OnnxReranker(Reranker):
    """The same weights exported once (per weights, into the cache dir) and run by ONNX Runtime."""

    def __init__(
        self, path: Path, tokenizer: Any, *, cache_dir: Path, quantize: bool, threads: int, **kwargs: Any
    ) -> None:
        super().__init__(tokenizer, **kwargs)
        if "token_type_ids" not in tokenizer.model_input_names:
            raise ConfigError(f"{path} is not BERT-like; set CHATREC_RERANKER_BACKEND=torch for it")
        name = f"reranker-{path.resolve().name}-{weights_key(path)}-{'int8pc' if quantize else 'fp32'}.onnx"
        target = cache_dir / "onnx" / name
        if not target.is_file():
            export_onnx(_logit_module(path), target, quantize=quantize, output="logit")
        self.session = onnx_session(target, threads)

    def _forward(self, features: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, features)[0].astype(np.float32, copy=False)


def read_fusion(path: Path) -> Fusion:
    """The fusion weights saved beside a model; a model without them is used on its own."""
    file = path / FUSION_FILE
    return Fusion.model_validate(json.loads(file.read_text())) if file.is_file() else Fusion()


def load_reranker(settings: Settings, path: Path | None = None) -> Reranker:
    """The reranker the settings name: the shipped model on ONNX Runtime int8 by default."""
    from transformers import AutoTokenizer

    if path is None:
        path = Path(settings.reranker_model).expanduser() if settings.reranker_model else default_model_path()
    if not (path / "config.json").is_file():
        raise ConfigError(f"no cross-encoder at {path} (set CHATREC_RERANKER_MODEL to a model directory)")
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    common: dict[str, Any] = {"max_length": settings.reranker_max_length, "fusion": read_fusion(path)}
    if settings.reranker_backend == "torch":
        import torch

        torch.set_num_threads(settings.threads)
        return TorchReranker(_classifier(path), tokenizer, **common)
    quantize = settings.reranker_backend == "onnx-int8"
    return OnnxReranker(
        path, tokenizer, cache_dir=settings.cache_dir, quantize=quantize, threads=settings.threads, **common
    )


def rerank(reranker: Reranker, query: str, hits: Sequence[Hit], *, n: int) -> list[Hit]:
    """The ``n`` best of ``hits`` by the fused score, which becomes each returned hit's score."""
    if not hits:
        return []
    items = [h.item for h in hits]
    fused = reranker.fusion.combine(
        reranker.score(query, items),
        np.array([h.score for h in hits], dtype=np.float64),
        np.array([popularity(i) for i in items]),
    )
    order = np.argsort(-fused, kind="stable")[:n]
    return [Hit(hits[i].item, float(fused[i])) for i in order]


def rerank_head(reranker: Reranker, query: str, hits: Sequence[Hit], depth: int) -> list[Hit]:
    """The first ``depth`` hits re-sorted by the fused score, the deeper ones after them in
    retrieval order: the cross-encoder is too slow for the whole list, retrieval's tail still counts."""
    return [*rerank(reranker, query, hits[:depth], n=depth), *hits[depth:]]
