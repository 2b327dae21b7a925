"""The vector store (Chroma, embedded or a server) and the encoders that fill and query it."""

from chatrec.store.chroma import Hit, Store

__all__ = ["Hit", "Store"]
