"""Issue 16, failures 6 and 7: ingest keeps every valid row and reports each skipped one, checks
the mapping against the source first, and never mixes or prunes another catalog's collection.

Real Chroma and the real embedder on catalogs of a few rows: the fast lane.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chatrec.catalog import FieldMapping
from chatrec.config import Settings
from chatrec.errors import ConfigError
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.run import ingest
from chatrec.ingest.sources import read_rows
from chatrec.store.chroma import Store
from tests.helpers import make_settings, run_module, write_jsonl

HEADER = "id,title,year,runtime,plot\n"
GOOD = "1,Alpha,1990,100,a heist\n"
MAPPING = {
    "id": "id",
    "title": "title",
    "fields": {"year": {"column": "year", "type": "int"}, "runtime": {"column": "runtime", "type": "int"}},
    "text": ["plot"],
}


def _csv_ingest(tmp_path: Path, embedder, body: str, mapping: dict = MAPPING, **kw):
    """Ingest ``HEADER + body`` as a library caller does; the summary and the ids stored."""
    path = tmp_path / "films.csv"
    path.write_text(HEADER + body)
    fields = FieldMapping.model_validate(mapping)
    store = Store(make_settings(tmp_path / "data"))
    log: list[str] = []
    summary = run_ingest(read_rows(path, fields), fields, store, embedder, log=log.append, **kw)
    return summary, sorted(store.content_hashes()), log


def _files(tmp_path: Path, body: str, mapping: dict = MAPPING, name: str = "films") -> tuple[Path, Path]:
    source, mapping_file = tmp_path / f"{name}.csv", tmp_path / f"{name}.json"
    source.write_text(HEADER + body)
    mapping_file.write_text(json.dumps(mapping))
    return source, mapping_file


def test_f6_an_oversized_field_costs_only_its_own_row(tmp_path, embedder):
    huge = "x" * (csv.field_size_limit() + 1)
    summary, kept, _ = _csv_ingest(tmp_path, embedder, f"{GOOD}2,Huge,1991,90,{huge}\n3,Gamma,1992,95,c\n")
    assert kept == ["1", "3"]
    assert [str(r) for r in summary.rejected] == ["line 3: a field is longer than 131072 characters"]


def test_f6_an_unterminated_quote_does_not_swallow_the_next_rows(tmp_path, embedder):
    body = f'{GOOD}2,"Open quote,1991,90,b\n3,Gamma,1992,95,c\n4,Delta,1993,80,"a plot\nover two lines"\n'
    summary, kept, _ = _csv_ingest(tmp_path, embedder, body)
    assert kept == ["1", "3", "4"]
    assert [r.where for r in summary.rejected] == ["line 3"]
    assert summary.rejected[0].reason.startswith("unterminated quote (the row ran on to line")


def test_f6_rows_with_too_few_or_too_many_fields_are_reported(tmp_path, embedder):
    summary, kept, _ = _csv_ingest(tmp_path, embedder, f"{GOOD}2,Short,1991\n3,Long,1992,90,c,extra\n")
    assert kept == ["1"]
    assert [str(r) for r in summary.rejected] == [
        "line 3: 3 fields where the header has 5",
        "line 4: 6 fields where the header has 5",
    ]


def test_f6_out_of_range_numbers_are_reported(tmp_path, embedder):
    body = f"{GOOD}2,Far Future,1e30,90,b\n3,Negative,1995,-5,c\n4,Custom,1996,90,d\n"
    bounded = {
        **MAPPING,
        "fields": {**MAPPING["fields"], "runtime": {"column": "runtime", "type": "int", "max": 60}},
    }
    summary, kept, _ = _csv_ingest(tmp_path, embedder, body)
    assert kept == ["1", "4"]
    assert [str(r) for r in summary.rejected] == [
        "line 3: field 'year' is out of range, above 2100: '1e30'",
        "line 4: field 'runtime' is out of range, below 1: '-5'",
    ]
    (tmp_path / "strict").mkdir()
    strict, _, _ = _csv_ingest(tmp_path / "strict", embedder, body, bounded)  # a mapping's own bounds
    assert "line 5: field 'runtime' is out of range, above 60: '90'" in [str(r) for r in strict.rejected]


def test_f6_the_cli_prints_the_count_the_first_skipped_rows_and_progress(tmp_path):
    body = GOOD + "".join(f"{n},Bad {n},{n},90,x\n" for n in range(2, 15))  # 13 years out of range
    source, mapping = _files(tmp_path, body)
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping), env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "skipped 13 rows:" in lines
    start = lines.index("skipped 13 rows:")
    assert lines[start + 1] == "  line 3: field 'year' is out of range, below 1800: '2'"
    assert lines[start + 11] == "  ... and 3 more"
    assert "embedded 1/1 items (100%)" in lines  # stderr is a pipe here: plain progress lines
    assert done.stdout.splitlines()[-1].startswith("added 1 / updated 0 / unchanged 0 / skipped 13")


def test_progress_lines_when_output_is_not_a_terminal(tmp_path, embedder):
    body = "".join(f"{n},Film {n},1990,90,plot {n}\n" for n in range(1, 26))
    _, kept, log = _csv_ingest(tmp_path, embedder, body, batch_size=5, terminal=False)
    assert len(kept) == 25
    assert log == [f"embedded {n}/25 items ({n * 4}%)" for n in (5, 10, 15, 20, 25)]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"CHATREC_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(
    ("key", "column", "message"),
    [
        ("id", "film_id", "the mapping's column 'film_id' (id) is not in films.csv"),
        ("year", "relased", "the mapping's column 'relased' (fields.year) is not in films.csv"),
    ],
)
def test_f7_a_mapping_naming_a_missing_column_is_one_line_and_exit_1(tmp_path, key, column, message):
    mapping = json.loads(json.dumps(MAPPING))
    if key == "id":
        mapping["id"] = column
    else:
        mapping["fields"][key]["column"] = column
    source, mapping_file = _files(tmp_path, GOOD, mapping)
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping_file), env=_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {message} (its columns: id, title, year, runtime, plot)",
    ]
    assert "ingesting" not in done.stdout  # refused before any model loads or any row is read


def test_f7_a_jsonl_source_without_the_id_column_is_refused_before_the_store_changes(tmp_path, embedder):
    rows = [{"film": n, "title": "Alpha", "year": 1990, "runtime": 90, "plot": "a"} for n in (1, 2)]
    fields = FieldMapping.model_validate(MAPPING)
    store = Store(make_settings(tmp_path / "data"))
    run_ingest(
        [{"id": "9", "title": "Kept", "year": 1990, "runtime": 90, "plot": "a"}], fields, store, embedder
    )
    with pytest.raises(
        ConfigError, match=r"^the mapping's column 'id' \(id\) is not in any row of the source"
    ):
        run_ingest(
            read_rows(write_jsonl(tmp_path / "films.jsonl", rows), fields),
            fields,
            store,
            embedder,
            prune=True,
        )
    assert store.count() == 1


def test_f7_a_field_that_no_row_fills_is_a_warning(tmp_path, embedder):
    summary, kept, log = _csv_ingest(tmp_path, embedder, "1,Alpha,1990,,a\n2,Beta,1991,,b\n")
    assert kept == ["1", "2"]
    assert summary.warnings == ["field 'runtime' (column 'runtime') is empty in every row"]
    assert log[0] == "warning: field 'runtime' (column 'runtime') is empty in every row"


def test_f7_sqlite_keys_in_a_csv_mapping_are_refused(tmp_path):
    source, _ = _files(tmp_path, GOOD)
    with pytest.raises(ConfigError, match="'table' and 'query' select rows of SQLite sources"):
        read_rows(source, FieldMapping.model_validate({**MAPPING, "table": "films"}))


def test_f7_a_custom_catalog_gets_its_own_collection(tmp_path):
    films, films_mapping = _files(tmp_path, GOOD + "2,Beta,1991,90,b\n")
    books, books_mapping = _files(tmp_path, GOOD.replace("Alpha", "Primer"), name="books")
    first = run_module("chatrec", "ingest", str(films), "--mapping", str(films_mapping), env=_env(tmp_path))
    second = run_module("chatrec", "ingest", str(books), "--mapping", str(books_mapping), env=_env(tmp_path))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "into 'films'" in first.stdout and "CHATREC_COLLECTION=films" in first.stdout
    assert "gone from the source" not in second.stdout  # the second catalog does not see the first
    count = {
        name: Store(make_settings(tmp_path / "data", collection=name)).count()
        for name in ("movies", "films", "books")
    }
    assert count == {"movies": 0, "films": 2, "books": 1}


def test_f7_prune_never_removes_another_catalogs_items(tmp_path, embedder):
    """A store made before catalogs were recorded, in the default collection, holds the default
    catalog: a custom catalog can neither mix into it nor prune it."""
    default = Store(make_settings(tmp_path / "data"))
    rows = [{"id": str(n), "title": f"Film {n}", "year": 1990, "runtime": 90, "plot": "x"} for n in range(3)]
    run_ingest(rows, FieldMapping.model_validate(MAPPING), default, embedder)
    source, mapping = _files(tmp_path, GOOD)
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(
        ConfigError, match=r"collection 'movies' .* holds the catalog 'bokeh-sampledata movies', not 'films'"
    ):
        ingest(settings, source, mapping, prune=True, collection="movies")
    assert default.count() == 3
    ingest(settings, source, mapping, prune=True)  # into its own collection 'films'
    assert default.count() == 3
    other, other_mapping = _files(tmp_path, GOOD, name="other")
    with pytest.raises(ConfigError, match="holds the catalog 'films', not 'other'"):
        ingest(settings, other, other_mapping, prune=True, collection="films")
    assert Store(make_settings(tmp_path / "data", collection="films")).count() == 1
