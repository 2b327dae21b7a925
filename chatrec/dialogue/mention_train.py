"""Learn the title spotter's statistics and filter from ReDial train dialogues (never dev).

Every ReDial mention is an ``@id`` with its name in ``movieMentions``: rendering a message as a
user types it (the name without its year; also all lower case) gives labelled title spans for
free. From them we count, per normalised title string, how often it was a film and how often the
same words were plain text, and how often people named each film; then a logistic filter over the
spotter's candidate features is fitted. Counts for the filter's training rows come from the other
half of the dialogues (cross-fitting), so a row never sees its own label through the counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chatrec.catalog.titles import split_year
from chatrec.dialogue.mentions import FEATURES, MAX_TOKENS, TitleSpotter
from chatrec.dialogue.tokens import ReaderStats, title_keys, tokenize
from chatrec.ingest.links import MentionLinker
from chatrec.ingest.redial import read_dialogues

MENTION = re.compile(r"@(\d+)")
RENDERINGS = ("canonical", "plain", "lower")
PRECISION = 0.9  # the message-level title precision (the goal) the threshold is chosen for, on train


@dataclass
class Rendered:
    text: str
    spans: list[tuple[int, int, str | None]]  # character span, catalog id (None: not in catalog)
    names: list[str]


def render(text: str, names: Mapping[str, str], link: Any, how: str) -> Rendered:
    """A message with each ``@id`` replaced by the film's name: ``canonical`` as ReDial writes it
    (``Title (Year)``), ``plain`` without the year, ``lower`` without the year and all lower case."""
    out: list[str] = []
    spans: list[tuple[int, int, str | None]] = []
    used: list[str] = []
    position = 0
    length = 0
    for match in MENTION.finditer(text):
        out.append(text[position : match.start()])
        length += match.start() - position
        movie_id = match.group(1)
        name = " ".join((names.get(movie_id) or "").split())
        shown = name if how == "canonical" else split_year(name)[0]
        if not shown:
            shown = "a movie"
        out.append(shown)
        spans.append((length, length + len(shown), link(movie_id, name) if name else None))
        used.append(name)
        length += len(shown)
        position = match.end()
    out.append(text[position:])
    rendered = "".join(out)
    return Rendered(rendered.casefold() if how == "lower" else rendered, spans, used)


def seeker_messages(dialogue: dict[str, Any]) -> Iterable[dict[str, Any]]:
    seeker = dialogue.get("initiatorWorkerId")
    return (m for m in dialogue.get("messages", []) if m.get("senderWorkerId") == seeker)


def count_stats(
    dialogues: list[dict[str, Any]], linker: MentionLinker, catalog_keys: set[str]
) -> dict[str, Any]:
    """Mention / plain-text counts per title string, word counts, film counts and aliases."""
    mentions: Counter[str] = Counter()
    plain: Counter[str] = Counter()
    words: Counter[str] = Counter()
    items: Counter[str] = Counter()
    alias_votes: dict[str, Counter[str]] = {}
    texts = []
    for dialogue in dialogues:
        names = dialogue.get("movieMentions") or {}
        for message in dialogue.get("messages", []):
            text = message.get("text", "")
            for movie_id in MENTION.findall(text):
                name = " ".join((names.get(movie_id) or "").split())
                if not name:
                    continue
                title = split_year(name)[0]
                keys = title_keys(title)
                mentions.update(keys)
                item_id = linker.link(movie_id, name)
                if item_id:
                    items[item_id] += 1
                    for key in keys:
                        alias_votes.setdefault(key, Counter())[item_id] += 1
            texts.append(MENTION.sub(" | ", text))
    known = catalog_keys | set(mentions)
    longest = min(MAX_TOKENS, max(len(k.split()) for k in known))
    for text in texts:
        for chunk in text.split("|"):
            tokens = [t.text for t in tokenize(chunk)]
            words.update(tokens)
            for first in range(len(tokens)):
                for size in range(1, min(longest, len(tokens) - first) + 1):
                    key = " ".join(tokens[first : first + size])
                    if key in known:
                        plain[key] += 1
    aliases = {k: votes.most_common(1)[0][0] for k, votes in alias_votes.items()}
    return {
        "mention_counts": dict(mentions),
        "text_counts": dict(plain),
        "word_counts": {w: c for w, c in words.items() if c >= 2},
        "item_counts": dict(items),
        "aliases": aliases,
    }


@dataclass
class Rows:
    """Candidate feature rows with labels, and what message-level linking needs to be replayed:
    each row's message, token span and chosen item, and each message's gold catalog ids."""

    x: np.ndarray
    y: np.ndarray
    where: list[tuple[int, int, int, str]]  # message index, first token, token count, item id
    gold: list[set[str]]


def candidate_rows(
    spotter: TitleSpotter, dialogues: list[dict[str, Any]], linker: MentionLinker, renderings: Iterable[str]
) -> Rows:
    """Feature rows of every candidate span in every message, labelled 1 when the span is a
    film mention whose film the matched title can mean."""
    rows, labels, where, golds = [], [], [], []
    for dialogue in dialogues:
        names = dialogue.get("movieMentions") or {}
        for message in dialogue.get("messages", []):
            for how in renderings:
                rendered = render(message.get("text", ""), names, linker.link, how)
                tokens = tokenize(rendered.text)
                golds.append({i for _, _, i in rendered.spans if i})
                for cand in spotter.candidates(tokens, fuzzy=False):
                    start = tokens[cand.first].start
                    end = tokens[cand.first + cand.size - 1].end
                    gold = {i for s, e, i in rendered.spans if s < end and start < e and i}
                    label = bool(gold.intersection(spotter.keys[cand.key]))
                    item_id = spotter.choose(tokens, cand)
                    rows.append(spotter.features(tokens, cand, rendered.text, item_id))
                    labels.append(float(label))
                    where.append((len(golds) - 1, cand.first, cand.size, item_id))
    return Rows(np.array(rows).reshape(-1, FEATURES), np.array(labels), where, golds)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, steps: int = 3000) -> np.ndarray:
    """Plain logistic regression by Adam on the mean log loss (few features, many rows)."""
    w = np.zeros(x.shape[1])
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def link_scores(p: np.ndarray, rows: Rows, threshold: float) -> tuple[float, float]:
    """Message-level title precision and recall at ``threshold``, replaying the spotter's
    choice among overlapping candidates (longer spans first, then the likelier)."""
    accepted: dict[int, list[tuple[int, float, int, int, str]]] = {}
    for prob, (message, first, size, item_id) in zip(p, rows.where, strict=True):
        if prob >= threshold:
            accepted.setdefault(message, []).append((-size, -prob, first, size, item_id))
    tp = fp = 0
    for message, cands in accepted.items():
        taken: set[int] = set()
        linked = set()
        for _, _, first, size, item_id in sorted(cands):
            span = set(range(first, first + size))
            if not taken & span:
                taken |= span
                linked.add(item_id)
        tp += len(linked & rows.gold[message])
        fp += len(linked - rows.gold[message])
    gold = sum(len(g) for g in rows.gold)
    return tp / max(tp + fp, 1), tp / max(gold, 1)


def best_threshold(p: np.ndarray, rows: Rows, *, precision: float = PRECISION) -> tuple[float, dict]:
    """The lowest cut whose message-level title precision on the (out-of-fold) training messages
    reaches ``precision``: as much recall as that precision allows."""
    curve = {}
    for t in np.arange(0.2, 0.81, 0.02):
        curve[round(float(t), 2)] = link_scores(p, rows, float(t))
    cut = next((t for t, (prec, _) in curve.items() if prec >= precision), 0.8)
    return cut, {str(t): [round(a, 4), round(b, 4)] for t, (a, b) in curve.items()}


def _fold(dialogue: dict[str, Any]) -> int:
    return int(hashlib.sha256(str(dialogue.get("conversationId")).encode()).hexdigest(), 16) % 2


def train_reader(catalog: Mapping[str, Mapping[str, Any]], data: Path, out: Path) -> dict[str, Any]:
    """Fit the spotter's statistics and filter on ``data`` (ReDial train) and save them to ``out``."""
    dialogues = list(read_dialogues(data))
    linker = MentionLinker.for_data(catalog, data)
    catalog_keys = {k for m in catalog.values() for k in title_keys(str(m.get("title", "")))}
    halves = [[d for d in dialogues if _fold(d) == f] for f in (0, 1)]
    parts: list[Rows] = []
    for fold in (0, 1):
        counted = count_stats(halves[1 - fold], linker, catalog_keys)
        stats = ReaderStats(**counted, weights=[0.0] * FEATURES, threshold=0.5, scale=2.0)
        parts.append(candidate_rows(TitleSpotter(catalog, stats), halves[fold], linker, RENDERINGS))
    offset = len(parts[0].gold)
    rows = Rows(
        np.vstack([r.x for r in parts]),
        np.concatenate([r.y for r in parts]),
        parts[0].where + [(m + offset, f, s, i) for m, f, s, i in parts[1].where],
        parts[0].gold + parts[1].gold,
    )
    weights = fit_logistic(rows.x, rows.y)
    p = 1 / (1 + np.exp(-(rows.x @ weights)))
    threshold, curve = best_threshold(p, rows)
    stats = ReaderStats(
        **count_stats(dialogues, linker, catalog_keys), weights=weights.round(5).tolist(), threshold=threshold
    )
    stats.save(out)
    report = {
        "rows": len(rows.y),
        "positives": int(rows.y.sum()),
        "threshold": threshold,
        "out_of_fold_precision_recall_by_threshold": curve,
        "weights": stats.weights,
    }
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n")
    return report
