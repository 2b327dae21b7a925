"""A blind read of reasons: two or more systems' reasons for the same dev turns, shuffled into one
sheet that a reader marks without knowing which system wrote which (issue 31).

``chatrec eval blind make --report new=A.json --report main=B.json --out DIR`` takes the reports
of ``chatrec eval reasons`` (the same dev dialogues, run once per system) and writes:

- ``DIR/sheet.jsonl``: one row per reason (an opaque id, the person's messages, the film, the
  facts the catalog holds about it and its plot synopsis, and the reason), shuffled;
- ``DIR/key.json``: which system wrote each row. The reader never opens it.

The reader writes ``DIR/marks.jsonl``: ``{"id": ..., "natural": bool, "specific": bool,
"personal": bool, "false": bool}`` per row, where natural = reads like a person wrote it,
specific = says something true about this film beyond genre, year and score, personal = ties to
what this person said or liked, false = states anything the facts or the plot do not support.
``chatrec eval blind score --out DIR`` then prints the shares per system in one table. Only dev
turns (not the hand-written scenarios) are on the sheet, and only turns every system answered.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from chatrec.catalog.synopses import Synopses
from chatrec.config import Settings
from chatrec.eval.reasons import SCENARIOS
from chatrec.eval.report import metrics_table
from chatrec.store.chroma import Store

MARKS = ("natural", "specific", "personal", "false")
FACT_FIELDS = ("year", "genres", "directors", "writers", "cast", "runtime", "critic_meter", "awards")


def _cases(path: Path) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """A report's dev turns by their messages, each with its shown reasons."""
    turns = json.loads(path.read_text())["turns"]
    return {tuple(t["messages"]): t["cases"] for t in turns[len(SCENARIOS) :] if t["cases"]}


def make_sheet(reports: dict[str, Path], out: Path, metadata: dict[str, dict], seed: int = 0) -> int:
    """Write the shuffled sheet and its key; returns the number of rows."""
    by_system = {name: _cases(path) for name, path in reports.items()}
    common = set.intersection(*(set(cases) for cases in by_system.values()))
    synopses = Synopses.load()
    rows, key = [], {}
    for messages in sorted(common):
        for system, cases in by_system.items():
            for case in cases[messages]:
                meta = metadata.get(case["item_id"], {})
                facts = {f: meta.get(f) for f in FACT_FIELDS}  # whole casts: a reason may name any lead
                rows.append(
                    {
                        "messages": list(messages),
                        "film": case["label"],
                        "facts": {k: v for k, v in facts.items() if v not in (None, [], "")},
                        "plot": synopses.get(case["item_id"]) or "(no plot known)",
                        "reason": case["shown"],
                        "_system": system,
                    }
                )
    random.Random(seed).shuffle(rows)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "sheet.jsonl").open("w") as fh:
        for n, row in enumerate(rows, 1):
            key[f"r{n:04d}"] = row.pop("_system")
            fh.write(json.dumps({"id": f"r{n:04d}", **row}, ensure_ascii=False) + "\n")
    (out / "key.json").write_text(json.dumps(key, indent=1))
    return len(rows)


def score(out: Path) -> dict[str, dict[str, float]]:
    """Shares of each mark per system (``false`` as a count too), from the reader's marks."""
    key = json.loads((out / "key.json").read_text())
    marks = [json.loads(line) for line in (out / "marks.jsonl").read_text().splitlines() if line.strip()]
    by_system: dict[str, list[dict]] = defaultdict(list)
    for mark in marks:
        if mark.get("id") in key:
            by_system[key[mark["id"]]].append(mark)
    table: dict[str, dict[str, float]] = {}
    for system, rows in sorted(by_system.items()):
        table[system] = {m: round(sum(bool(r.get(m)) for r in rows) / len(rows), 3) for m in MARKS}
        table[system] |= {"false_count": sum(bool(r.get("false")) for r in rows), "reasons": len(rows)}
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["make", "score"])
    parser.add_argument("--report", action="append", default=[], help="NAME=PATH of a reasons report (make)")
    parser.add_argument("--out", type=Path, default=Path("eval-blind"), help="the sheet's directory")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "make":
        reports = dict(r.split("=", 1) for r in args.report)
        if len(reports) < 2:
            raise SystemExit("blind make needs two or more --report NAME=PATH")
        rows = make_sheet(
            {n: Path(p) for n, p in reports.items()}, args.out, Store(settings).metadata(), args.seed
        )
        print(f"wrote {rows} shuffled reasons to {args.out / 'sheet.jsonl'} (key: {args.out / 'key.json'})")
        return 0
    table = [{"system": name, **shares} for name, shares in score(args.out).items()]
    print(metrics_table(table, ["system"], [(m, m) for m in (*MARKS, "false_count", "reasons")]))
    return 0
