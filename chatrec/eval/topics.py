"""Topic-query benchmark: requests by topic and mood, scored against hand-judged films.

``chatrec/eval/topics.toml`` holds 71 requests in people's words ("a prison escape movie", "a 90s
courtroom drama"), each with the films a person who knows films would accept, written before any
system ran. A system answers each request with 10 films; success@10 is the share of requests with
at least one judged film among them, recall@10 the share of judged films found. Several stores
(say, today's metadata-only store beside the plot-blended one) are compared in one run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.errors import ConfigError
from chatrec.metrics import recall_at
from chatrec.ranking import RankingPipeline
from chatrec.retrieval.retriever import Retriever
from chatrec.understanding.understand import Understander

BENCHMARK = Path(__file__).with_name("topics.toml")
K = 10
LABEL = re.compile(r"^(?P<title>.+) \((?P<year>\d{4})\)$")

TopicRanker = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class TopicQuery:
    text: str
    relevant: tuple[str, ...]  # "Title (Year)" as judged


def load_benchmark(path: Path = BENCHMARK) -> list[TopicQuery]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [TopicQuery(q["text"], tuple(q["relevant"])) for q in data["query"]]


def _norm(title: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_.replace("&", "and")).strip()


def resolve(labels: tuple[str, ...], catalog: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Catalog ids of the judged films, by normalised title and exact year."""
    index: dict[tuple[str, int], list[str]] = {}
    for item_id, meta in catalog.items():
        if isinstance(meta.get("year"), int):
            index.setdefault((_norm(str(meta.get("title", ""))), meta["year"]), []).append(item_id)
    ids: set[str] = set()
    for label in labels:
        match = LABEL.match(label)
        if match is None:
            raise ConfigError(f"benchmark film {label!r} is not 'Title (Year)'")
        ids.update(index.get((_norm(match["title"]), int(match["year"])), []))
    return ids


def _label(meta: Mapping[str, Any]) -> str:
    return f"{meta.get('title')} ({meta.get('year')})"


def retrieval_system(retriever: Retriever) -> TopicRanker:
    return lambda text, n: [h.item.id for h in retriever.search(text, n=n)]


def full_system(retriever: Retriever) -> TopicRanker:
    """The chat agent's ranking for a first message: understanding -> state -> pipeline."""
    understander = Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    pipeline = RankingPipeline.from_settings(retriever, retriever.store.settings)

    def rank(text: str, n: int) -> list[str]:
        state = DialogueState()
        understander.read(text, state)
        return [h.item.id for h in pipeline.rank(state, text, n)]

    return rank


SYSTEMS: dict[str, Callable[[Retriever], TopicRanker]] = {"retrieval": retrieval_system, "full": full_system}


@dataclass
class TopicResult:
    system: str
    success: float
    recall: float
    latency_ms_p50: float
    per_query: list[dict[str, Any]]


def run_topics(name: str, rank: TopicRanker, queries: list[TopicQuery], retriever: Retriever) -> TopicResult:
    """Score one system; judged films are looked up in the system's own store."""
    rows: list[dict[str, Any]] = []
    seconds, success, recall = [], [], []
    for query in queries:
        targets = sorted(resolve(query.relevant, retriever.catalog))
        start = time.perf_counter()
        ranking = rank(query.text, K)[:K]
        seconds.append(time.perf_counter() - start)
        hits = [i for i in ranking if i in targets]
        success.append(float(bool(hits)))
        recall.append(recall_at(ranking, targets, K) if targets else 0.0)
        rows.append(
            {
                "query": query.text,
                "found": [retriever.catalog[i].get("title") for i in hits],
                "top3": [_label(retriever.catalog[i]) for i in ranking[:3]],
                "success": success[-1],
                "recall": recall[-1],
            }
        )
    return TopicResult(
        system=name,
        success=statistics.fmean(success),
        recall=statistics.fmean(recall),
        latency_ms_p50=1000 * statistics.median(seconds),
        per_query=rows,
    )


def markdown(results: list[TopicResult], queries: int) -> str:
    lines = [
        f"Topic benchmark: {queries} requests, success@{K} and recall@{K}",
        "",
        f"| system | success@{K} | recall@{K} | latency p50 |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r.system} | {r.success:.3f} | {r.recall:.3f} | {r.latency_ms_p50:.0f} ms |" for r in results
    ]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--system", default="retrieval,full", help="comma-separated: retrieval, full")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=DATA_DIR",
        help="also run the systems on another store (e.g. today=DIR); repeatable",
    )
    parser.add_argument("--benchmark", type=Path, default=BENCHMARK, help="benchmark TOML")
    parser.add_argument("--out", type=Path, default=Path("eval-results/topics"), help="output directory")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``chatrec eval topics``: every system on the configured store and on each compared store."""
    names = [s.strip() for s in args.system.split(",") if s.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ConfigError(f"unknown system {', '.join(unknown)}; available: {', '.join(SYSTEMS)}")
    stores = [("", settings)]
    for spec in args.compare:
        label, _, directory = spec.partition("=")
        if not label or not directory:
            raise ConfigError(f"--compare wants NAME=DATA_DIR, got {spec!r}")
        stores.append((label, settings.model_copy(update={"data_dir": Path(directory)})))
    queries = load_benchmark(args.benchmark)
    results = []
    for label, store_settings in stores:
        retriever = Retriever.from_settings(store_settings)
        retriever.store.require_items()
        for name in names:
            system = f"{name}[{label}]" if label else name
            results.append(run_topics(system, SYSTEMS[name](retriever), queries, retriever))
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(results, len(queries))
    (args.out / "topics.md").write_text(table, encoding="utf-8")
    per_query = json.dumps([asdict(r) for r in results], indent=1)
    (args.out / "topics.json").write_text(per_query, encoding="utf-8")
    print(table)
    print(f"wrote {args.out / 'topics.md'} and topics.json (per-query lists)")
    return 0
