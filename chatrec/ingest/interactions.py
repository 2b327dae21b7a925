"""``chatrec ingest-interactions``: load co-occurrence data next to the catalog in the store.

Sources: a ReDial-format ``.jsonl`` (dialogues, linked to the catalog through ``redial_imdb.csv``
beside it, then title + year), a ``group_id,item_id[,weight]`` ``.csv`` (sessions, baskets, users)
for any catalog, or a saved artefact (``.json.gz``); no source = the default movie catalog's
co-occurrence shipped in ``models/redial-cooccurrence``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chatrec.catalog.interactions import CsvCounts, Interactions, MentionLinker, csv_groups, redial_groups
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest.redial import Split


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", nargs="?", type=Path, help=".jsonl (ReDial), .csv (group_id,item_id[,weight]) or .json.gz"
    )
    parser.add_argument(
        "--split", choices=["all", "train", "val"], default="all", help="ReDial dialogues used"
    )
    parser.add_argument(
        "--weights", type=Path, help="hybrid ranking weights (hybrid.json) to store with them"
    )
    parser.add_argument("--save", type=Path, help="also write the counts as an artefact (.json.gz)")


def redial_interactions(data: Path, linker: MentionLinker, split: Split = "all") -> Interactions:
    """Co-occurrence counted over the ReDial dialogues of ``split`` (each dialogue one group).
    Whatever learns or is fitted on the ``val`` part counts on ``train`` only."""
    from chatrec.ingest.redial import read_dialogues

    groups = redial_groups(read_dialogues(data, split=split), linker)
    return Interactions.from_groups(groups, f"ReDial {data.name} ({split})")


def read_source(source: Path | None, split: Split, catalog: dict[str, dict]) -> Interactions:
    """The interactions the arguments name, keyed by catalog id; bad rows reported on stderr."""
    from chatrec.store.interactions import default_artefact

    if source is None:
        return Interactions.load(default_artefact())
    name = source.name.lower()
    if name.endswith(".json.gz"):
        return Interactions.load(source)
    if name.endswith(".jsonl"):
        linker = MentionLinker.for_data(catalog, source)
        found = redial_interactions(source, linker, split)
        c = linker.counts
        print(f"ReDial movies linked: {c.imdb} by IMDb id, {c.title} by title + year, {c.missed} not")
        print(f"link rate {c.rate:.1%}")
        return found
    if name.endswith(".csv"):
        counts = CsvCounts()
        groups = csv_groups(source, set(catalog), counts, stderr=sys.stderr)
        print(f"{counts.rows} rows: {counts.skipped} skipped ({counts.unknown_items} not in the catalog)")
        return Interactions.from_groups(groups, source.name)
    raise ConfigError(f"unknown interactions format for {source}: use .jsonl, .csv or .json.gz")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``chatrec ingest-interactions``."""
    return ingest_interactions(settings, args.source, split=args.split, weights=args.weights, save=args.save)


def ingest_interactions(
    settings: Settings,
    source: Path | None = None,
    *,
    split: Split = "all",
    weights: Path | None = None,
    save: Path | None = None,
) -> int:
    """Load interactions (default: the movie catalog's shipped co-occurrence) next to the catalog."""
    from chatrec.store.chroma import Store
    from chatrec.store.interactions import InteractionStore, default_artefact

    store = Store(settings)
    store.require_items()
    catalog = store.metadata()
    interactions = read_source(source, split, catalog)
    unknown = set(interactions.counts) - set(catalog)
    if unknown:
        # A saved artefact built for another catalog version: keep only what this catalog has.
        print(f"{len(unknown)} items are not in the catalog and are left out", file=sys.stderr)
        kept = {i: n for i, n in interactions.counts.items() if i not in unknown}
        pairs = {a: {b: c for b, c in ns.items() if b not in unknown} for a, ns in interactions.pairs.items()}
        interactions = Interactions(
            {a: ns for a, ns in pairs.items() if a in kept}, kept, interactions.groups, interactions.source
        )
    weights_file = weights or (default_artefact().parent / "hybrid.json" if source is None else None)
    fitted = json.loads(weights_file.read_text()) if weights_file and weights_file.is_file() else None
    if save:
        interactions.save(save)
        print(f"wrote {save}")
    summary = InteractionStore(settings).write(interactions, fitted)
    pair_count = sum(len(v) for v in interactions.pairs.values()) // 2
    print(
        f"{interactions.groups} groups, {len(interactions.counts)} items, {pair_count} pairs -> "
        f"{settings.collection!r} interactions: {summary.line()}"
        + ("; with fitted hybrid weights" if fitted else "; default hybrid weights")
    )
    return 0
