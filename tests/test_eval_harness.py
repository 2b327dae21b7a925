"""The ReDial harness end to end on a slice of the shared dev file, against the full catalog."""

from __future__ import annotations

import json

import pytest

from chatrec.eval.hybrid_fit import MIN_GAIN
from chatrec.eval.report import write_report
from chatrec.eval.run import evaluate_redial
from chatrec.ranking.hybrid import FEATURES, HybridWeights
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


TRAIN = ROOT.parent / "shared" / "data" / "redial" / "train.jsonl"


@pytest.mark.skipif(not TRAIN.is_file(), reason="needs ../shared/data/redial/train.jsonl")
def test_fit_hybrid_chooses_the_cross_encoder_end_to_end(full_ingest, tmp_path):
    store, _ = full_ingest
    env = {"CHATREC_DATA_DIR": str(store.settings.data_dir)}
    out = tmp_path / "hybrid.json"
    done = run_module(
        "chatrec", "fit-hybrid", "--data", str(TRAIN), "--limit", "25", "--out", str(out), env=env
    )
    assert done.returncode == 0, done.stderr
    weights = HybridWeights.model_validate(json.loads(out.read_text()))
    report = json.loads((tmp_path / "fit.json").read_text())
    assert report["val_dialogues"] == 25 and set(report["weights"]) == set(FEATURES)
    grid = report["cross_encoder_grid (end to end)"]
    assert len(grid) == 15 and all(0 <= g["recall@10"] <= g["recall@50"] <= 1 for g in grid)
    objective = {(g["rerank_depth"], g["cross_encoder"]): g["recall@10"] + g["recall@50"] for g in grid}
    if weights.cross_encoder:  # only when it beats weight 0 by the margin it must pay for
        assert objective[(weights.rerank_depth, weights.cross_encoder)] >= objective[(20, 0.0)] + MIN_GAIN
    else:
        assert max(objective.values()) < objective[(20, 0.0)] + MIN_GAIN
    assert 0 <= report["end_to_end_in_sample"]["recall@10"] <= report["end_to_end_in_sample"]["recall@50"]
