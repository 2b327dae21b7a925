"""Idempotent, resumable ingest: rows -> items -> (only what changed) embedded -> upserted.

Each item is stored with a hash of its content and the embedding model, and every batch is
written as one upsert. So a re-run embeds only new or changed items, and an ingest killed at any
point leaves a usable store that the next run completes without duplicates.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from tqdm import tqdm

from chatrec.catalog import FieldMapping, Item, RowError, item_from_row
from chatrec.ingest.plots import PlotSource
from chatrec.ingest.sources import Row
from chatrec.store.chroma import Store
from chatrec.store.embeddings import Embedder


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass
class Summary:
    """What an ingest did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0
    stale: int = 0
    embedded_seconds: float = 0.0

    def line(self) -> str:
        text = (
            f"added {self.added} / updated {self.updated} / unchanged {self.unchanged} / "
            f"skipped {self.skipped}"
        )
        if self.removed:
            text += f" / removed {self.removed}"
        if self.stale:
            text += f" ({self.stale} stored items are gone from the source; --prune removes them)"
        return text


def collect_items(
    rows: Iterable[Row], mapping: FieldMapping, log: Callable[[str], None]
) -> tuple[dict[str, Item], int]:
    """Valid items by id (first occurrence wins) and the number of rows skipped, each logged."""
    items: dict[str, Item] = {}
    skipped = 0
    for number, row in enumerate(rows, 1):
        try:
            if isinstance(row, RowError):
                raise row
            item = item_from_row(row, mapping)
            if item.id in items:
                raise RowError(f"duplicate id {item.id!r}")
        except RowError as exc:
            skipped += 1
            log(f"skipped row {number}: {exc}")
            continue
        items[item.id] = item
    return items, skipped


def _finish(pending: tuple[Future[None], int] | None, bar: tqdm) -> None:
    if pending is not None:
        pending[0].result()
        bar.update(pending[1])


def run_ingest(
    rows: Iterable[Row],
    mapping: FieldMapping,
    store: Store,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    prune: bool = False,
    log: Callable[[str], None] = _stderr,
    plots: PlotSource | None = None,
) -> Summary:
    """Bring the store in line with the source rows; see the module docstring for guarantees.
    With ``plots``, items that have a plot get its topics and a plot-blended vector."""
    items, skipped = collect_items(rows, mapping, log)
    if plots is not None:
        items = {i: plots.enrich(item) for i, item in items.items()}
    stored = store.content_hashes()
    hashes = {i: item.content_hash(embedder.model_id) for i, item in items.items()}
    todo = [item for i, item in items.items() if stored.get(i) != hashes[i]]
    summary = Summary(skipped=skipped, unchanged=len(items) - len(todo))
    summary.updated = sum(1 for item in todo if item.id in stored)
    summary.added = len(todo) - summary.updated
    todo.sort(key=lambda item: len(item.embed_text))  # similar lengths per batch: little padding
    started = time.perf_counter()
    with (
        tqdm(total=len(todo), unit="items", desc="embedding", disable=None) as bar,
        ThreadPoolExecutor(1) as writer,
    ):
        pending: tuple[Future[None], int] | None = None
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = embedder.embed([item.embed_text for item in batch])
            if plots is not None:
                vectors = plots.blend(batch, vectors)
            _finish(pending, bar)  # the writer stays at most one batch behind the embedder
            hashes_ = [hashes[item.id] for item in batch]
            pending = (writer.submit(store.upsert, batch, vectors, hashes_), len(batch))
        _finish(pending, bar)
    summary.embedded_seconds = time.perf_counter() - started
    gone = sorted(set(stored) - set(items))
    if prune and gone:
        store.delete(gone)
        summary.removed = len(gone)
    else:
        summary.stale = len(gone)
    return summary
