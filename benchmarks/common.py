"""Helpers shared by the benchmark scripts: the default catalog's items and percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

import chatrec  # noqa: F401  (offline switches first)
from chatrec.catalog import Item
from chatrec.catalog.recent import RecentFilms
from chatrec.ingest import movies
from chatrec.ingest.pipeline import collect_items

T = TypeVar("T")


def catalog_items(*, recent: bool = True) -> list[Item]:
    """The default catalog's items as ingest builds them: the old films and (``recent``) the
    recent ones; without them, the old catalog alone (what the recent films are built against)."""
    rows = movies.default_rows().rows if recent else movies.default_rows(RecentFilms()).rows
    items, _ = collect_items(rows, movies.MAPPING)
    return list(items.values())


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """What ``fn()`` returns and how many seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def latency_ms(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """p50/p95 in milliseconds of ``repeats`` calls, after one warm-up call."""
    fn()
    samples = [timed(fn)[1] * 1000 for _ in range(repeats)]
    return {"p50": statistics.median(samples), "p95": float(np.percentile(samples, 95))}
