"""Idempotent, resumable ingest: rows -> items -> (only what changed) embedded -> upserted.

Each item is stored with a hash of its content and the embedding model, and every batch is
written as one upsert. So a re-run embeds only new or changed items, and an ingest killed at any
point leaves a usable store that the next run completes without duplicates.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from tqdm import tqdm

from chatrec.catalog import FieldMapping, Item, RowError, item_from_row
from chatrec.catalog.mapping import check_columns
from chatrec.errors import SourceError
from chatrec.ingest.plots import PlotSource
from chatrec.ingest.sources import Row
from chatrec.store.chroma import Store
from chatrec.store.embeddings import Embedder


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class Rejected:
    """A source row that was skipped: where it is ("line 12", "row 3") and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class Summary:
    """What an ingest did; ``rejected`` lists every skipped row, ``warnings`` the mapping's fields
    that no row filled."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    stale: int = 0
    embedded_seconds: float = 0.0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    implausible: Counter[str] = field(default_factory=Counter)  # values left out, by field

    @property
    def skipped(self) -> int:
        return len(self.rejected)

    def line(self) -> str:
        text = (
            f"added {self.added} / updated {self.updated} / unchanged {self.unchanged} / "
            f"skipped {self.skipped}"
        )
        if self.removed:
            text += f" / removed {self.removed}"
        if self.implausible:
            left = ", ".join(f"{n} {name}" for name, n in sorted(self.implausible.items()))
            text += f" / implausible values left out: {left}"
        if self.stale:
            text += f" ({self.stale} stored items are gone from the source; --prune removes them)"
        return text


def collect_items(
    rows: Iterable[Row], mapping: FieldMapping, implausible: Counter[str] | None = None
) -> tuple[dict[str, Item], list[Rejected]]:
    """Valid items by id (first occurrence wins) and the rows skipped, with where and why; values
    left out as implausible are counted by field in ``implausible``.

    Sources without a header (JSONL, rows built in code) are checked against the mapping here:
    a column that no row has is a ConfigError, as it is for a CSV header.
    """
    items: dict[str, Item] = {}
    rejected: list[Rejected] = []
    columns: set[str] = set()
    for number, row in enumerate(rows, 1):
        where = getattr(row, "where", None) or f"row {number}"
        try:
            if isinstance(row, RowError):
                raise row
            columns.update(row)
            doubtful: list[str] = []
            item = item_from_row(row, mapping, doubtful)
            if item.id in items:
                raise RowError(f"duplicate id {item.id!r}")
        except RowError as exc:
            rejected.append(Rejected(where, str(exc)))
            continue
        items[item.id] = item
        if implausible is not None:
            implausible.update(doubtful)
    if columns:
        check_columns(mapping, sorted(columns), "any row of the source")
    return items, rejected


def empty_fields(items: Iterable[Item], mapping: FieldMapping) -> list[str]:
    """Warnings for mapped fields that no item has: an empty column, or one read as the wrong type
    in every row, leaves filters and reasons without it."""
    filled = {name for item in items for name in item.metadata}
    return [
        f"field {name!r} (column {spec.column!r}) is empty in every row"
        for name, spec in mapping.fields.items()
        if name not in filled
    ]


class Progress:
    """Embedding progress: a tqdm bar on a terminal; elsewhere (a log file, CI, a pipe), where
    tqdm is silent, a plain line every 10 % or every 10 seconds."""

    def __init__(self, total: int, log: Callable[[str], None], terminal: bool | None = None) -> None:
        self.total, self.done, self.log = total, 0, log
        terminal = sys.stderr.isatty() if terminal is None else terminal
        self.bar = tqdm(total=total, unit="items", desc="embedding") if terminal and total else None
        self.shown_at, self.shown_share = time.monotonic(), 0.0

    def update(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        share = self.done / self.total
        if share >= self.shown_share + 0.1 or share == 1 or time.monotonic() - self.shown_at >= 10:
            self.log(f"embedded {self.done}/{self.total} items ({share:.0%})")
            self.shown_at, self.shown_share = time.monotonic(), share

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _finish(pending: tuple[Future[None], int] | None, progress: Progress) -> None:
    if pending is not None:
        pending[0].result()
        progress.update(pending[1])


def run_ingest(
    rows: Iterable[Row],
    mapping: FieldMapping,
    store: Store,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    prune: bool = False,
    log: Callable[[str], None] = _stderr,
    terminal: bool | None = None,
    plots: PlotSource | None = None,
) -> Summary:
    """Bring the store in line with the source rows; see the module docstring for guarantees.

    Skipped rows are in the summary, not logged one by one; ``log`` gets the warnings and, when
    stderr is not a terminal (``terminal``: ask it), the progress lines. With ``plots``, items
    that have a plot get its topics and a plot-blended vector."""
    implausible: Counter[str] = Counter()
    items, rejected = collect_items(rows, mapping, implausible)
    if plots is not None:
        items = {i: plots.enrich(item) for i, item in items.items()}
    if rejected and not items:  # checked before the store is touched: --prune would empty it
        raise SourceError(f"no row of the source could be used ({len(rejected)} skipped; {rejected[0]})")
    summary = Summary(
        rejected=rejected,
        warnings=empty_fields(items.values(), mapping) if items else [],
        implausible=implausible,
    )
    for warning in summary.warnings:
        log(f"warning: {warning}")
    store.check_embedder(embedder.identity, claim=True)
    stored = store.content_hashes()
    hashes = {i: item.content_hash(embedder.model_id) for i, item in items.items()}
    todo = [item for i, item in items.items() if stored.get(i) != hashes[i]]
    summary.unchanged = len(items) - len(todo)
    summary.updated = sum(1 for item in todo if item.id in stored)
    summary.added = len(todo) - summary.updated
    todo.sort(key=lambda item: len(item.embed_text))  # similar lengths per batch: little padding
    started = time.perf_counter()
    progress = Progress(len(todo), log, terminal)
    with ThreadPoolExecutor(1) as writer:
        pending: tuple[Future[None], int] | None = None
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = embedder.embed([item.embed_text for item in batch])
            if plots is not None:
                vectors = plots.blend(batch, vectors)
            _finish(pending, progress)  # the writer stays at most one batch behind the embedder
            hashes_ = [hashes[item.id] for item in batch]
            pending = (writer.submit(store.upsert, batch, vectors, hashes_), len(batch))
        _finish(pending, progress)
    progress.close()
    summary.embedded_seconds = time.perf_counter() - started
    gone = sorted(set(stored) - set(items))
    if prune and gone:
        store.delete(gone)
        summary.removed = len(gone)
    else:
        summary.stale = len(gone)
    return summary
