"""The pieces title spotting works on: tokens with offsets, title keys, mentions, candidates, and
the statistics learned from ReDial's train dialogues (``models/chatrec-reader``)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from chatrec.catalog.titles import normalise_title
from chatrec.config import packaged_model

ARTICLES = frozenset({"the", "a", "an"})
FUZZY_CUTOFF = 88.0
# Typos are compared with at most this many title keys, those of the most-reviewed films (by
# ``renown``): each key costs a fuzzy comparison, 120 ms a message at 100k items
# (benchmarks/store_scale.py). All of the default catalog's keys fit: nothing changes for it.
TYPO_KEYS = 30_000


def default_model_dir() -> Path:
    """The shipped reader statistics (package data)."""
    return packaged_model("chatrec-reader")


@lru_cache(maxsize=1)
def encoder_vocabulary() -> frozenset[str]:
    """The shipped encoder's whole-word vocabulary (30k common words and names), or nothing if the
    model is not there: what is one piece of it is an everyday word, not a title's own."""
    path = packaged_model("chatrec-retriever") / "tokenizer.json"
    if not path.is_file():
        return frozenset()
    vocab = json.loads(path.read_text()).get("model", {}).get("vocab", {})
    return frozenset(w for w in vocab if w.isalpha())


@dataclass(frozen=True)
class Token:
    text: str  # ascii, lower case
    start: int  # character offsets in the original message
    end: int
    cased: bool  # starts with an upper-case letter in the original


def tokenize(text: str) -> list[Token]:
    """Lower-case ASCII alphanumeric runs with their offsets; ``&`` is the word "and" (as in
    :func:`normalise_title`, so token n-grams compare with normalised titles)."""
    tokens: list[Token] = []
    current: list[str] = []
    start = 0
    for index, char in enumerate(text + " "):
        folded = (
            "and" if char == "&" else unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        )
        folded = folded.casefold()
        if folded.isalnum() and char != "&":
            if not current:
                start = index
            current.append(folded)
            continue
        if current:
            tokens.append(Token("".join(current), start, index, text[start].isupper()))
            current = []
        if char == "&":
            tokens.append(Token("and", index, index + 1, False))
    return tokens


@dataclass(frozen=True)
class Mention:
    """A catalog item named in a message, with the characters that name it."""

    item_id: str
    start: int
    end: int
    key: str  # the normalised title that matched
    score: float


@dataclass
class Candidate:
    first: int  # token index
    size: int  # token count
    key: str
    fuzzy: bool = False


class Forest:
    """A boosted tree ensemble (fitted by scikit-learn at training time, shipped as plain arrays)
    evaluated with NumPy for every candidate of a message at once: no model library at run time.

    Nodes of all trees share flat arrays; a leaf points to itself, so ``depth`` steps of "go left
    when the feature is at most the threshold" bring every (candidate, tree) pair to its leaf."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.base = float(spec["base"])
        self.depth = int(spec["depth"])
        self.roots = np.asarray(spec["roots"], dtype=np.int64)
        self.feature = np.asarray(spec["feature"], dtype=np.int64)
        self.threshold = np.asarray(spec["threshold"], dtype=np.float64)
        self.left = np.asarray(spec["left"], dtype=np.int64)
        self.right = np.asarray(spec["right"], dtype=np.int64)
        self.value = np.asarray(spec["value"], dtype=np.float64)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(film) for each row of ``x`` (candidates x features)."""
        if not len(x):
            return np.zeros(0)
        nodes = np.broadcast_to(self.roots, (len(x), len(self.roots)))
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            go_left = x[rows, self.feature[nodes]] <= self.threshold[nodes]
            nodes = np.where(go_left, self.left[nodes], self.right[nodes])
        logit = self.base + self.value[nodes].sum(axis=1)
        return np.exp(-np.logaddexp(0.0, -logit))  # the logistic; 1 / (1 + exp(-x)) overflows


class TypoMatcher:
    """Spans around a word nobody uses (a typo) compared with the longer titles by edit ratio.

    Titles are bucketed by length: a ratio above the cutoff needs lengths within about a quarter
    of each other, so each phrase is compared with a few thousand titles, not all of them."""

    def __init__(self, keys: list[str], renown: Callable[[str], int] | None = None) -> None:
        if renown and len(keys) > TYPO_KEYS:  # a big catalog: people misspell the films they know
            kept = set(sorted(keys, key=lambda k: -renown(k))[:TYPO_KEYS])
            keys = [k for k in keys if k in kept]
        self._by_length: dict[int, list[str]] = {}
        for key in keys:
            self._by_length.setdefault(len(key), []).append(key)
        self._choices: dict[int, list[str]] = {}

    def _near(self, length: int) -> list[str]:
        if length not in self._choices:
            low, high = int(length * 0.78), int(length * 1.28) + 1
            self._choices[length] = [k for n in range(low, high + 1) for k in self._by_length.get(n, [])]
        return self._choices[length]

    def candidates(
        self, tokens: list[Token], exact: list[Candidate], vocabulary: set[str]
    ) -> list[Candidate]:
        covered = {i for c in exact if c.size > 1 for i in range(c.first, c.first + c.size)}
        unknown = [i for i, t in enumerate(tokens) if t.text not in vocabulary and not t.text.isdigit()]
        found: list[Candidate] = []
        for index in unknown:
            if index in covered:
                continue
            best: Candidate | None = None
            best_score = FUZZY_CUTOFF
            for size in range(1, 6):
                for first in range(max(0, index - size + 1), min(index, len(tokens) - size) + 1):
                    phrase = " ".join(t.text for t in tokens[first : first + size])
                    if phrase.split()[0] in ARTICLES:
                        continue
                    match = process.extractOne(
                        phrase, self._near(len(phrase)), scorer=fuzz.ratio, score_cutoff=best_score
                    )
                    if match and match[1] > best_score:
                        best, best_score = Candidate(first, size, match[0], fuzzy=True), match[1]
            if best:
                found.append(best)
                covered.update(range(best.first, best.first + best.size))
        return found


@dataclass
class ReaderStats:
    """What ReDial's train dialogues say about title strings and films (see module docstring)."""

    mention_counts: dict[str, int]  # normalised title -> times it was a film mention
    text_counts: dict[str, int]  # normalised title -> times the same words were plain text
    word_counts: dict[str, int]  # word -> frequency in plain text
    item_counts: dict[str, int]  # catalog id -> times people named the film
    aliases: dict[str, str]  # a normalised name people used -> catalog id
    forest: dict[str, Any]  # the filter: a :class:`Forest` spec over the spotter's features
    threshold: float
    scale: float = 1.0  # counts are per this many train dialogues' worth (cross-fitting)
    model: Forest | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.model = Forest(self.forest) if self.forest else None

    @classmethod
    def load(cls, directory: Path) -> ReaderStats | None:
        path = directory / "title_stats.json"
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text()))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        saved = {k: v for k, v in self.__dict__.items() if k != "model"}
        (directory / "title_stats.json").write_text(json.dumps(saved, sort_keys=True) + "\n")


SEQUEL_NUMBERS = {"2": "ii", "3": "iii", "4": "iv", "5": "v", "6": "vi", "7": "vii", "8": "viii"}
_NUMBER = "|".join([*SEQUEL_NUMBERS, *SEQUEL_NUMBERS.values()])
_NUMBERS = frozenset(_NUMBER.split("|"))  # a cheap test before the pattern, a million times at start
_SEQUEL_END = re.compile(rf"^(.+?) (?:part |vol |volume |chapter )?({_NUMBER})$")


NUMBERING = frozenset({"part", "vol", "volume", "chapter", "episode", "book"})  # a sequel's, no name


def title_keys(title: str) -> list[str]:
    """The normalised title, plus how people shorten it: without a subtitle after a colon, or the
    subtitle alone (when two words or more remain: "infinity war"), with a possessive joined
    ("ocean s eleven" -> "oceans eleven"), and a sequel's number as people write it ("godfather
    part ii" -> "godfather 2", "godfather ii")."""
    keys = [normalise_title(title)]
    head, _, tail = title.partition(":")
    if tail:
        if len((start := normalise_title(head)).split()) >= 2:
            keys.append(start)
        subtitle = normalise_title(tail).split()
        if len(subtitle) >= 2 and subtitle[0] not in NUMBERING:  # "infinity war", not "part ii"
            keys.append(" ".join(subtitle))
    keys += [k.replace(" s ", "s ") for k in keys if " s " in k]
    for key in list(keys):
        if key.rpartition(" ")[2] in _NUMBERS and (match := _SEQUEL_END.match(key)):
            base, number = match.groups()
            arabic = next((a for a, r in SEQUEL_NUMBERS.items() if number in (a, r)), number)
            keys += [f"{base} {n}" for n in (arabic, SEQUEL_NUMBERS[arabic], f"part {arabic}")]
    return [k for k in dict.fromkeys(keys) if k]
