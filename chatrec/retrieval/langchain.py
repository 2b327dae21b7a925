"""The catalog search as a LangChain retriever, for people who compose chatrec into their own
LangChain apps: ``retriever | format_docs``, a RAG prompt, LangServe-style serving.

It is :meth:`Retriever.search` behind LangChain's ``BaseRetriever`` interface, so invoke, batch,
callbacks and tracing work as for any retriever; hard filters keep their guarantee (Chroma's
``where``, never post-filtering), and each Document carries the item's metadata and score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from chatrec.catalog.filters import Filters
from chatrec.config import Settings
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Hit


class CatalogRetriever(BaseRetriever):
    """The ``k`` catalog items most relevant to a query, as Documents, under hard filters.

    ``filters`` (a :class:`Filters`) apply to every query; a call may pass its own, which replace
    them for that call: ``invoke("space adventure", filters={"year_to": 1989})``. Genre, rating
    and language names are matched to the catalog's spelling ("sci-fi" is "Sci-Fi"); an unknown
    one raises ConfigError listing the known values. A call may also pass ``k``, ``exclude_ids``
    and ``like_ids`` (items whose mean vector is blended into the query's).

    >>> retriever = CatalogRetriever.from_settings(k=5, filters=Filters(not_genres=["Horror"]))
    >>> [d.metadata["title"] for d in retriever.invoke("a heist thriller from the 90s")]
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = Field(4, ge=1, le=1000, description="Documents per query.")
    filters: Filters = Field(default_factory=Filters, description="Hard constraints for every query.")

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **fields: Any) -> CatalogRetriever:
        """On the store the settings name (``CHATREC_*``), with the embedder that filled it."""
        return cls(retriever=Retriever.from_settings(settings), **fields)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        filters: Filters | Mapping[str, Any] | None = None,
        k: int | None = None,
        exclude_ids: Sequence[str] = (),
        like_ids: Sequence[str] = (),
    ) -> list[Document]:
        chosen = self.filters if filters is None else Filters.model_validate(filters)
        hits = self.retriever.search(
            query,
            n=k or self.k,
            filters=self.retriever.canonical(chosen),
            exclude_ids=exclude_ids,
            like_ids=like_ids,
        )
        # Search builds hits from the catalog in memory, without the stored texts: one read for them.
        texts = {item.id: item.text for item in self.retriever.store.get([h.item.id for h in hits])}
        return [as_document(hit, texts.get(hit.item.id) or hit.item.text) for hit in hits]


def as_document(hit: Hit, text: str) -> Document:
    """A search hit as a Document: the item's stored ``text`` as ``page_content``; its metadata
    (year, genres, people, ...) plus ``id``, ``title``, ``label`` ("Heat (1995)") and ``score``."""
    item = hit.item
    metadata = {
        **item.metadata,
        "id": item.id,
        "title": item.title,
        "label": item.label,
        "score": round(hit.score, 4),
    }
    return Document(id=item.id, page_content=text, metadata=metadata)
