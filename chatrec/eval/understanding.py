"""How well the agent reads what people say: title linking and mention polarity on ReDial.

Samples are the seeker's messages that mention at least one film, rendered two ways: as ReDial
writes the names (``canonical``: ``Title (Year)``) and as people often type them (``lower``: no
year, all lower case). Gold is the set of catalog ids the message's ``@ids`` link to (IMDb ids,
else title + year). Every system reads each message on its own, into an empty state.

- precision: linked ids that are among the message's gold ids, over all ids the system linked;
- recall: gold ids the system linked, over gold mentions whose film is in the catalog;
- polarity: on gold mentions the seeker labelled liked (1) or not liked (0) afterwards and the
  system linked, the share it read right. ``polarity_accuracy`` asks "disliked or not" (what
  decides whether a film steers away); ``strict_accuracy`` needs the word "liked" for a 1 (a
  mention read as seen or asked about is wrong). The majority answer's share on the same mentions
  stands beside them: about 96 % of these labels are "liked", so the disliked class's precision
  and recall are the figures that show whether negatives are read at all.

The ``initiatorQuestions`` labels are only compared with, never read by a system.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatrec.catalog.interactions import MentionLinker
from chatrec.eval.report import metrics_table
from chatrec.ingest.redial import read_dialogues
from chatrec.understanding.mention_train import MENTION, render, seeker_messages

RENDERINGS = ("canonical", "lower")
Reader = Callable[[str], dict[str, str]]  # message -> catalog id -> liked | disliked | seen | mentioned


@dataclass
class Sample:
    texts: dict[str, str]  # rendering -> message text
    gold: dict[str, int | None]  # catalog id -> liked label (0, 1, or None when not said)
    missing: int  # mentions whose film is not in the catalog


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    gold: int = 0
    polarity_right: int = 0
    polarity_total: int = 0
    majority_right: int = 0
    strict_right: int = 0
    disliked_found: int = 0
    disliked_predicted: int = 0
    disliked_right: int = 0
    seconds: list[float] = field(default_factory=list)
    false_positives: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)


def build_samples(data: Path, catalog: Mapping[str, Mapping[str, Any]]) -> tuple[list[Sample], dict]:
    """The seeker messages of ``data`` with at least one mention, and how many link."""
    linker = MentionLinker.for_data(catalog, data)
    samples: list[Sample] = []
    counts: Counter[str] = Counter()
    for dialogue in read_dialogues(data):
        names = dialogue.get("movieMentions") or {}
        questions = dialogue.get("initiatorQuestions") or {}
        questions = questions if isinstance(questions, dict) else {}
        for message in seeker_messages(dialogue):
            text = message.get("text", "")
            ids = list(dict.fromkeys(MENTION.findall(text)))
            if not ids:
                continue
            gold: dict[str, int | None] = {}
            missing = 0
            for movie_id in ids:
                item_id = linker.link(movie_id, " ".join((names.get(movie_id) or "").split()))
                if item_id is None:
                    missing += 1
                    continue
                liked = (questions.get(movie_id) or {}).get("liked")
                gold[item_id] = liked if liked in (0, 1) else None
            counts["mentions"] += len(ids)
            counts["linked"] += len(gold)
            texts = {how: render(text, names, linker.link, how).text for how in RENDERINGS}
            samples.append(Sample(texts, gold, missing))
    counts["messages"] = len(samples)
    return samples, dict(counts)


def score(reader: Reader, samples: list[Sample], how: str, catalog: Mapping[str, Mapping[str, Any]]) -> Tally:
    tally = Tally()
    for sample in samples:
        start = time.perf_counter()
        read = reader(sample.texts[how])
        tally.seconds.append(time.perf_counter() - start)
        tally.gold += len(sample.gold)
        for item_id in read:
            if item_id in sample.gold:
                tally.tp += 1
            else:
                tally.fp += 1
                tally.false_positives[str(catalog.get(item_id, {}).get("title", item_id))] += 1
        for item_id, label in sample.gold.items():
            if item_id not in read:
                tally.misses[str(catalog.get(item_id, {}).get("title", item_id))] += 1
                continue
            if label is None:
                continue
            said = read[item_id]
            tally.polarity_total += 1
            tally.polarity_right += (said != "disliked") if label == 1 else (said == "disliked")
            tally.strict_right += (said == "liked") if label == 1 else (said == "disliked")
            tally.majority_right += label == 1
            tally.disliked_found += label == 0
            tally.disliked_predicted += said == "disliked"
            tally.disliked_right += label == 0 and said == "disliked"
    return tally


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def row(system: str, how: str, tally: Tally) -> dict[str, Any]:
    ms = [1000 * s for s in tally.seconds]
    return {
        "system": system,
        "rendering": how,
        "precision": _ratio(tally.tp, tally.tp + tally.fp),
        "recall": _ratio(tally.tp, tally.gold),
        "linked": tally.tp + tally.fp,
        "gold": tally.gold,
        "polarity_accuracy": _ratio(tally.polarity_right, tally.polarity_total),
        "strict_accuracy": _ratio(tally.strict_right, tally.polarity_total),
        "majority_accuracy": _ratio(tally.majority_right, tally.polarity_total),
        "polarity_mentions": tally.polarity_total,
        "disliked_precision": _ratio(tally.disliked_right, tally.disliked_predicted),
        "disliked_recall": _ratio(tally.disliked_right, tally.disliked_found),
        "disliked_mentions": tally.disliked_found,
        "ms_p50": round(statistics.median(ms), 2) if ms else 0.0,
        "ms_p95": round(float(np.percentile(ms, 95)), 2) if ms else 0.0,
    }


COLUMNS = (
    ("precision", "title precision"),
    ("recall", "title recall"),
    ("polarity_accuracy", "liked/disliked acc."),
    ("strict_accuracy", "strict acc."),
    ("majority_accuracy", "always-liked acc."),
    ("disliked_precision", "disliked P"),
    ("disliked_recall", "disliked R"),
    ("ms_p50", "ms p50"),
    ("ms_p95", "ms p95"),
)


def markdown(rows: list[dict[str, Any]]) -> str:
    return metrics_table(rows, ["system", "rendering"], COLUMNS)


def agent_reader(catalog: Mapping[str, Mapping[str, Any]], *, trained: bool) -> Reader:
    """The agent's own Understander reading one message into an empty state."""
    from chatrec.catalog import Catalog
    from chatrec.catalog.titles import TitleIndex
    from chatrec.catalog.vocabulary import Vocabulary
    from chatrec.dialogue.state import DialogueState
    from chatrec.eval.rules import CueRules
    from chatrec.understanding.understand import Understander

    items = Catalog({k: dict(v) for k, v in catalog.items()})
    kind = Understander if trained else CueRules
    understander = kind(TitleIndex.from_metadata(items), Vocabulary.from_metadata(items), items)

    def read(text: str) -> dict[str, str]:
        state = DialogueState()
        understander.read(text, state)
        said = {i: "mentioned" for i in state.mentioned_ids}
        return said | {i: "liked" for i in state.liked_ids} | {i: "disliked" for i in state.disliked_ids}

    return read


def evaluate_understanding(
    data: Path, catalog: Mapping[str, Mapping[str, Any]], readers: Mapping[str, Reader], out: Path
) -> tuple[list[dict[str, Any]], str]:
    """Score every reader on both renderings; write metrics.json, metrics.md and errors.md."""
    samples, counts = build_samples(data, catalog)
    header = (
        f"ReDial {data.name}: {counts['messages']} seeker messages with a film mention; "
        f"{counts['linked']} of {counts['mentions']} mentions link to the catalog (recall is over these)."
    )
    rows, errors = [], [f"# Errors of the understanding eval\n\n{header}\n"]
    for name, reader in readers.items():
        for how in RENDERINGS:
            tally = score(reader, samples, how, catalog)
            rows.append(row(name, how, tally))
            errors.append(
                f"\n## {name}, {how}\n\nmost frequent false links: "
                + ", ".join(f"{t} ({n})" for t, n in tally.false_positives.most_common(25))
                + "\n\nmost frequent misses: "
                + ", ".join(f"{t} ({n})" for t, n in tally.misses.most_common(25))
                + "\n"
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps({"header": header, "rows": rows}, indent=1) + "\n")
    (out / "metrics.md").write_text(f"{header}\n\n{markdown(rows)}")
    (out / "errors.md").write_text("".join(errors))
    return rows, header


def run_cli(data: Path, out: Path, catalog: Mapping[str, Mapping[str, Any]]) -> int:
    """``chatrec eval understanding``: today's rules and the trained reader, same samples."""
    readers = {
        "rules": agent_reader(catalog, trained=False),
        "reader": agent_reader(catalog, trained=True),
    }
    rows, header = evaluate_understanding(data, catalog, readers, out)
    print(header)
    print(markdown(rows))
    print(f"wrote {out / 'metrics.json'}, metrics.md and errors.md")
    return 0
