"""Ingest as one library call: a source (or the default movie catalog) into the configured store.

The ``chatrec ingest`` command, ``python -m ingest`` and the app's first start all call
:func:`ingest`, so they cannot drift apart.

A catalog other than the default goes into its own collection, named after its file
(``films.csv`` -> ``films``) unless ``--collection`` or ``CHATREC_COLLECTION`` names one, and
every collection records the catalog it holds: ingesting or pruning another catalog into it is
refused, so a custom catalog can never mix with, or ``--prune`` away, the default one.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

from chatrec.catalog import FieldMapping
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest import movies
from chatrec.ingest.pipeline import Summary, run_ingest
from chatrec.ingest.plots import DescriptionPlots, PlotKnowledge, PlotSource, default_plots
from chatrec.ingest.sources import load_mapping, read_rows
from chatrec.store.chroma import Store
from chatrec.store.embeddings import PACKAGED_MODEL, load_embedder
from chatrec.store.shipped import with_shipped_vectors

DEFAULT_CATALOG = "bokeh-sampledata movies"  # the name stores record; it now includes the recent films
DEFAULT_COLLECTION = str(Settings.model_fields["collection"].default)
SHOWN_REJECTED = 10  # skipped rows printed one per line; the rest are counted


def resolve_source(source: Path | None, mapping: Path | None) -> tuple[Path, FieldMapping]:
    """The source file and its mapping; no source means the default movie catalog."""
    if source is None:
        if mapping:
            raise ConfigError("--mapping goes with a SOURCE; the default catalog has its own")
        return movies.movies_db_path(), movies.MAPPING
    if mapping is None:
        raise ConfigError("a SOURCE needs --mapping FILE naming its id, title and fields (see README)")
    return source, load_mapping(mapping)


def collection_for(source: Path) -> str:
    """A custom catalog's own collection: its file name made a valid Chroma name (3+ characters)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", source.stem).strip("_-")
    return name if len(name) >= 3 else f"catalog_{name}".rstrip("_")


def claim_collection(store: Store, catalog: str) -> None:
    """Record ``catalog`` as the collection's, or refuse when it already holds another one.

    Collections from before catalogs were recorded count as the default catalog's when they have
    the default name (that is where older versions put it), and as nobody's otherwise."""
    stored = store.catalog()
    recorded = stored
    if stored is None and store.settings.collection == DEFAULT_COLLECTION and store.count():
        recorded = DEFAULT_CATALOG
    if recorded is not None and recorded != catalog:
        raise ConfigError(
            f"collection {store.settings.collection!r} at {store.where} holds the catalog {recorded!r}, "
            f"not {catalog!r}: give this one its own collection with --collection NAME"
        )
    if stored is None:
        store.record_catalog(catalog)


def report_rejected(summary: Summary) -> None:
    """The skipped rows on stderr: how many, and the first few with their line and reason."""
    if not summary.rejected:
        return
    print(f"skipped {summary.skipped} rows:", file=sys.stderr)
    for rejected in summary.rejected[:SHOWN_REJECTED]:
        print(f"  {rejected}", file=sys.stderr)
    if summary.skipped > SHOWN_REJECTED:
        print(f"  ... and {summary.skipped - SHOWN_REJECTED} more", file=sys.stderr)


def ingest(
    settings: Settings,
    source: Path | None = None,
    mapping: Path | None = None,
    *,
    prune: bool = False,
    store: Store | None = None,
    collection: str | None = None,
) -> Summary:
    """Ingest ``source`` (default: the movie catalog) into its collection (see the module
    docstring), printing progress and the skipped rows; returns the summary of what was added,
    updated, unchanged and skipped (``Summary.rejected`` says where and why)."""
    path, field_mapping = resolve_source(source, mapping)
    default = movies.default_rows() if source is None else None
    rows = default.rows if default is not None else read_rows(path, field_mapping)
    if store is None:
        told = collection or (settings.collection if "collection" in settings.model_fields_set else None)
        name = told or (collection_for(source) if source else settings.collection)
        settings = settings.model_copy(update={"collection": name})
        store = Store(settings)
    catalog = source.stem if source else DEFAULT_CATALOG
    claim_collection(store, catalog)
    embedder = load_embedder(settings)
    plots: PlotSource | None
    if field_mapping.description and settings.plot_weight > 0:
        plots = DescriptionPlots(field_mapping.description, embedder, settings.plot_weight)
    else:
        plots = default_plots(settings.plot_weight) if source is None else None
        if isinstance(plots, PlotKnowledge) and embedder.space != PACKAGED_MODEL:
            plots = replace(plots, weight=0.0)  # the shipped plot vectors are MiniLM's; topics still hold
    name = store.settings.collection
    use = f" (use it with CHATREC_COLLECTION={name})" if name != DEFAULT_COLLECTION else ""
    print(f"ingesting {path} into {name!r} at {store.where}{use}", flush=True)
    if default is not None:
        print(default.line(), flush=True)
    summary = run_ingest(
        rows,
        field_mapping,
        store,
        with_shipped_vectors(embedder, settings) if source is None else embedder,
        batch_size=settings.ingest_batch_size,
        prune=prune,
        plots=plots,
    )
    report_rejected(summary)
    print(f"{summary.line()}; {store.count()} items in the store", flush=True)
    if source is None:  # the movie catalog comes with its co-occurrence (from ReDial's train split)
        from chatrec.ingest.interactions import ingest_interactions

        ingest_interactions(settings)
    return summary
