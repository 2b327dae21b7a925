"""The cross-encoder reranker: the model and its fusion (model), training data (data), training (train)."""

from chatrec.reranker.model import Fusion, Reranker, load_reranker, rerank

__all__ = ["Fusion", "Reranker", "load_reranker", "rerank"]
