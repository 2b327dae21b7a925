"""Retrieval: candidates for a request under hard filters, from the store and query signals."""

from chatrec.retrieval.retriever import Retriever

__all__ = ["Retriever"]
