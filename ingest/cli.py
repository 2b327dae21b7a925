"""Command-line front end of ingest, shared by ``python -m ingest`` and ``chatrec ingest``."""

from __future__ import annotations

import argparse
from pathlib import Path

from chatrec.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", nargs="?", type=Path, help="CSV, JSONL or SQLite file; default: the movie catalog"
    )
    parser.add_argument("--mapping", type=Path, help="field mapping (.json or .toml); required with a source")
    parser.add_argument(
        "--prune", action="store_true", help="remove stored items that are gone from the source"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Ingest the source the arguments name into the store the settings name."""
    from chatrec.embeddings import load_embedder
    from chatrec.errors import ConfigError
    from chatrec.store import Store
    from ingest import movies
    from ingest.pipeline import run_ingest
    from ingest.sources import load_mapping, read_rows

    if args.source is None:
        if args.mapping:
            raise ConfigError("--mapping goes with a SOURCE; the default catalog has its own")
        source, mapping = movies.movies_db_path(), movies.MAPPING
    elif args.mapping is None:
        raise ConfigError("a SOURCE needs --mapping FILE naming its id, title and fields (see README)")
    else:
        source, mapping = args.source, load_mapping(args.mapping)
    rows = read_rows(source, mapping)
    store = Store(settings)
    embedder = load_embedder(settings)
    where = settings.chroma_url or settings.chroma_path
    print(f"ingesting {source} into {settings.collection!r} at {where}")
    summary = run_ingest(
        rows, mapping, store, embedder, batch_size=settings.ingest_batch_size, prune=args.prune
    )
    print(f"{summary.line()}; {store.count()} items in the store")
    if args.source is None:  # the movie catalog comes with its co-occurrence (ReDial train)
        from chatrec.interactions_cli import run as ingest_interactions

        ingest_interactions(argparse.Namespace(source=None, weights=None, save=None, split="all"), settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    from chatrec.cli import guarded

    parser = argparse.ArgumentParser(prog="python -m ingest", description="Load a catalog into the store.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(lambda: run(args, Settings()))
