"""Ingest on real Chroma with the real embedder: bad rows, idempotency, pruning, interruption."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatrec.catalog import FieldMapping, Filters
from chatrec.ingest import movies
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.sources import read_rows
from chatrec.store.chroma import Store
from tests.helpers import ROOT, make_settings, movie_mapping_file, run_module, write_jsonl

# Subprocesses, servers, whole-catalog ingests or model exports: the slow lane.
pytestmark = pytest.mark.slow

SMALL = FieldMapping.model_validate(
    {"id": "id", "title": "title", "fields": {"year": {"column": "year", "type": "int"}}, "text": ["plot"]}
)


def _ingest(store, embedder, rows, mapping=SMALL, **kw):
    log: list[str] = []
    summary = run_ingest(rows, mapping, store, embedder, log=log.append, batch_size=16, **kw)
    return summary, log


def test_bad_rows_are_skipped_counted_and_explained(tmp_path, embedder):
    path = tmp_path / "items.jsonl"
    lines = [
        json.dumps({"id": 1, "title": "Good One", "year": 1999, "plot": "fine"}),
        json.dumps({"title": "No Id"}),
        json.dumps({"id": 2}),
        json.dumps({"id": 1, "title": "Duplicate"}),
        json.dumps({"id": 3, "title": "Bad Year", "year": "soon"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": 4, "title": "Good Two"}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": 5, "title": "Caf\xe9"}\n')
    store = Store(make_settings(tmp_path))
    summary, _ = _ingest(store, embedder, read_rows(path, SMALL))
    assert (summary.added, summary.skipped) == (2, 7)
    assert store.count() == 2
    assert [r.where for r in summary.rejected] == [f"line {n}" for n in (2, 3, 4, 5, 6, 7, 9)]
    assert [r.reason for r in summary.rejected] == [
        "no id",
        "no title",
        "duplicate id '1'",
        "field 'year' is not of type int: 'soon'",
        "not valid JSON (Expecting property name enclosed in double quotes)",
        "not a JSON object",
        "invalid UTF-8",
    ]
    assert [i.title for i in store.get(["1", "4"])] == ["Good One", "Good Two"]


def test_implausible_runtimes_are_left_out_counted_and_never_pass_a_filter(tmp_path, embedder):
    """The default catalog gives Machuca (121 min) a runtime of 1: the film stays, its runtime
    goes, the report counts it, and "under 10 minutes" never picks it."""
    mapping = FieldMapping.model_validate(
        {"id": "id", "title": "title", "fields": {"runtime": {"column": "runtime", "type": "int"}}}
    )
    rows = [
        {"id": 1, "title": "Machuca", "runtime": 1},
        {"id": 2, "title": "Destino", "runtime": 7},
        {"id": 3, "title": "Out 1", "runtime": 776},
        {"id": 4, "title": "A Glitch", "runtime": 5000},
    ]
    store = Store(make_settings(tmp_path))
    summary, _ = _ingest(store, embedder, rows, mapping)
    assert (summary.added, summary.skipped, dict(summary.implausible)) == (4, 0, {"runtime": 2})
    assert "implausible values left out: 2 runtime" in summary.line()
    assert [i.metadata.get("runtime") for i in store.get(["1", "2", "3", "4"])] == [None, 7, 776, None]
    short = store.query(embedder.embed(["a film"])[0], n=4, filters=Filters(max_runtime=10))
    assert [h.item.title for h in short] == ["Destino"]


def test_csv_and_sqlite_sources_with_invalid_bytes(tmp_path, embedder):
    csv_path = tmp_path / "items.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "year", "plot"])
        writer.writerow([1, "Alpha", 1990, "a"])
        writer.writerow([2, "Beta", "", "b, with a comma"])
    csv_path.write_bytes(csv_path.read_bytes() + b"3,Gam\xffma,1991,c\n")
    db = tmp_path / "items.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE films (id INTEGER, title TEXT, year INTEGER, plot TEXT)")
        conn.execute("INSERT INTO films VALUES (10, 'Delta', 2001, 'd'), (11, NULL, 2002, 'e')")
        conn.execute("INSERT INTO films VALUES (12, CAST(X'4F6BFF' AS TEXT), 2003, 'f')")
    store = Store(make_settings(tmp_path))
    csv_summary, _ = _ingest(store, embedder, read_rows(csv_path, SMALL))
    db_summary, _ = _ingest(store, embedder, read_rows(db, SMALL))
    assert (csv_summary.added, csv_summary.skipped) == (2, 1)
    assert [str(r) for r in csv_summary.rejected] == ["line 4: invalid UTF-8"]
    assert (db_summary.added, db_summary.skipped) == (1, 2)
    assert [str(r) for r in db_summary.rejected] == ["row 2: no title", "row 3: invalid UTF-8"]
    # Rows of the CSV that the SQLite source lacks are kept (no --prune) and reported as stale.
    assert db_summary.stale == 2
    assert store.count() == 3
    beta = store.get(["2"])[0]
    assert "year" not in beta.metadata and beta.text == "Beta. Plot: b, with a comma."


def test_rerun_is_idempotent_and_only_changes_are_embedded(tmp_path, embedder, movie_rows):
    rows = movie_rows[:200]
    store = Store(make_settings(tmp_path))
    first, _ = _ingest(store, embedder, rows, movies.MAPPING)
    assert (first.added, first.unchanged, first.skipped) == (200, 0, 0)

    class CountingEmbedder:
        model_id, identity = embedder.model_id, embedder.identity
        calls = 0

        def embed(self, texts):
            CountingEmbedder.calls += len(texts)
            return embedder.embed(texts)

    again = run_ingest(rows, movies.MAPPING, store, CountingEmbedder(), log=print)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 200)
    assert CountingEmbedder.calls == 0

    changed = [dict(r) for r in rows]
    changed[5]["title"] = changed[5]["title"] + " (Director's Cut)"
    changed[6]["runtime"] = 999
    third = run_ingest(changed[:150], movies.MAPPING, store, CountingEmbedder(), log=print)
    assert (third.added, third.updated, third.unchanged, third.stale) == (0, 2, 148, 50)
    assert CountingEmbedder.calls == 2
    assert store.count() == 200
    assert store.get([str(changed[6]["id"])])[0].metadata["runtime"] == 999

    pruned = run_ingest(changed[:150], movies.MAPPING, store, CountingEmbedder(), prune=True, log=print)
    assert (pruned.removed, pruned.unchanged) == (50, 150)
    assert store.count() == 150


def _as_in_a_terminal() -> None:
    """Ctrl-C reaches a foreground program; a runner started in the background (``cmd &``) hands
    its children an ignored SIGINT, which would make the Ctrl-C case pass or fail by launch mode."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_ingest_resumes_to_the_exact_count(tmp_path, movie_rows, embedder, how):
    """Kill the CLI mid-ingest (kill -9, or Ctrl-C), then run it again to completion."""
    rows = movie_rows[:1500]
    source = write_jsonl(tmp_path / "films.jsonl", rows)
    mapping = movie_mapping_file(tmp_path / "mapping.json")
    env = {"CHATREC_DATA_DIR": str(tmp_path / "data"), "CHATREC_INGEST_BATCH_SIZE": "32"}
    args = [sys.executable, "-m", "ingest", str(source), "--mapping", str(mapping)]
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_as_in_a_terminal,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("ingesting")  # models are loaded, embedding starts
    time.sleep(5)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(how)
    _, _ = proc.communicate(timeout=120)
    assert proc.returncode == (-9 if how == signal.SIGKILL else 130)

    done = run_module("ingest", str(source), "--mapping", str(mapping), env=env)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.splitlines()[-1]
    added, unchanged = (int(summary.split(f"{k} ")[1].split()[0]) for k in ("added", "unchanged"))
    assert unchanged > 0, "nothing was kept from the interrupted run"
    assert added + unchanged == 1500
    store = Store(make_settings(tmp_path / "data", collection="films"))  # a catalog's own collection
    ids = store.content_hashes()
    assert len(ids) == store.count() == 1500
    assert set(ids) == {str(r["id"]) for r in rows}
    assert all(ids.values())


def test_missing_source_is_one_line_and_nonzero(tmp_path):
    mapping = movie_mapping_file(tmp_path / "m.json")
    result = run_module("chatrec", "ingest", str(tmp_path / "nope.csv"), "--mapping", str(mapping))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: source not found: {tmp_path / 'nope.csv'}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "id"}', "invalid mapping file"),
        ('{"id": "id", "title": "t", "colour": 1}', "Extra inputs are not permitted"),
    ],
)
def test_bad_mapping_is_one_line(tmp_path, content, message):
    (tmp_path / "m.json").write_text(content)
    (tmp_path / "s.csv").write_text("id,t\n1,x\n")
    result = run_module("ingest", str(tmp_path / "s.csv"), "--mapping", str(tmp_path / "m.json"))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_source_without_mapping_is_refused(tmp_path):
    (tmp_path / "s.csv").write_text("id,t\n1,x\n")
    result = run_module("chatrec", "ingest", str(tmp_path / "s.csv"))
    assert result.returncode == 1
    assert "needs --mapping" in result.stderr


def test_unknown_format(tmp_path):
    (tmp_path / "m.json").write_text('{"id": "id", "title": "t"}')
    result = run_module("ingest", str(Path(tmp_path / "s.xlsx")), "--mapping", str(tmp_path / "m.json"))
    assert result.returncode == 1 and "unknown source format '.xlsx'" in result.stderr
