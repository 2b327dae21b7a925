"""Issue 16, failure 8: every CLI failure is one line, with no traceback and no pydantic dump.

Each case runs the command as a user does, against a catalog of five films: the fast lane.
"""

from __future__ import annotations

import json
import socket

import pytest

from chatrec.catalog import FieldMapping
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.redial import split_of
from chatrec.store.chroma import Store
from tests.helpers import make_settings, run_module

FILMS = ["Heat", "Ronin", "Collateral", "The Insider", "Thief"]
MAPPING = FieldMapping.model_validate(
    {"id": "id", "title": "title", "fields": {"year": {"column": "year", "type": "int"}}}
)


@pytest.fixture(scope="module")
def env(tmp_path_factory, embedder) -> dict[str, str]:
    """CHATREC_DATA_DIR of a store holding five films."""
    data = tmp_path_factory.mktemp("cli") / "data"
    rows = [{"id": str(n), "title": title, "year": 1990 + n} for n, title in enumerate(FILMS)]
    run_ingest(rows, MAPPING, Store(make_settings(data)), embedder)
    return {"CHATREC_DATA_DIR": str(data)}


def _one_error_line(result) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("dataset", ["redial", "understanding"])
def test_f8_eval_on_a_file_that_is_not_jsonl(tmp_path, env, dataset):
    data = tmp_path / "dialogues.csv"
    data.write_text("id,title\n1,Heat\n")
    result = run_module(
        "chatrec", "eval", dataset, "--data", str(data), "--out", str(tmp_path / "out"), env=env
    )
    line = _one_error_line(result)
    reason = "is not valid JSON (Expecting value): the data must be ReDial-format JSONL"
    assert line == f"error: line 1 of {data} {reason}"


def test_f8_train_reranker_without_validation_dialogues_stops_before_training(tmp_path, env):
    ids = (str(n) for n in range(100))
    dialogue_id = next(i for i in ids if split_of(i) == "train")
    dialogue = {"conversationId": dialogue_id, "messages": [{"text": "hi", "senderWorkerId": 1}]}
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps(dialogue) + "\n")
    out = tmp_path / "model"
    args = ["train-reranker", "--data", str(data), "--synthetic", "0", "--out", str(out)]
    line = _one_error_line(run_module("chatrec", *args, env=env))
    assert line == f"error: no dialogue of {data} falls in the validation split with a film in the catalog"
    assert not out.exists()


def test_f8_app_on_a_busy_port_names_the_port_option(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_module("app", "--port", str(port), env=env)
    assert _one_error_line(result) == (
        f"error: cannot listen on 127.0.0.1:{port} (Address already in use): pick another port with --port"
    )


def test_f8_search_n_0_is_an_argument_error_not_the_store(tmp_path):
    result = run_module("chatrec", "search", "heist", "-n", "0", env={"CHATREC_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "chatrec search: error: argument -n: must be 1 or more, not 0"
    assert "store" not in result.stderr


def test_f8_validation_errors_are_one_line_without_pydantic_dumps(tmp_path, env):
    filters = run_module("chatrec", "search", "x", "--year-from", "2000", "--year-to", "1990", env=env)
    assert _one_error_line(filters) == "error: invalid Filters: year_from 2000 is after year_to 1990"
    (tmp_path / "m.json").write_text('{"id": "id", "title": "title", "colour": 1}')
    (tmp_path / "s.csv").write_text("id,title\n1,x\n")
    mapping = run_module("chatrec", "ingest", str(tmp_path / "s.csv"), "--mapping", str(tmp_path / "m.json"))
    assert _one_error_line(mapping) == (
        f"error: invalid mapping file {tmp_path / 'm.json'}: colour: Extra inputs are not permitted"
    )
    setting = run_module("chatrec", "search", "x", env={**env, "CHATREC_K": "0"})
    assert (
        _one_error_line(setting) == "error: invalid Settings: k: Input should be greater than or equal to 1"
    )


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["search", "heist", "--bogus"], "usage: chatrec search "),
        (["eval", "redial", "--data", "d.jsonl", "--bogus"], "usage: chatrec eval redial "),
        (["ingest", "--bogus"], "usage: chatrec ingest "),
    ],
)
def test_f8_an_unknown_flag_prints_the_subcommands_usage(tmp_path, args, usage):
    result = run_module("chatrec", *args, env={"CHATREC_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith(usage)
    assert result.stderr.splitlines()[-1].endswith("error: unrecognized arguments: --bogus")
