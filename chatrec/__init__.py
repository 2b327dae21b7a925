"""chatrec: a conversational recommender grounded in a catalog stored in Chroma."""

from chatrec.config import Settings, go_offline

go_offline()

from chatrec.agent import ChatRec  # noqa: E402
from chatrec.catalog import FieldMapping, FieldSpec, Item  # noqa: E402
from chatrec.catalog.filters import Filters  # noqa: E402
from chatrec.dialogue.state import DialogueState  # noqa: E402
from chatrec.errors import ChatrecError, ConfigError, SourceError, StoreError  # noqa: E402
from chatrec.events import Recommendation, Reply  # noqa: E402
from chatrec.reranker.model import Reranker, load_reranker, rerank  # noqa: E402
from chatrec.retrieval.retriever import Retriever  # noqa: E402
from chatrec.store.chroma import Hit, Store  # noqa: E402

__all__ = [
    "ChatRec",
    "ChatrecError",
    "ConfigError",
    "DialogueState",
    "FieldMapping",
    "FieldSpec",
    "Filters",
    "Hit",
    "Item",
    "Recommendation",
    "Reply",
    "Reranker",
    "Retriever",
    "Settings",
    "SourceError",
    "Store",
    "StoreError",
    "load_reranker",
    "rerank",
]
