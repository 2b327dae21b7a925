"""A start-up cache of what an app instance reads from the store, kept on local disk.

At start the agent needs every item's metadata (the catalog that its understanding and indexes
are built from), the filter columns and, for a catalog it holds in memory, every vector. Read from
a Chroma server at a million items that took 611 s and +10.1 GB of RSS (README, "The store at
scale"): HTTP pages and the client's objects, far more than the data. The cache keeps that content
under ``Settings.cache_dir``: the vectors and filter columns as ``.npy`` files mapped read-only, so
the matrix costs no copy and its pages are read as the first queries touch them, and the metadata
in :mod:`marshal`'s format with every repeated string stored once. Held as one dict per item, a
million items' metadata parsed from JSON took 24.5 s and 2.1 GB, mostly copies of the same names,
genres and languages; with each string shared it takes 11.7 s and 1.0 GB (README, "The store at
scale"). Marshal, like JSON and unlike pickle, runs no code when read (it builds values only); its
format belongs to the Python version, which is therefore part of the key.

Never stale: the key is (cache format, store location, collection, content generation, count).
The store replaces its generation before and after every write (:meth:`Store.generation`), and a
cache is saved only when the generation and count read after the content equal those read before.
Never trusted: every file's size and CRC-32 must match the manifest written with them (0.2 s per
GB), and the shapes must fit the key; anything else is ignored and the content read from the store
again, then saved anew. A key's files are written into a private temporary directory that is
renamed into place whole, so no instance ever sees half a cache; they are readable by the owner only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from chatrec.store.chroma import Store
from chatrec.store.filtering import LISTS, NUMBERS, FilterIndex

FORMAT = 2  # bump when what the files hold or how changes: older caches are then never read
MANIFEST = "manifest.json"
ABANDONED_SECONDS = 3600  # a temporary directory this old belongs to a start that died
CHUNK = 1 << 24


@dataclass(frozen=True)
class Snapshot:
    """What the start reads from the store: every item's metadata (its ids in row order), the
    filter columns over those rows and, when asked for, the vectors in the same rows."""

    metadata: dict[str, dict[str, Any]]
    index: FilterIndex
    matrix: np.ndarray | None


def read_snapshot(store: Store, *, vectors: bool) -> Snapshot:
    """Everything from the store itself: the metadata in one pass, the vectors by pages of ids."""
    metadata = store.metadata()
    matrix = store.matrix(list(metadata)) if vectors else None
    return Snapshot(metadata, FilterIndex.build(metadata.items()), matrix)


def snapshot(store: Store, *, max_vectors: int) -> Snapshot:
    """The store's current content (vectors only up to ``max_vectors`` items): from the cache when
    it holds exactly this content, else read from the store and, if no write came in between,
    saved for the next start."""
    if not store.settings.startup_cache:
        return read_snapshot(store, vectors=store.count() <= max_vectors)
    key = _key(store)
    folder = _home(store) / f"v{FORMAT}-{key['generation']}-{key['count']}"
    cached = _load(folder, key)
    if cached is not None:  # a cache saved under a higher limit holds vectors this start may not
        return cached if key["count"] <= max_vectors else replace(cached, matrix=None)
    content = read_snapshot(store, vectors=key["count"] <= max_vectors)
    if _key(store) == key and len(content.metadata) == key["count"]:
        _save(folder, key, content)
    return content


def _key(store: Store) -> dict[str, Any]:
    generation = store.generation()  # first: a write after it changes it, whatever count says
    return {
        "format": FORMAT,
        "python": [*sys.version_info[:2], marshal.version],
        "store": store.where,
        "collection": store.settings.collection,
        "generation": generation,
        "count": store.count(),
    }


def _home(store: Store) -> Path:
    """One directory per store and collection; it holds the current key's cache only."""
    name = json.dumps([store.where, store.settings.collection]).encode()
    return store.settings.cache_dir / "startup" / hashlib.sha256(name).hexdigest()[:16]


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _write(path: Path, data: bytes | np.ndarray) -> None:
    """A new file that only the owner can read (whatever the umask)."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        if isinstance(data, bytes):
            f.write(data)
        else:
            np.lib.format.write_array(f, data, allow_pickle=False)


def _columns(index: FilterIndex) -> tuple[dict[str, list[tuple[str, int]]], np.ndarray]:
    """The posting lists as one array of rows and, per field, each value with its number of rows."""
    sizes = {f: [(v, len(rows)) for v, rows in index.postings[f].items()] for f in LISTS}
    parts = [rows for f in LISTS for rows in index.postings[f].values()]
    return sizes, np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _shared(metadata: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same metadata with each distinct string one object, which marshal then writes once
    and reads back as one object (a cast member of a hundred films is one string, not a hundred)."""
    strings: dict[str, str] = {}

    def one(value: Any) -> Any:
        if isinstance(value, str):
            return strings.setdefault(value, value)
        if isinstance(value, list):
            return [strings.setdefault(v, v) if isinstance(v, str) else v for v in value]
        return value

    return {i: {strings.setdefault(k, k): one(v) for k, v in meta.items()} for i, meta in metadata.items()}


def _save(folder: Path, key: dict[str, Any], content: Snapshot) -> None:
    """Write the cache of this key; a failure (full disk, read-only cache dir) only costs the next
    start a read from the store."""
    home = folder.parent
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=home))  # mode 0700
    try:
        index = content.index
        sizes, postings = _columns(index)
        _write(temporary / "catalog.marshal", marshal.dumps(_shared(content.metadata), marshal.version))
        _write(temporary / "numbers.npy", np.stack([index.numbers[f] for f in NUMBERS]))
        _write(temporary / "postings.npy", postings.astype(np.int64, copy=False))
        if content.matrix is not None:
            _write(temporary / "vectors.npy", np.ascontiguousarray(content.matrix, dtype=np.float32))
        columns = {"ratings": index.ratings.tolist(), "postings": sizes}
        _write(temporary / "columns.json", json.dumps(columns).encode())
        files = {p.name: [p.stat().st_size, _crc(p)] for p in sorted(temporary.iterdir())}
        _write(temporary / MANIFEST, json.dumps({"key": key, "files": files}).encode())
        if folder.exists():  # this key's cache, found damaged
            shutil.rmtree(folder)
        temporary.rename(folder)
    except OSError:
        return
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    _prune(home, keep=folder)


def _prune(home: Path, *, keep: Path) -> None:
    """Remove the caches of earlier keys and temporary directories of starts that died. An
    instance still mapping an earlier cache keeps its pages (the files live until unmapped)."""
    for other in home.iterdir():
        if other == keep:
            continue
        with contextlib.suppress(OSError):
            if not other.name.startswith(".tmp-") or other.stat().st_mtime < time.time() - ABANDONED_SECONDS:
                shutil.rmtree(other)


def _load(folder: Path, key: dict[str, Any]) -> Snapshot | None:
    """The cached content of this key, or None when there is none or it fails a check."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
        if manifest["key"] != key:
            return None
        for name, (size, crc) in manifest["files"].items():
            path = folder / name
            if path.stat().st_size != size or _crc(path) != crc:
                return None
        return _read(folder, key["count"])
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None


def _read(folder: Path, count: int) -> Snapshot | None:
    """The checked files as a snapshot; None when their shapes do not fit ``count`` items."""
    metadata = marshal.loads((folder / "catalog.marshal").read_bytes())
    columns = json.loads((folder / "columns.json").read_bytes())
    numbers = np.load(folder / "numbers.npy")
    postings = np.load(folder / "postings.npy", mmap_mode="r")
    vectors = folder / "vectors.npy"
    matrix = np.load(vectors, mmap_mode="r") if vectors.exists() else None
    sizes = [n for f in LISTS for _, n in columns["postings"][f]]
    if (
        not isinstance(metadata, dict)
        or len(metadata) != count
        or not all(type(m) is dict for m in metadata.values())
        or numbers.shape != (len(NUMBERS), count)
        or len(columns["ratings"]) != count
        or sum(sizes) != len(postings)
        or (matrix is not None and (matrix.ndim != 2 or len(matrix) != count or matrix.dtype != np.float32))
    ):
        return None
    lists: dict[str, dict[str, np.ndarray]] = {}
    stop = 0
    for field in LISTS:
        lists[field] = {}
        for value, size in columns["postings"][field]:
            lists[field][value] = postings[stop : stop + size]
            stop += size
    index = FilterIndex(
        list(metadata),
        dict(zip(NUMBERS, numbers, strict=True)),
        np.array(columns["ratings"], dtype=object),
        lists,
    )
    return Snapshot(metadata, index, matrix)
