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

from chatrec.catalog.interactions import MentionLinker
from chatrec.catalog.titles import split_year
from chatrec.ingest.redial import read_dialogues
from chatrec.understanding.mentions import FEATURE_NAMES, FEATURES, MAX_TOKENS, TitleSpotter
from chatrec.understanding.tokens import Forest, ReaderStats, title_keys, tokenize

MENTION = re.compile(r"@(\d+)")
RENDERINGS = ("canonical", "plain", "lower")
TREES, LEAVES = 150, 15  # boosting rounds and leaves per tree (~0.2 MB of JSON)
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


def fit_forest(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Boosted trees over the candidate features (the filter needs interactions a linear model
    cannot draw: a one-word title nobody uses as a word is a film, one that is a word is not),
    exported as a :class:`Forest` spec. scikit-learn is needed here only, not at run time."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=TREES, max_leaf_nodes=LEAVES, learning_rate=0.1, early_stopping=False, random_state=0
    ).fit(x, y)
    feature: list[int] = []
    left: list[int] = []
    right: list[int] = []
    roots: list[int] = []
    threshold: list[float] = []
    value: list[float] = []
    depth = 0
    for (tree,) in model._predictors:  # one predictor per iteration for a binary target
        nodes, offset = tree.nodes, len(feature)
        roots.append(offset)
        for index, node in enumerate(nodes):
            leaf = bool(node["is_leaf"])
            depth = max(depth, int(node["depth"]))
            feature.append(0 if leaf else int(node["feature_idx"]))
            threshold.append(0.0 if leaf else float(node["num_threshold"]))
            left.append(offset + (index if leaf else int(node["left"])))
            right.append(offset + (index if leaf else int(node["right"])))
            value.append(round(float(node["value"]), 6) if leaf else 0.0)
    base = float(np.ravel(model._baseline_prediction)[0])
    spec = {"base": base, "depth": depth, "roots": roots, "feature": feature, "threshold": threshold}
    return spec | {"left": left, "right": right, "value": value}


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
    """Fit the spotter's statistics and filter on ``data`` (ReDial train) and save them to ``out``.

    The threshold is chosen on out-of-fold probabilities (trees fitted on one half's rows score
    the other half's), the shipped trees on all rows."""
    dialogues = list(read_dialogues(data))
    linker = MentionLinker.for_data(catalog, data)
    catalog_keys = {k for m in catalog.values() for k in title_keys(str(m.get("title", "")))}
    halves = [[d for d in dialogues if _fold(d) == f] for f in (0, 1)]
    parts: list[Rows] = []
    for fold in (0, 1):
        counted = count_stats(halves[1 - fold], linker, catalog_keys)
        stats = ReaderStats(**counted, forest={}, threshold=0.5, scale=2.0)
        parts.append(candidate_rows(TitleSpotter(catalog, stats), halves[fold], linker, RENDERINGS))
    offset = len(parts[0].gold)
    rows = Rows(
        np.vstack([r.x for r in parts]),
        np.concatenate([r.y for r in parts]),
        parts[0].where + [(m + offset, f, s, i) for m, f, s, i in parts[1].where],
        parts[0].gold + parts[1].gold,
    )
    out_of_fold = np.concatenate(
        [Forest(fit_forest(parts[1 - f].x, parts[1 - f].y)).probability(parts[f].x) for f in (0, 1)]
    )
    threshold, curve = best_threshold(out_of_fold, rows)
    forest = fit_forest(rows.x, rows.y)
    stats = ReaderStats(**count_stats(dialogues, linker, catalog_keys), forest=forest, threshold=threshold)
    stats.save(out)
    report = {
        "rows": len(rows.y),
        "positives": int(rows.y.sum()),
        "features": list(FEATURE_NAMES),
        "trees": len(forest["roots"]),
        "leaves": LEAVES,
        "threshold": threshold,
        "out_of_fold_precision_recall_by_threshold": curve,
    }
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n")
    return report
