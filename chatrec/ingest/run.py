"""Ingest as one library call: a source (or the default movie catalog) into the configured store.

The ``chatrec ingest`` command, ``python -m ingest`` and the app's first start all call
:func:`ingest`, so they cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from chatrec.catalog import FieldMapping
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest import movies
from chatrec.ingest.pipeline import Summary, run_ingest
from chatrec.ingest.plots import DescriptionPlots, PlotSource, default_plots
from chatrec.ingest.sources import load_mapping, read_rows
from chatrec.store.chroma import Store
from chatrec.store.embeddings import load_embedder


def resolve_source(source: Path | None, mapping: Path | None) -> tuple[Path, FieldMapping]:
    """The source file and its mapping; no source means the default movie catalog."""
    if source is None:
        if mapping:
            raise ConfigError("--mapping goes with a SOURCE; the default catalog has its own")
        return movies.movies_db_path(), movies.MAPPING
    if mapping is None:
        raise ConfigError("a SOURCE needs --mapping FILE naming its id, title and fields (see README)")
    return source, load_mapping(mapping)


def ingest(
    settings: Settings,
    source: Path | None = None,
    mapping: Path | None = None,
    *,
    prune: bool = False,
    store: Store | None = None,
) -> Summary:
    """Ingest ``source`` (default: the movie catalog) into the store the settings name, printing
    progress; returns the summary of what was added, updated, unchanged and skipped."""
    path, field_mapping = resolve_source(source, mapping)
    rows = read_rows(path, field_mapping)
    store = store or Store(settings)
    embedder = load_embedder(settings)
    plots: PlotSource | None
    if field_mapping.description and settings.plot_weight > 0:
        plots = DescriptionPlots(field_mapping.description, embedder, settings.plot_weight)
    else:
        plots = default_plots(settings.plot_weight) if source is None else None
    print(f"ingesting {path} into {settings.collection!r} at {store.where}", flush=True)
    summary = run_ingest(
        rows,
        field_mapping,
        store,
        embedder,
        batch_size=settings.ingest_batch_size,
        prune=prune,
        plots=plots,
    )
    print(f"{summary.line()}; {store.count()} items in the store", flush=True)
    if source is None:  # the movie catalog comes with its co-occurrence (from ReDial's train split)
        from chatrec.ingest.interactions import ingest_interactions

        ingest_interactions(settings)
    return summary
