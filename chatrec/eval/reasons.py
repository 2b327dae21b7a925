"""Reasons benchmark: are the reasons we show true, personal, varied and fast?

Cases are real turns of the chat agent. Each ReDial dev dialogue gives one: its first seeker
messages (names as people type them, without the year) are read into a state by the agent's own
reader, then the next seeker message is the turn, run through ``ChatRec.stream`` exactly as chat
runs it; each recommended item is a (state, item) case. A few hand-written scenarios (the issue's
bad outputs among them) join them. For every case we keep the LLM's sentence, what the claim
checker found in it, and the reason shown, and report:

- false claims per claim kind in the LLM's raw sentences, and in the shown text (must be 0);
- acceptance: the share of LLM sentences shown as written;
- personal: the share of shown reasons that name the user's taste, when the state holds one;
- template sharing: the share of shown reasons whose template another reason of the same reply has;
- latency: seconds to the first reason and to the end of the turn (medians and p90), wall clock
  and CPU (this process, all threads).

The dev file is only read here, never learned from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from chatrec.agent import ChatRec
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.events import Done, Reason
from chatrec.ingest.redial import read_dialogues
from chatrec.understanding.mention_train import render, seeker_messages
from chatrec.writing.claims import KINDS
from chatrec.writing.phrasing import template

PREFIX = 2  # seeker messages read into the state before the measured turn
SCENARIOS: list[list[str]] = [
    ["I'm not a fan of Jim Carrey", "Something funny please"],
    ["I like Michael Mann", "something with a lot of action"],
    ["I want a comedy"],
    ["I loved Heat. Something similar, but under two hours"],
    ["I loved Fight Club", "a comedy maybe"],
    ["a heist film from the 90s"],
    ["I like Tom Hanks movies"],
    ["Something scary from the 80s"],
    ["I loved The Insider and Collateral", "what else?"],
    ["A funny animated film for the whole family"],
    ["No horror please, something from the 80s"],
    ["I really liked Toy Story", "something for my kids"],
    ["I loved Pain & Gain", "more like that"],
    ["Something by Steven Spielberg"],
    ["A romantic movie under 100 minutes"],
    ["Any good war films?"],
]


@dataclass
class Case:
    turn: int
    item_id: str
    label: str
    draft: str | None
    problems: list[str]
    shown: str
    shown_claims: list[str]
    taste: bool  # the state holds a taste
    ties: bool  # the shown reason names it
    template: str
    accepted: bool


@dataclass
class Turn:
    messages: list[str]
    first_reason: float | None
    whole: float
    # CPU seconds of this process (all threads): on a machine shared with other jobs, wall time
    # measures the neighbours; CPU time / threads is what the turn costs on 2 free cores.
    first_reason_cpu: float | None = None
    whole_cpu: float = 0.0
    cases: list[Case] = field(default_factory=list)


def dialogue_turns(data: Path, limit: int) -> list[list[str]]:
    """The first ``PREFIX + 1`` seeker messages of each dev dialogue, names without years."""
    turns = []
    for dialogue in read_dialogues(data):
        names = dialogue.get("movieMentions") or {}
        names = names if isinstance(names, dict) else {}
        texts = [
            render(m.get("text", ""), names, lambda *_: None, "plain").text for m in seeker_messages(dialogue)
        ]
        texts = [t for t in texts if len(t.split()) >= 3][: PREFIX + 1]
        if len(texts) == PREFIX + 1:
            turns.append(texts)
        if len(turns) >= limit:
            break
    return turns


def run_turn(bot: ChatRec, messages: list[str]) -> Turn:
    """One measured turn, in a new session, after the reader has read the earlier messages into
    its state."""
    token = bot.new_session()
    state = DialogueState()
    for text in messages[:-1]:
        bot.understander.read(text, state)
    bot.sessions.save_state(bot.sessions.open(token), state)
    start, cpu = time.perf_counter(), time.process_time()
    first: float | None = None
    first_cpu: float | None = None
    reasons: list[Reason] = []
    reply = None
    for event in bot.stream(messages[-1], token):
        if isinstance(event, Reason):
            if first is None:
                first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
            reasons.append(event)
        elif isinstance(event, Done):
            reply = event.reply
    turn = Turn(messages, first, time.perf_counter() - start, first_cpu, time.process_time() - cpu)
    if reply is None:
        return turn
    for reason in reasons:
        item = bot.catalog.item(reason.item_id)
        ev = bot.evidencer.evidence(item, reply.state)
        claims = bot.responder.check.claims.claims(reason.text, ev)
        turn.cases.append(
            Case(
                turn=0,
                item_id=item.id,
                label=item.label,
                draft=reason.draft,
                problems=list(reason.problems),
                shown=reason.text,
                shown_claims=[f"{c.kind}: {c.text}" for c in claims],
                taste=bool(ev.likes),
                ties=bot.responder.check.claims.ties(reason.text, ev),
                template=template(reason.text, ev),
                accepted=reason.draft is not None and reason.text == reason.draft,
            )
        )
    return turn


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 3) if ordered else 0.0


def summarise(turns: list[Turn], model: str) -> dict[str, Any]:
    cases = [c for t in turns for c in t.cases]
    drafts = [c for c in cases if c.draft is not None]
    raw = Counter(k for c in drafts for k in {p.split(":")[0] for p in c.problems})  # drafts, not claims
    raw_any = sum(1 for c in drafts if any(p.split(":")[0] in KINDS for p in c.problems))
    shown = Counter(k.split(":")[0] for c in cases for k in c.shown_claims)
    shared = 0
    for t in turns:
        counts = Counter(c.template for c in t.cases)
        shared += sum(1 for c in t.cases if counts[c.template] > 1)
    firsts = [t.first_reason for t in turns if t.first_reason is not None]
    wholes = [t.whole for t in turns if t.cases]
    tasted = [c for c in cases if c.taste]
    return {
        "model": model,
        "turns": len(turns),
        "cases": len(cases),
        "llm_sentences": len(drafts),
        "acceptance": _share(sum(c.accepted for c in drafts), len(drafts)),
        "raw_false_claim_rate": _share(raw_any, len(drafts)),
        "raw_false_claims_by_kind": {k: _share(raw[k], len(drafts)) for k in KINDS},
        "refused_for_form": _share(raw["form"], len(drafts)),
        "refused_as_impersonal": _share(raw["personal"], len(drafts)),
        "shown_false_claims": sum(shown.values()),
        "shown_false_claims_by_kind": {k: shown[k] for k in KINDS if shown[k]},
        "personal_share": _share(sum(c.ties for c in tasted), len(tasted)),
        "cases_with_taste": len(tasted),
        "template_shared_share": _share(shared, len(cases)),
        "first_reason_s_median": round(statistics.median(firsts), 3) if firsts else None,
        "first_reason_s_p90": _p90(firsts),
        "turn_s_median": round(statistics.median(wholes), 3) if wholes else None,
        "turn_s_p90": _p90(wholes),
        "first_reason_cpu_s_median": _median([t.first_reason_cpu for t in turns if t.first_reason_cpu]),
        "turn_cpu_s_median": _median([t.whole_cpu for t in turns if t.cases]),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def run_benchmark(
    settings: Settings, data: Path, dialogues: int, out: Path | None = None
) -> tuple[dict[str, Any], list[Turn]]:
    """Every turn, in order; with ``out``, the report so far is rewritten after each turn, so that
    a run cut short (a slow model on a busy machine) still leaves its cases."""
    bot = ChatRec.from_settings(settings)
    turns = [*SCENARIOS, *dialogue_turns(data, dialogues)]
    bot.warm_up()  # loads the models: what the app does before its first visitor
    done = []
    for n, messages in enumerate(
        tqdm(turns, desc=settings.llm_model or "reasons", unit="turns", disable=None)
    ):
        turn = run_turn(bot, messages)
        for case in turn.cases:
            case.turn = n
        done.append(turn)
        if out is not None:
            write_report(out, summarise(done, settings.llm_model or "default"), done)
    return summarise(done, settings.llm_model or "default"), done


def write_report(out: Path, summary: dict[str, Any], turns: list[Turn]) -> None:
    out.write_text(json.dumps({"summary": summary, "turns": [asdict(t) for t in turns]}, indent=1))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="ReDial dev.jsonl (validation only)")
    parser.add_argument("--dialogues", type=int, default=100, help="dev dialogues (one turn each)")
    parser.add_argument("--model", action="append", help="local model name(s); default: the configured one")
    parser.add_argument("--out", type=Path, default=Path("eval-reasons"), help="output directory")


def run(args: argparse.Namespace, settings: Settings) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for model in args.model or [settings.llm_model]:
        chosen = settings.model_copy(update={"llm_model": model})
        name = (model or "default").replace("/", "_")
        summary, _ = run_benchmark(chosen, args.data, args.dialogues, args.out / f"{name}.json")
        print(json.dumps(summary, indent=1))
    return 0
