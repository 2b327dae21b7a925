"""The store at scale: synthetic catalogs of 100k and 1M items on a Chroma server (`chroma run`).

Usage: python -m benchmarks.store_scale [--sizes 17472 100000 1000000] [--repeats N]
(needs the default catalog ingested: its items are the seeds, read from CHATREC_DATA_DIR).

The synthetic items are jittered copies of the real ones: each copy gets a varied title, year and
runtime, a genre swapped or added now and then, some of its people replaced by others of the
catalog, and the seed's stored vector plus Gaussian noise (cosine ~0.9 to the seed), so nothing is
embedded. One collection grows through the sizes; at each size the script reports the ingest
throughput, the server's memory (RSS of the `chroma run` process tree), unfiltered and filtered
query p50/p95 with the filters the agent sends, and the agent's recommendations p95
(:class:`RankingPipeline` with the shipped reranker on typical dialogue states; no co-occurrence
hybrid: its interactions know only the real catalog's ids).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.common import latency_ms, timed
from benchmarks.turn_latency import MESSAGES
from chatrec.catalog import Item
from chatrec.catalog.filters import Filters
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.ingest.interactions import ingest_interactions
from chatrec.ranking.pipeline import CANDIDATES, RankingPipeline
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import HASH_KEY, Store
from chatrec.store.embeddings import Embedder, load_embedder
from chatrec.store.interactions import InteractionStore
from chatrec.understanding.understand import Understander

NOISE = 0.025  # per dimension: noise of norm ~0.49 on a unit vector, cosine ~0.9 to the seed
SUFFIXES = ["II", "Returns", "Reloaded", "Redux", "Origins", "Forever", "Rising", "Legacy", "Unbound"]
LIST_FIELDS = ("genres", "directors", "writers", "cast")
FILTERS = {
    "year range": Filters(year_from=1990, year_to=1999),
    "genre contains": Filters(genres=["Comedy"]),
    "not_genres": Filters(not_genres=["Horror"]),
    "max_runtime": Filters(max_runtime=100),
    "person contains": Filters(people=["Tom Hanks"]),
    "year + genre + runtime": Filters(year_from=1980, genres=["Drama"], max_runtime=120),
}
STORE_QUERIES_UP_TO = 200_000  # Chroma's own filtered queries are measured up to this size (slow beyond)
QUERIES = ["a heist thriller", "something funny for the family", "a sad drama about war", "space adventure"]


def seeds(settings: Settings) -> tuple[list[str], list[str], list[dict], np.ndarray]:
    """The ingested catalog's ids, documents, metadata and vectors."""
    col = Store(settings)._col
    got = col.get(include=["documents", "metadatas", "embeddings"])
    metas = [{k: v for k, v in (m or {}).items() if k != HASH_KEY} for m in got["metadatas"]]
    return list(got["ids"]), list(got["documents"]), metas, np.asarray(got["embeddings"], np.float32)


def jittered(seed: dict, copy: int, pools: dict[str, list[str]], rng: np.random.Generator) -> dict:
    """A varied copy of one item's metadata (copy 0 is the item itself)."""
    meta = dict(seed)
    if copy == 0:
        return meta
    meta["title"] = f"{seed['title']} {SUFFIXES[copy % len(SUFFIXES)]} {copy // len(SUFFIXES) or ''}".strip()
    if "year" in meta:
        meta["year"] = int(np.clip(meta["year"] + rng.integers(-8, 9), 1920, 2025))
    if "runtime" in meta:
        meta["runtime"] = int(max(40, meta["runtime"] + rng.integers(-15, 16)))
    meta["reviews"] = int(int(meta.get("reviews") or 0) * rng.random() * 0.5)  # the real ones stay on top
    for field in LIST_FIELDS:
        values = list(meta.get(field) or [])
        if field == "genres":
            if values and rng.random() < 0.3:
                values[rng.integers(len(values))] = pools[field][rng.integers(len(pools[field]))]
            if rng.random() < 0.2:
                values.append(pools[field][rng.integers(len(pools[field]))])
        else:
            values = [
                pools[field][rng.integers(len(pools[field]))] if rng.random() < 0.5 else v for v in values
            ]
        values = list(dict.fromkeys(values))
        if values:
            meta[field], meta[f"{field}_count"] = values, len(values)
    return meta


def synthetic(
    start: int, stop: int, base: tuple[list[str], list[str], list[dict], np.ndarray], batch: int
) -> Iterator[tuple[list[Item], np.ndarray]]:
    """Items ``start``..``stop`` of the synthetic catalog (deterministic per index), in batches."""
    ids, docs, metas, vectors = base
    pools = {f: sorted({v for m in metas for v in (m.get(f) or [])}) for f in LIST_FIELDS}
    for lo in range(start, stop, batch):
        rng = np.random.default_rng(lo)
        index = np.arange(lo, min(stop, lo + batch))
        seed, copy = index % len(ids), index // len(ids)
        vecs = vectors[seed] + (copy > 0)[:, None] * rng.normal(0, NOISE, (len(index), vectors.shape[1]))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        items = []
        for s, c in zip(seed, copy, strict=True):
            meta = jittered(metas[s], int(c), pools, rng)
            text = docs[s].replace(metas[s]["title"], meta["title"], 1)
            items.append(
                Item(id=ids[s] if c == 0 else f"{ids[s]}~{c}", title=meta["title"], text=text, metadata=meta)
            )
        yield items, vecs


def threads(pid: int) -> list[int]:
    return [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]


@contextmanager
def niced(server: int | None = None, nice: int = 19) -> Iterator[None]:
    """Ingest runs at the lowest priority by default, so that it barely disturbs others. Linux
    priorities are per thread: this thread (which builds) and every thread of the server (which
    writes) are lowered, then set back (that needs root). A machine that moves niced processes to
    the idle class moves this one too: then grow the collection with ``--ingest-only``, measure in
    a new run. ``--nice 0`` ingests at full speed (a million items in about an hour here)."""
    tids = [threading.get_native_id(), *(threads(server) if server else [])]
    for tid in tids:
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    try:
        yield
    finally:
        for tid in tids:
            with suppress(ProcessLookupError):
                os.setpriority(os.PRIO_PROCESS, tid, 0)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total / 1024


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    args = [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request

    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not answer")


class GeneratedStore(Store):
    """The server's collection (its interactions and embedder record) with a catalog generated
    instead of read from the server: the agent at a size the server was not filled to in time
    (README: the 1M row). Only what the agent reads at start is served from memory. The catalog
    is made once by a nice 19 child process and saved in the work dir (``generate``): a niced
    thread here would put this whole process, measurements included, in the idle class."""

    def __init__(self, settings: Settings, size: int, work: Path) -> None:
        super().__init__(settings.model_copy(update={"startup_cache": False}))  # not the server's content
        meta_file, vectors_file = work / f"generated-{size}.pkl", work / f"generated-{size}.npy"
        if not vectors_file.is_file():
            args = [sys.executable, "-m", "benchmarks.store_scale", "--generate", str(size)]
            subprocess.run(["nice", "-n", "19", *args, "--work", str(work)], check=True)
        self.meta: dict[str, dict] = pickle.loads(meta_file.read_bytes())
        self.table = np.load(vectors_file)
        self.row = {item_id: row for row, item_id in enumerate(self.meta)}

    @staticmethod
    def generate(size: int, base: tuple, work: Path) -> None:
        meta: dict[str, dict] = {}
        matrix = np.empty((size, base[3].shape[1]), dtype=np.float32)
        for items, vecs in synthetic(0, size, base, 10_000):
            matrix[len(meta) : len(meta) + len(items)] = vecs
            meta.update((i.id, i.metadata) for i in items)
        (work / f"generated-{size}.pkl").write_bytes(pickle.dumps(meta, protocol=5))
        np.save(work / f"generated-{size}.npy", matrix)

    def count(self) -> int:
        return len(self.meta)

    def metadata(self) -> dict[str, dict]:
        return self.meta

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {i: self.table[self.row[i]] for i in ids if i in self.row}


def agent(
    settings: Settings, embedder: Embedder, store: Store | None = None
) -> tuple[RankingPipeline, Understander]:
    """The agent's own ranking, as ``ChatRec.from_settings`` builds it, with its start reported."""
    before = rss_mb(os.getpid())
    retriever = Retriever(embedder, store or Store(settings))
    pipeline, load_s = timed(lambda: RankingPipeline.from_settings(retriever, settings))
    understander, read_s = timed(
        lambda: Understander(retriever.titles, retriever.vocabulary, retriever.catalog)
    )
    table = "in memory" if retriever._table is not None else "store queries"
    print(
        f"  agent start: {load_s + read_s:.1f} s (catalog, filter columns, vectors: {table}; hybrid "
        f"{'on' if pipeline.hybrid else 'off'}, cross-encoder {'on' if pipeline.reranker else 'off'}); "
        f"RSS +{rss_mb(os.getpid()) - before:.0f} MB",
        flush=True,
    )
    return pipeline, understander


def measure(settings: Settings, repeats: int, embedder: Embedder, store: Store | None = None) -> None:
    """Query and recommendation latencies on the collection ``settings`` names (or ``store``)."""
    t = latency_ms(lambda: embedder.embed_query("a heist thriller from the 90s"), repeats)
    print(f"  model: query embedding p50 {t['p50']:.1f} / p95 {t['p95']:.1f} ms", flush=True)
    pipeline, understander = agent(settings, embedder, store)
    retriever = pipeline.retriever
    vectors = [embedder.embed_query(q) for q in QUERIES]
    turn = iter(range(10**9))

    def store_query(f: Filters | None) -> None:
        retriever.store.query(vectors[next(turn) % len(vectors)], n=CANDIDATES, filters=f)

    def agent_query(f: Filters | None) -> None:  # the vectors take turns: no similarities reused
        retriever._nearest(vectors[next(turn) % len(vectors)], CANDIDATES, f or Filters(), ())

    cases: list[tuple[str, Filters | None]] = [("no filter", None), *FILTERS.items()]
    for name, f in cases:
        a = latency_ms(partial(agent_query, f), repeats)
        line = f"  query n=100, {name}: agent p50 {a['p50']:.1f} / p95 {a['p95']:.1f} ms"
        if not isinstance(retriever.store, GeneratedStore) and (
            f is None or len(retriever.catalog) <= STORE_QUERIES_UP_TO
        ):
            c = latency_ms(partial(store_query, f), max(3, repeats // 4))
            line += f"; Chroma server p50 {c['p50']:.1f} / p95 {c['p95']:.1f} ms"
        print(line, flush=True)
    worst = []
    for message in MESSAGES:

        def rank(message: str = message) -> None:
            # each turn as a new one: the remembered query vector and its similarities would
            # otherwise spare the repeats the query embedding and the similarity product
            retriever._last_query = None
            if retriever._table is not None:
                retriever._table._last = None
            state = DialogueState()
            understander.read(message, state)
            pipeline.rank(state, message, settings.k)

        t = latency_ms(rank, repeats)
        worst.append(t["p95"])
        print(f"  recommendations: p50 {t['p50']:.0f} / p95 {t['p95']:.0f} ms  {message}", flush=True)
    print(f"  recommendations ready: worst per-message p95 {max(worst):.0f} ms", flush=True)


def ingest_embedded(settings: Settings, args: argparse.Namespace, base: tuple) -> None:
    """Grow the collection through Chroma's embedded client on the directory the server will
    serve: the same files and the same ``Store.upsert`` as over HTTP, without the round trips
    (measured: README, "The store at scale"). No server may run on that directory meanwhile."""
    store = Store(settings)
    done = store.count()
    for size in sorted(args.sizes):
        if size > done:
            done = grow(store, done, size, base, None, args.nice, "(embedded)")


def grow(
    store: Store, done: int, size: int, base: tuple, server: int | None, nice: int, how: str = ""
) -> int:
    """Add synthetic items ``done``..``size`` to the store (niced, with the server's threads when
    ``server`` is its pid), say the throughput, and return the new count."""
    started = time.perf_counter()
    with niced(server, nice):
        for items, vecs in synthetic(done, size, base, store.max_batch):
            store.upsert(items, vecs, ["synthetic"] * len(items))
    took = time.perf_counter() - started
    label = f"{size:,} items {how}".rstrip()
    print(
        f"{label}: ingested {size - done:,} in {took:.0f} s = {(size - done) / took:.0f} items/s", flush=True
    )
    return size


def start_once() -> None:
    """One app instance's start, ``ChatRec.from_settings`` configured by CHATREC_* as the app is,
    then its first ranking (which maps the vectors in); a JSON line on stdout. Run in a process
    of its own, so that its RSS is its own."""
    import json

    import chatrec.retrieval.retriever as retriever_module
    from chatrec.agent import ChatRec

    took: dict[str, float] = {}
    read = retriever_module.snapshot

    def timed_read(*args: object, **kwargs: object) -> object:
        content, took["read"] = timed(lambda: read(*args, **kwargs))  # type: ignore[arg-type]
        return content

    retriever_module.snapshot = timed_read  # type: ignore[assignment]
    before = rss_mb(os.getpid())
    bot, took["start"] = timed(lambda: ChatRec.from_settings(llm=None))
    rss = rss_mb(os.getpid())
    _, took["first ranking"] = timed(lambda: bot.pipeline.rank(DialogueState(), QUERIES[0], bot.settings.k))
    figures = {"rss_mb": rss, "rss_added_mb": rss - before, "rss_after_ranking_mb": rss_mb(os.getpid())}
    print(json.dumps({**took, **figures}), flush=True)


def measure_starts(settings: Settings, starts: int, work: Path, *, plain: bool = True) -> None:
    """Start time and RSS of app instances on the server's collection: without the start-up
    cache, the first start with it (which reads the store and saves the cache), then ``starts``
    starts from the cache; each a new process (CHATREC_* as an app instance would set them)."""
    import json

    cache = work / "cache"
    shutil.copytree(Settings().cache_dir / "onnx", cache / "onnx", dirs_exist_ok=True)  # exported models
    shutil.rmtree(cache / "startup", ignore_errors=True)
    env = {
        **os.environ,
        "CHATREC_CHROMA_URL": str(settings.chroma_url),
        "CHATREC_COLLECTION": settings.collection,
        "CHATREC_CACHE_DIR": str(cache),
        "CHATREC_DATA_DIR": str(work / "app"),  # its sessions file, not the user's
    }
    runs = [("no cache", "false")] if plain else []
    runs += [("first start, saves the cache", "true")]
    runs += [("from the cache", "true")] * starts
    results: dict[str, list[dict[str, float]]] = {}
    for name, on in runs:
        child = [sys.executable, "-m", "benchmarks.store_scale", "--start-once"]
        out = subprocess.run(child, env={**env, "CHATREC_STARTUP_CACHE": on}, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        results.setdefault(name, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  start ({name}): {results[name][-1]}", flush=True)
    for name, rows in results.items():
        med = {k: float(np.median([r[k] for r in rows])) for k in rows[0]}
        print(
            f"  agent start, {name} (median of {len(rows)}): {med['start']:.1f} s, of which store/cache "
            f"read {med['read']:.1f} s; RSS {med['rss_mb']:.0f} MB (+{med['rss_added_mb']:.0f} MB), "
            f"{med['rss_after_ranking_mb']:.0f} MB after the first ranking ({med['first ranking']:.1f} s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[17472, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--work", type=Path, help="keep the server's data here (default: a temp dir)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--collection", default="scale", help="the server's collection to grow")
    parser.add_argument("--generated", type=int, help="then the agent on this many items made in memory")
    parser.add_argument("--ingest-only", action="store_true", help="grow the collection, measure nothing")
    parser.add_argument("--generate", type=int, help="only make a catalog of this size for --generated")
    parser.add_argument("--nice", type=int, default=19, help="priority of the ingest (0: full speed)")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="the collection lives in WORK/chroma and --ingest-only writes it with the embedded client "
        "(no HTTP: several times faster), then `chroma run` serves that directory for the measurements",
    )
    parser.add_argument(
        "--starts", type=int, help="measure only app starts: without the cache, then this many with it"
    )
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="with --starts: skip the start without the cache (at 1M the "
        "first start, which reads the store as that one does and saves the cache, stands for it)",
    )
    parser.add_argument("--start-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.start_once:
        start_once()
        return
    local = Settings()
    base = seeds(local)
    if args.generate:
        GeneratedStore.generate(args.generate, base, args.work)
        return
    embedder = load_embedder(local)
    work = args.work or Path(tempfile.mkdtemp(prefix="store-scale-"))
    if args.embedded and args.ingest_only:
        ingest_embedded(
            local.model_copy(update={"data_dir": work, "collection": args.collection}), args, base
        )
        return
    server = start_chroma(work / "chroma" if args.embedded else work, args.port)
    try:
        settings = local.model_copy(
            update={"chroma_url": f"http://127.0.0.1:{args.port}", "collection": args.collection}
        )
        if args.starts:
            print(f"{Store(settings).count():,} items on the server", flush=True)
            measure_starts(settings, args.starts, work, plain=not args.no_plain)
            return
        store = Store(settings)
        done = store.count()
        print(f"seeds: {len(base[0])} items; server data in {work}; {done} items already there", flush=True)
        for size in sorted(args.sizes):
            if size > done:
                done = grow(store, done, size, base, server.pid, args.nice)
            print(f"{size:,} items: server RSS {rss_mb(server.pid):.0f} MB", flush=True)
            if args.ingest_only:
                continue
            if not InteractionStore(settings).count():  # the shipped ones, as `chatrec ingest-interactions`
                ingest_interactions(settings)
            measure(settings, args.repeats, embedder)
            gc.collect()
            print(f"{size:,} items: server RSS after queries {rss_mb(server.pid):.0f} MB", flush=True)
        if args.generated:
            store, took = timed(lambda: GeneratedStore(settings, args.generated, work))
            print(f"{args.generated:,} items generated (or read) in {took:.0f} s", flush=True)
            measure(settings, args.repeats, embedder, store)
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
