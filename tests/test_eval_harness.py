"""The ReDial harness end to end on a slice of the shared dev file, against the full catalog."""

from __future__ import annotations

import json

import pytest

from chatrec.eval.report import write_report
from chatrec.eval.run import evaluate_redial
from tests.helpers import ROOT, run_module

DEV = ROOT.parent / "shared" / "data" / "redial" / "dev.jsonl"
pytestmark = pytest.mark.skipif(not DEV.is_file(), reason="needs ../shared/data/redial/dev.jsonl")


def test_quick_eval_writes_every_output(retriever, tmp_path):
    result = evaluate_redial(retriever, DEV, systems=["popularity", "copy", "retrieval"], limit=40)
    write_report(result.rows, result.curves, tmp_path, result.header)
    rows = json.loads((tmp_path / "metrics.json").read_text())
    assert rows == result.rows
    assert set(rows[0]) == {"system", "variant", "metric", "value", "samples"}
    value = {(r["system"], r["variant"], r["metric"]): r["value"] for r in rows}
    assert {s for s, _, _ in value} == {"popularity", "copy", "retrieval"}
    for system in ("popularity", "copy", "retrieval"):
        assert value[(system, "all", "not_in_catalog")] == 0.0
        assert value[(system, "dedup", "mentioned_in_context@10")] == 0.0 or system == "copy"
        for metric in ("recall@1", "recall@10", "recall@50", "ndcg@10", "ndcg@50", "mrr"):
            assert 0.0 <= value[(system, "dedup", metric)] <= 1.0
        assert value[(system, "dedup", "recall@10")] <= value[(system, "dedup", "recall@50")]
    for metric in ("recall@1", "recall@10", "recall@50", "ndcg@10", "mrr"):
        assert value[("copy", "dedup", metric)] == 0.0
    assert value[("copy", "all", "recall@50")] > 0.0  # the shortcut works on repeated mentions
    table = (tmp_path / "metrics.md").read_text()
    assert "| retrieval | dedup |" in table and "40 dialogues" in table
    assert (tmp_path / "recall_at_k.png").read_bytes()[:4] == b"\x89PNG"


def test_eval_cli_on_a_split(full_ingest, tmp_path):
    store, _ = full_ingest
    env = {"CHATREC_DATA_DIR": str(store.settings.data_dir)}
    args = ["eval", "redial", "--data", str(DEV), "--limit", "15", "--split", "val", "--out", str(tmp_path)]
    done = run_module("chatrec", *args, "--system", "popularity,retrieval", env=env)
    assert done.returncode == 0, done.stderr
    assert "split val: 15 dialogues" in done.stdout
    assert (tmp_path / "metrics.json").is_file()
    bad = run_module("chatrec", *args, "--system", "oracle", env=env)
    assert bad.returncode == 1 and "unknown system oracle" in bad.stderr
