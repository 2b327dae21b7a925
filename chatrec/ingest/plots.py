"""Plot knowledge in the item representation: shipped plot vectors and topic labels, applied at ingest.

The default catalog has no plot text, so requests by topic ("a submarine thriller") found nothing.
Embedding 9,803 Wikipedia plots at ingest would blow the 120 s ingest goal, so they are embedded
once by ``benchmarks/build_plot_knowledge.py`` with the store's own embedder and shipped as
derived artefacts (``chatrec/models/wikipedia-plots/``, CC BY-SA, Wikipedia contributors). At ingest an item
with a plot gets its vector blended with the plot's vector and its topic labels as metadata;
an item without one keeps exactly today's text and vector.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from chatrec.catalog import Item
from chatrec.catalog.topics import PLOT_DIR, TOPICS_FILE, PhraseMatcher, TopicReader, film_topics, load_terms
from chatrec.store.embeddings import Embedder

VECTORS_FILE = "plot_vectors.npz"
KEY_FIELD = "imdb_id"  # the metadata field that links an item to its plot
CHUNK_WORDS = 90  # ~120 MiniLM tokens: one chunk fits the 128-token limit
MAX_CHUNKS = 8  # a plot's vector is the mean of at most this many chunks


def chunks(text: str) -> list[str]:
    """A long text as consecutive word chunks that each fit the embedder's token limit."""
    words = text.split()
    return [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)][:MAX_CHUNKS]


def save_plot_vectors(directory: Path, ids: Sequence[str], vectors: np.ndarray, variant: str) -> None:
    """Write the per-film plot vectors as float16 (half the size; cosine changes < 1e-3)."""
    np.savez_compressed(
        directory / VECTORS_FILE,
        ids=np.array(ids),
        vectors=vectors.astype(np.float16),
        variant=np.array(variant),
    )


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def mix(item_vector: np.ndarray, plot_vector: np.ndarray, weight: float) -> np.ndarray:
    """An item's vector with ``weight`` of its plot's direction mixed in, unit length."""
    return _unit((1 - weight) * item_vector + weight * _unit(plot_vector))


class PlotSource(Protocol):
    """What ingest needs of plot knowledge: label an item, then blend its embedded vector."""

    def enrich(self, item: Item) -> Item: ...

    def blend(self, items: Sequence[Item], vectors: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PlotKnowledge:
    """Plot vectors and topic labels keyed by ``imdb_id``, and the request-side topic cues."""

    vectors: Mapping[str, np.ndarray]
    film_topics: Mapping[str, Sequence[str]]
    cues: Mapping[str, Sequence[str]]
    version: str  # a hash of the artefacts: part of every enriched item's content hash
    weight: float

    @classmethod
    def load(cls, directory: Path = PLOT_DIR, *, weight: float) -> PlotKnowledge:
        vectors_path, topics_path = directory / VECTORS_FILE, directory / TOPICS_FILE
        digest = hashlib.sha256(vectors_path.read_bytes() + topics_path.read_bytes()).hexdigest()[:12]
        data = np.load(vectors_path)
        matrix = data["vectors"].astype(np.float32)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        topics = json.loads(topics_path.read_text(encoding="utf-8"))
        return cls(
            vectors=dict(zip(map(str, data["ids"]), matrix, strict=True)),
            film_topics=topics["films"],
            cues=topics["cues"],
            version=digest,
            weight=weight,
        )

    @cached_property
    def reader(self) -> TopicReader:
        return TopicReader(self.cues)

    def _key(self, item: Item) -> str | None:
        key = item.metadata.get(KEY_FIELD)
        return key if isinstance(key, str) and key in self.vectors else None

    def enrich(self, item: Item) -> Item:
        """The item with its plot's topic labels and a marker of the plot version it is blended
        with (so a new artefact or weight re-embeds it); an item without a plot is unchanged."""
        key = self._key(item)
        if key is None:
            return item
        metadata = dict(item.metadata)
        metadata["plot"] = f"{self.version}@{self.weight:g}"
        topics = list(self.film_topics.get(key, ()))
        if topics:
            metadata["topics"] = topics
            metadata["topics_count"] = len(topics)
        return replace(item, metadata=metadata)

    def blend(self, items: Sequence[Item], vectors: np.ndarray) -> np.ndarray:
        """Each item's metadata vector blended with its plot vector, renormalised (unchanged at
        weight 0: topics without the vectors, for another embedder than the one that made them)."""
        if self.weight <= 0:
            return vectors
        out = vectors.copy()
        for row, item in enumerate(items):
            key = self._key(item)
            if key is not None:
                out[row] = mix(out[row], self.vectors[key], self.weight)
        return out


def default_plots(weight: float) -> PlotKnowledge | None:
    """The shipped plot knowledge at ``weight`` (Settings.plot_weight), or None when the weight is 0
    or the artefacts are absent (a trimmed install)."""
    if weight <= 0 or not (PLOT_DIR / VECTORS_FILE).is_file():
        return None
    return PlotKnowledge.load(weight=weight)


class DescriptionPlots:
    """Plot knowledge for any catalog whose mapping names a ``description`` field: the text is
    embedded at ingest (mean of its chunks) and read for topics with the shipped vocabulary.
    This costs ingest time in proportion to the descriptions; the default catalog ships its own."""

    def __init__(self, field: str, embedder: Embedder, weight: float, directory: Path = PLOT_DIR) -> None:
        shipped = json.loads((directory / TOPICS_FILE).read_text(encoding="utf-8"))
        self.field, self.embedder, self.weight = field, embedder, weight
        self.terms = load_terms()
        self.matcher = PhraseMatcher({p for ps in self.terms.values() for p in ps})
        self.df, self.docs = shipped["df"], int(shipped["docs"])
        self.version = f"{embedder.model_id}@{weight:g}"

    def _text(self, item: Item) -> str:
        value = item.metadata.get(self.field)
        return value.strip() if isinstance(value, str) else ""

    def enrich(self, item: Item) -> Item:
        text = self._text(item)
        if not text:
            return item
        topics = film_topics(self.matcher.counts(text), self.terms, self.df, self.docs)
        metadata = {**item.metadata, "plot": self.version}
        if topics:
            metadata.update(topics=topics, topics_count=len(topics))
        return replace(item, metadata=metadata)

    def blend(self, items: Sequence[Item], vectors: np.ndarray) -> np.ndarray:
        out = vectors.copy()
        texts = [(row, chunks(self._text(item))) for row, item in enumerate(items) if self._text(item)]
        flat = [c for _, cs in texts for c in cs]
        if not flat:
            return out
        embedded = iter(self.embedder.embed(flat))
        for row, cs in texts:
            out[row] = mix(out[row], np.mean([next(embedded) for _ in cs], axis=0), self.weight)
        return out
