"""Title spotting: every catalog title a message names, wherever it names it.

A gazetteer over the catalog's normalised titles finds candidate spans (any case, with or without
a leading article or a year, small typos in longer titles); a small boosted-tree filter then
decides which candidates are films and which are words ("Heat" in "a heat wave", "Up", "It"); a
title inside a longer name of a film the catalog lacks ("pacific rim uprising") is not it. The filter
reads statistics learned from ReDial's train dialogues (how often a string was a film mention and
how often plain text there; how often people named each film) plus the shape of the span (case,
length, a cue word before it, a year after it). Those statistics ship in ``models/chatrec-reader``
(built by ``chatrec.understanding.mention_train``); without them, e.g. for another catalog, rules decide.

Ambiguous titles resolve to the film people mean: a year written after the title first, then how
often ReDial users named each film, then critic review counts.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

from chatrec.catalog.items import renown
from chatrec.catalog.titles import normalise_title
from chatrec.understanding.patterns import AFTER_TITLE, COMMON_WORDS, DETERMINERS, TITLE_CUES
from chatrec.understanding.tokens import (
    ARTICLES,
    Candidate,
    Mention,
    ReaderStats,
    Token,
    TypoMatcher,
    encoder_vocabulary,
    title_keys,
    tokenize,
)

FUZZY_MIN_CHARS = 7
ONE_WORD_CUES = frozenset(
    {"like", "loved", "liked", "love", "enjoyed", "hated", "seen", "watched", "than", "as"}
)
MAX_TOKENS = 10
FEATURE_NAMES = (
    # what the training dialogues say about the title string (see ReaderStats)
    *("mentions", "plain", "film_odds", "words", "length", "common", "rarest", "popularity", "alias"),
    # the span in its message
    *("cased", "cue", "year", "year_mismatch", "quoted", "reviews", "fuzzy", "first", "determiner"),
    *("agrees", "sequel", "after_cue", "clause_end", "lower_case", "inside_other"),
)
F = {name: index for index, name in enumerate(FEATURE_NAMES)}
FEATURES = len(FEATURE_NAMES)
NEVER_A_FILM = math.log1p(20)  # the "plain" feature of a string written 20 times as words, never as a film
TRAINING_DATA_ENDS = 2018  # the last year of films the filter's dialogues (ReDial) could name
FUZZY_PENALTY = 1.0  # logit taken off a fuzzy candidate's score (the filter is fitted on exact ones)
# One distinctive word of a well-known title names it ("tenenbaums", "nemo", "shawshank"): a word
# that is no common word or name (not one piece of the shipped encoder's vocabulary), seldom
# written as a plain word in ReDial train, in the title of one film people named far more often
# than any other film whose title has it.
PARTIAL_MIN_NAMED, PARTIAL_DOMINANCE, PARTIAL_MAX_PLAIN, PARTIAL_MIN_CHARS = 8, 5, 30, 4
PARTIAL_SCORE = 0.5  # the score such a mention carries
OUTSIDE_REACH = 4  # words a longer film name may add on either side of a candidate
# Words near a title that say which of its films is meant: the first one or the remake.
VERSION_REACH = 8
OLDER_VERSION = frozenset({"original", "originals", "og", "younger", "growing"})  # "when i was younger"
NEWER_VERSION = frozenset({"remake", "reboot"})  # not "new": "something new like the thing"
SEQUEL = re.compile(r"\s*(?::|(?:[2-9]|ii|iii|iv|part)\b)", re.I)
YEAR = re.compile(r"(19|20)\d\d")


class TitleSpotter:
    """Finds catalog titles in free text; catalog-driven, with learned filtering when available."""

    def __init__(self, catalog: Mapping[str, Mapping[str, Any]], stats: ReaderStats | None = None) -> None:
        self.catalog = catalog
        self.stats = stats if stats and _fits(stats, catalog) else None
        stats = self.stats
        self.keys: dict[str, list[str]] = defaultdict(list)
        for item_id, meta in catalog.items():
            for key in title_keys(str(meta.get("title", ""))):
                self.keys[key].append(item_id)
        self.aliases: dict[str, str] = {}
        if stats:
            self.aliases = {k: i for k, i in stats.aliases.items() if i in catalog and k not in self.keys}
            for key, item_id in self.aliases.items():
                self.keys[key].append(item_id)
        self.longest = max((len(k.split()) for k in self.keys), default=0)
        # names people gave films the catalog lacks: a title inside one is not that title
        self.outside = {k for k in stats.mention_counts if k not in self.keys} if stats else set()
        self._static: dict[str, tuple[float, ...]] = {}

    @cached_property
    def known_words(self) -> set[str]:
        """Words of the catalog's titles and of the training dialogues."""
        words = {w for k in self.keys for w in k.split()}
        return words | set(self.stats.word_counts) if self.stats else words

    @cached_property
    def _partial(self) -> dict[str, str]:
        """Distinctive title word -> the film it names (see ``PARTIAL_*``); empty without
        statistics (another catalog) or the encoder's vocabulary."""
        common = encoder_vocabulary()
        if self.stats is None or not common:
            return {}
        named, plain = self.stats.item_counts, self.stats.word_counts
        holders: defaultdict[str, list[str]] = defaultdict(list)
        for item_id, meta in self.catalog.items():
            for word in set(normalise_title(str(meta.get("title", ""))).split()):
                if word.isalpha() and len(word) >= PARTIAL_MIN_CHARS and word not in common:
                    holders[word].append(item_id)
        found = {}
        for word, ids in holders.items():
            top, *rest = sorted(ids, key=lambda i: -named.get(i, 0))
            second = max((named.get(i, 0) for i in rest), default=0)
            if (
                word not in self.keys
                and named.get(top, 0) >= max(PARTIAL_MIN_NAMED, PARTIAL_DOMINANCE * second)
                and plain.get(word, 0) * self.stats.scale <= PARTIAL_MAX_PLAIN
            ):
                found[word] = top
        return found

    def _partial_mentions(self, tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
        """Films named by one distinctive word of their title, outside every mention found."""
        taken = [(m.start, m.end) for m in mentions]
        return [
            Mention(self._partial[t.text], t.start, t.end, t.text, PARTIAL_SCORE)
            for t in tokens
            if t.text in self._partial and not any(a <= t.start < b for a, b in taken)
        ]

    @cached_property
    def _typos(self) -> TypoMatcher:
        keys = [k for k in self.keys if len(k) >= FUZZY_MIN_CHARS]
        return TypoMatcher(keys, lambda k: max(renown(self.catalog[i]) for i in self.keys[k]))

    # -- candidates ---------------------------------------------------------------------------
    def candidates(self, tokens: list[Token], *, fuzzy: bool = True) -> list[Candidate]:
        found = []
        for first in range(len(tokens)):
            for size in range(min(self.longest, MAX_TOKENS, len(tokens) - first), 0, -1):
                key = " ".join(t.text for t in tokens[first : first + size])
                if key in self.keys:
                    found.append(Candidate(first, size, key))
        return found + self._typos.candidates(tokens, found, self.known_words) if fuzzy else found

    # -- scoring ------------------------------------------------------------------------------
    def _key_features(self, key: str) -> tuple[float, ...]:
        """What the training dialogues say about a title string, computed once per key."""
        if (cached := self._static.get(key)) is not None:
            return cached
        stats = self.stats
        scale = stats.scale if stats else 1.0
        mentions = (stats.mention_counts.get(key, 0) if stats else 0) * scale
        plain = (stats.text_counts.get(key, 0) if stats else 0) * scale
        words = key.split()
        counts = [stats.word_counts.get(w, 0) * scale for w in words] if stats else [0.0]
        popularity = max(stats.item_counts.get(i, 0) for i in self.keys[key]) * scale if stats else 0
        found = (
            math.log1p(mentions),
            math.log1p(plain),
            math.log((mentions + 0.5) / (plain + 0.5)),
            float(len(words)),
            math.log(len(key)),
            sum(math.log1p(c) for c in counts) / len(counts) / 10,
            math.log1p(min(counts)) / 10,
            math.log1p(popularity),
            float(key in self.aliases),
        )
        self._static[key] = found
        return found

    def features(self, tokens: list[Token], cand: Candidate, text: str, item_id: str) -> np.ndarray:
        """The candidate's row for the filter (names in :data:`FEATURE_NAMES`)."""
        span = tokens[cand.first : cand.first + cand.size]
        before = tokens[cand.first - 1].text if cand.first > 0 else ""
        article = before if before in ARTICLES else ""
        if article:  # "like the birds": the cue is the word before the article
            before = tokens[cand.first - 2].text if cand.first > 1 else ""
        nxt = cand.first + cand.size
        after = tokens[nxt].text if nxt < len(tokens) else ""
        mixed_case = text != text.casefold()
        content = [t for t in span if t.text not in ARTICLES and len(t.text) > 2] or span
        cased = (1.0 if all(t.cased for t in content) else -1.0) if mixed_case and cand.first > 0 else 0.0
        quoted = text[max(0, span[0].start - 1) : span[0].start] in "\"'“‘" and span[0].start > 0
        meta = self.catalog.get(item_id, {})
        title_article = str(meta.get("title", "")).casefold().split(" ")[0]
        year = int(after) if YEAR.fullmatch(after) else None
        years = [self.catalog.get(i, {}).get("year") for i in self.keys[cand.key]]
        return np.array(
            [
                *self._key_features(cand.key),
                cased,
                float(before in TITLE_CUES),
                float(year is not None),
                float(year is not None and not any(isinstance(y, int) and abs(y - year) <= 1 for y in years)),
                float(quoted),
                math.log1p(renown(meta)) / 5,
                float(cand.fuzzy),
                float(cand.first == 0),
                float(before in DETERMINERS and not article),
                (1.0 if title_article == article else -1.0) if article else 0.0,
                float(bool(SEQUEL.match(text[span[-1].end :]))),
                float(after in AFTER_TITLE),
                float(not after or bool(re.match(r"\s*[.!?,;)]", text[span[-1].end :]))),
                float(not mixed_case),
                float(self._inside_other_film(tokens, cand)),
            ]
        )

    def _inside_other_film(self, tokens: list[Token], cand: Candidate) -> bool:
        """Whether the span is part of a longer name people used for a film outside the catalog
        ("pacific rim uprising", "blade runner 2049", "rogue one a star wars story")."""
        if not self.outside:
            return False
        end = cand.first + cand.size
        for first in range(max(0, cand.first - OUTSIDE_REACH), cand.first + 1):
            for last in range(end, min(len(tokens), end + OUTSIDE_REACH) + 1):
                if (first, last) != (cand.first, end) and " ".join(
                    t.text for t in tokens[first:last]
                ) in self.outside:
                    return True
        return False

    def choose(self, tokens: list[Token], cand: Candidate) -> str:
        """The item a key means here: the year written after it, then the spelling with or without
        its article as written ("heat" is Heat, "the heat" The Heat), then the original or the
        remake where the words near it say which ("the original", "when i was a kid", "the
        remake"), then how often ReDial users named it, then critic reviews."""
        ids = self.keys[cand.key]
        nxt = cand.first + cand.size
        year = int(tokens[nxt].text) if nxt < len(tokens) and YEAR.fullmatch(tokens[nxt].text) else None
        with_article = cand.first > 0 and tokens[cand.first - 1].text in ARTICLES
        counts = self.stats.item_counts if self.stats else {}
        near = {t.text for t in tokens[max(0, cand.first - VERSION_REACH) : nxt + VERSION_REACH]}
        era = -1 if near & OLDER_VERSION else 1 if near & NEWER_VERSION else 0  # -1: the oldest first

        def rank(item_id: str) -> tuple:
            meta = self.catalog.get(item_id, {})
            item_year = meta.get("year")
            off = abs(item_year - year) if year and isinstance(item_year, int) else 0
            article = normalise_title(str(meta.get("title", ""))) != str(meta.get("title", "")).casefold()
            return (
                off > 1,
                off,
                article != with_article,
                -era * (item_year if isinstance(item_year, int) else 0),
                -counts.get(item_id, 0),
                -renown(meta),
            )

        return min(ids, key=rank)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(film) of each candidate row; a fuzzy match pays a penalty (the filter learned on
        exact spans only)."""
        if self.stats is None or self.stats.model is None:
            return np.zeros(len(rows))
        p = self.stats.model.probability(rows)
        odds = np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1))
        p = 1 / (1 + np.exp(-(odds - FUZZY_PENALTY * rows[:, F["fuzzy"]])))
        # "heat (1995)" is Heat in any case (no training rendering wrote a year in lower case)
        dated = (rows[:, F["year"]] > 0) & (rows[:, F["year_mismatch"]] == 0)
        # a string people wrote often and never as a film ("by him") is a word unless written as
        # a title is: the filter never saw such a key as a title (films newer than its data)
        word = (rows[:, F["mentions"]] == 0) & (rows[:, F["plain"]] >= NEVER_A_FILM)
        word &= (rows[:, F["cased"]] <= 0) & (rows[:, F["quoted"]] == 0)
        return np.where(dated, np.maximum(p, 0.99), np.where(word, 0.0, p))

    def _after_training(self, cand: Candidate) -> bool:
        """Whether every film of the key came out after the dialogues the filter learned from
        (ReDial, 2017–18): no one could name them there, so the filter's "never named as a film"
        says nothing of them ("Just watched Sinners")."""
        years = [self.catalog.get(i, {}).get("year") for i in self.keys[cand.key]]
        return all(isinstance(y, int) and y > TRAINING_DATA_ENDS for y in years)

    def _rule_accepts(self, tokens: list[Token], cand: Candidate, text: str) -> bool:
        """Without learned statistics: several words, or one word quoted, or capitalised after a
        cue word (a typo of a title will do), or capitalised with the title's own article ("The
        Godfather")."""
        feats = self.features(tokens, cand, text, self.keys[cand.key][0])
        cased, cue = feats[F["cased"]], feats[F["cue"]]
        words = tokens[cand.first : cand.first + cand.size]
        if cand.size >= 2 and not all(t.text in COMMON_WORDS for t in words):
            return cased >= 0 or cue > 0
        return (
            feats[F["quoted"]] > 0
            or (cue > 0 and (cased > 0 or cand.fuzzy))
            or (cased > 0 and feats[F["agrees"]] > 0)
        )

    def spot(self, text: str) -> list[Mention]:
        """Every film named in ``text``, left to right, non-overlapping (longer spans first).

        A list shares its evidence: a doubtful candidate (at least half the threshold) joined by
        "," / "and" / "or" to an accepted title is accepted too ("pulp fiction, fight club and
        seven").
        """
        tokens = tokenize(text)
        cands = [(cand, self.choose(tokens, cand)) for cand in self.candidates(tokens)]
        if self.stats is None:
            accepted = [(c, i, 1.0) for c, i in cands if self._rule_accepts(tokens, c, text)]
            return self._resolve(tokens, accepted)
        rows = np.array([self.features(tokens, c, text, i) for c, i in cands]).reshape(-1, FEATURES)
        # ReDial's renderings always capitalise a title in mixed-case text; people often do not
        # ("i didn't like gravity, but i loved Alien"): a lower-case span reads as in lower case.
        lower = rows[:, F["cased"]] < 0
        rows[lower, F["cased"]], rows[lower, F["lower_case"]] = 0.0, 1.0
        threshold = self.stats.threshold
        scored, doubtful = [], []
        for (cand, item_id), p, row in zip(cands, self.probabilities(rows), rows, strict=True):
            if self._indefinite(tokens, cand, item_id):
                continue
            # newer than the filter's data, so never named there: the rules read it, where it is
            # written as a title or right after "loved", "watched"... ("Just watched Sinners"),
            # unless people named an older film so there ("Snow White" was the 1937 one)
            written = not cand.fuzzy and (row[F["cased"]] > 0 or row[F["cue"]] > 0 or row[F["quoted"]] > 0)
            written = written and row[F["mentions"]] == 0
            if (
                p < threshold
                and written
                and self._after_training(cand)
                and self._rule_accepts(tokens, cand, text)
            ):
                p = threshold
            if p >= threshold:
                scored.append((cand, item_id, float(p)))
            elif p >= threshold / 2:
                doubtful.append((cand, item_id, float(p)))
        mentions = self._resolve(tokens, scored)
        while joined := [d for d in doubtful if any(_listed(text, tokens, d[0], m) for m in mentions)]:
            doubtful = [d for d in doubtful if d not in joined]
            mentions = self._resolve(tokens, scored := scored + joined)
        return sorted(mentions + self._partial_mentions(tokens, mentions), key=lambda m: m.start)

    def named(self, text: str) -> list[Mention]:
        """Every catalog title written out in ``text`` as a title is written: exact words, first
        word capitalised, a one-word title only right after a cue ("like Heat"). What the claim
        checker asks of a model's sentence, which names a film exactly when it names one; no
        statistics, since they were learned from people, not from model output."""
        tokens = tokenize(text)
        found = []
        for cand in self.candidates(tokens, fuzzy=False):
            start = tokens[cand.first].start
            if not text[start : start + 1].isupper():
                continue
            before = tokens[cand.first - 1].text if cand.first else ""
            if cand.size == 1 and before not in ONE_WORD_CUES:
                continue  # "an Oscar nomination" names no film "Oscar"; "like Heat" does
            found.append((cand, self.choose(tokens, cand), 1.0))
        return self._resolve(tokens, found)

    def _indefinite(self, tokens: list[Token], cand: Candidate, item_id: str) -> bool:
        """A one-word title after "a" / "an" that is not its own article is a word ("a heat wave")."""
        before = tokens[cand.first - 1].text if cand.first > 0 else ""
        title = str(self.catalog.get(item_id, {}).get("title", "")).casefold()
        return cand.size == 1 and before in ("a", "an") and not title.startswith(f"{before} ")

    @staticmethod
    def _resolve(tokens: list[Token], scored: list[tuple[Candidate, str, float]]) -> list[Mention]:
        taken: set[int] = set()
        mentions = []
        for cand, item_id, p in sorted(scored, key=lambda s: (-s[0].size, -s[2])):
            span = set(range(cand.first, cand.first + cand.size))
            if taken & span:
                continue
            taken |= span
            first = cand.first - (cand.first > 0 and tokens[cand.first - 1].text in ARTICLES)
            mentions.append(
                Mention(item_id, tokens[first].start, tokens[cand.first + cand.size - 1].end, cand.key, p)
            )
        return sorted(mentions, key=lambda m: m.start)


LIST_GLUE = re.compile(r"\s*(?:,|&|/|,?\s*(?:and|or|nor))\s*(?:the\s+|a\s+|an\s+)?", re.I)


def _listed(text: str, tokens: list[Token], cand: Candidate, mention: Mention) -> bool:
    """Whether a candidate and an accepted mention are neighbours in a list."""
    start, end = tokens[cand.first].start, tokens[cand.first + cand.size - 1].end
    between = text[mention.end : start] if mention.end <= start else text[end : mention.start]
    apart = mention.end <= start or end <= mention.start
    return apart and bool(LIST_GLUE.fullmatch(between))


def _fits(stats: ReaderStats, catalog: Mapping[str, Any]) -> bool:
    """Whether statistics were learned for this catalog: at least 5 % of its items are films the
    training dialogues named. Another catalog (books, a test catalog) is read by rules."""
    known = sum(1 for i in stats.item_counts if i in catalog)
    return known >= max(1, 0.05 * len(catalog))
