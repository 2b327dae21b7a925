"""Short plot synopses of the default catalog's films: two or three sentences quoted from Wikipedia.

The catalog has no plot text, so "what is it about?" had no answer but genres. The shipped
``synopses.jsonl.gz`` (next to the other Wikipedia plot artefacts, built by
``benchmarks/build_synopses.py``) holds the opening sentences of each film's Wikipedia plot,
quoted word for word. The text is Wikipedia's, under CC BY-SA, so wherever a synopsis is shown
(UI, API, a chat answer) :data:`CREDIT` must be shown beside it; it is never paraphrased, so
that the quotation and the credit stay true.

The recent films (2015–2025, ``chatrec.catalog.recent``) have no plot section in that source; their
story is quoted the same way from the lead of their Wikipedia article (the sentences that say what
the film is about), under the same licence and credit, and served from the same lookup.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from chatrec.catalog.recent import packaged_recent
from chatrec.catalog.topics import PLOT_DIR

CREDIT = "Plot: Wikipedia, CC BY-SA"
SYNOPSES_FILE = "synopses.jsonl.gz"
DEFAULT_PATH = PLOT_DIR / SYNOPSES_FILE


def _read(path: Path) -> dict[str, str]:
    """Item id -> synopsis from a gzipped JSON-lines file (~1 MB: a dict is fast and small)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {str(row["id"]): str(row["synopsis"]) for row in map(json.loads, fh)}


@cache
def _packaged() -> dict[str, str]:
    """The shipped synopses and the recent films' stories, read once a process; empty on a trimmed
    install without the files (films then simply have no synopsis, as films outside the Wikipedia
    plots never have)."""
    found = _read(DEFAULT_PATH) if DEFAULT_PATH.is_file() else {}
    return found | packaged_recent().stories()


class Synopses:
    """Catalog item id -> quoted synopsis. Read-only; show :data:`CREDIT` with every synopsis."""

    def __init__(self, by_id: Mapping[str, str]) -> None:
        self._by_id = by_id

    @classmethod
    def load(cls, path: Path | None = None) -> Synopses:
        """The synopses in ``path``, or the packaged ones (read on first use, then shared: nothing
        is read at import, and a second load costs nothing)."""
        return cls(_packaged() if path is None else _read(path))

    def get(self, item_id: str) -> str | None:
        """The film's synopsis, or None when it has none (no plot, or a doubtful plot link)."""
        return self._by_id.get(item_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)
