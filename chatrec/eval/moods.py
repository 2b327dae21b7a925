"""Mood requests judged blind: does each top-10 film fit "nothing too sad", "something tense"...?

``chatrec eval moods make --out DIR`` plays each conversation of ``mood_requests.jsonl`` (written by
someone who had read only the README: a liked film first, moods ruled out, plain mood requests)
through three systems and writes:

- ``DIR/sheet.jsonl``: one row per distinct (request, film), shuffled, with an opaque id, the
  person's messages, the judge's note of what fits, and the film's year, genres and quoted
  synopsis; nothing says which system listed it;
- ``DIR/key.json``: each system's top 10 per request, as sheet ids. The judge never opens it.

The judge writes ``DIR/marks.jsonl``: ``{"id": ..., "fits": true|false}`` per row. Then
``chatrec eval moods score --out DIR`` prints success@10 (a share of requests with a fitting film
in the top 10) and precision@10 (the share of listed films that fit; an empty slot counts as not
fitting) per system, in one table.

Systems: ``retrieval`` (content retrieval on the conversation's words), ``full`` (the agent as it
was before the mood index: moods read and kept, not steered on) and ``full+moods`` (the agent).
The agent runs without an LLM (cards and their written reasons only).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chatrec.catalog.moods import DIMENSIONS, MoodIndex
from chatrec.catalog.synopses import Synopses
from chatrec.config import Settings
from chatrec.eval.report import metrics_table

REQUESTS = Path(__file__).with_name("mood_requests.jsonl")
K = 10
SYSTEMS = ("retrieval", "full", "full+moods")


@dataclass(frozen=True)
class MoodRequest:
    id: str
    messages: list[str]
    judge_note: str


def load_requests(path: Path = REQUESTS) -> list[MoodRequest]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [MoodRequest(r["id"], list(r["messages"]), r["judge_note"]) for r in rows]


def rankings(settings: Settings, requests: list[MoodRequest]) -> dict[str, dict[str, list[str]]]:
    """Each system's top-K item ids per request id."""
    from chatrec.agent import ChatRec

    bot = ChatRec.from_settings(settings, llm=None)
    with_moods = bot.pipeline.moods
    out: dict[str, dict[str, list[str]]] = {name: {} for name in SYSTEMS}
    for request in requests:
        words = " ".join(request.messages)
        out["retrieval"][request.id] = [h.item.id for h in bot.retriever.search(words, n=K)]
        for name, index in (("full", MoodIndex(DIMENSIONS, {})), ("full+moods", with_moods)):
            bot.pipeline.moods = index
            session = bot.new_session()
            shown: list[str] = []
            for message in request.messages:
                reply = bot.chat(message, session)
                shown = [r.item_id for r in reply.recommendations] or shown
            out[name][request.id] = shown[:K]
    bot.pipeline.moods = with_moods
    return out


def make_sheet(settings: Settings, out: Path, requests: list[MoodRequest], seed: int = 0) -> int:
    """Write the shuffled sheet and its key; returns the number of rows to judge."""
    from chatrec.store.chroma import Store

    with tempfile.TemporaryDirectory() as scratch:  # the conversations' sessions are thrown away
        played = settings.model_copy(update={"k": K, "sessions_path": Path(scratch) / "sessions.db"})
        ranked = rankings(played, requests)
    metadata = Store(settings).metadata()
    synopses = Synopses.load()
    by_id = {r.id: r for r in requests}
    pairs = sorted(
        {(rid, item) for lists in ranked.values() for rid, items in lists.items() for item in items}
    )
    random.Random(seed).shuffle(pairs)
    ids = {pair: f"j{n:04d}" for n, pair in enumerate(pairs, 1)}
    out.mkdir(parents=True, exist_ok=True)
    with (out / "sheet.jsonl").open("w", encoding="utf-8") as fh:
        for (rid, item), row_id in ids.items():
            meta = metadata.get(item, {})
            row = {
                "id": row_id,
                "messages": by_id[rid].messages,
                "fits_if": by_id[rid].judge_note,
                "film": f"{meta.get('title')} ({meta.get('year')})",
                "genres": meta.get("genres", []),
                "plot": synopses.get(item) or "(no plot known)",
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    key = {
        name: {rid: [ids[(rid, i)] for i in items] for rid, items in lists.items()}
        for name, lists in ranked.items()
    }
    (out / "key.json").write_text(json.dumps(key, indent=1))
    return len(ids)


def score(out: Path) -> dict[str, dict[str, float]]:
    """success@K and precision@K per system, from the judge's marks."""
    key: dict[str, dict[str, list[str]]] = json.loads((out / "key.json").read_text())
    marks = [json.loads(line) for line in (out / "marks.jsonl").read_text().splitlines() if line.strip()]
    fits = {m["id"]: bool(m["fits"]) for m in marks}
    table = {}
    for name, lists in key.items():
        judged = [[fits[i] for i in ids if i in fits] for ids in lists.values()]
        table[name] = {
            "requests": float(len(judged)),
            f"success@{K}": statistics.fmean(any(j) for j in judged),
            f"precision@{K}": statistics.fmean(sum(j) / K for j in judged),
            "unjudged": float(sum(len(ids) - len([i for i in ids if i in fits]) for ids in lists.values())),
        }
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("step", choices=("make", "score"), help="make the sheet, or score the judge's marks")
    parser.add_argument("--out", type=Path, default=Path("eval-results/moods"), help="the sheet's directory")
    parser.add_argument("--requests", type=Path, default=REQUESTS, help="mood requests (JSON lines)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``chatrec eval moods make|score``."""
    if args.step == "make":
        rows = make_sheet(settings, args.out, load_requests(args.requests))
        print(f"wrote {args.out / 'sheet.jsonl'} ({rows} rows to judge) and key.json (not for the judge)")
        return 0
    table = [{"system": name, **figures} for name, figures in score(args.out).items()]
    columns = [
        (f"success@{K}", f"success@{K}"),
        (f"precision@{K}", f"precision@{K}"),
        ("requests", "requests"),
    ]
    print(metrics_table(table, ["system"], columns))
    return 0
