"""Title spotting: every catalog title a message names, wherever it names it.

A gazetteer over the catalog's normalised titles finds candidate spans (any case, with or without
a leading article or a year, small typos in longer titles); a small logistic filter then decides
which candidates are films and which are words ("Heat" in "a heat wave", "Up", "It"). The filter
reads statistics learned from ReDial's train dialogues (how often a string was a film mention and
how often plain text there; how often people named each film) plus the shape of the span (case,
length, a cue word before it, a year after it). Those statistics ship in ``models/chatrec-reader``
(built by ``chatrec.dialogue.mention_train``); without them, e.g. for another catalog, rules decide.

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
from rapidfuzz import fuzz, process

from chatrec.catalog.titles import normalise_title
from chatrec.dialogue.tokens import Candidate, Mention, ReaderStats, Token, title_keys, tokenize

ARTICLES = frozenset({"the", "a", "an"})
CUES = frozenset(
    """like liked love loved loves enjoyed enjoy hated hate seen watched saw watch see than as about
    and or of also recommend recommended suggest favorite favourite favourites favorites fan
    try tried called movie movies film films watching titled named""".split()  # noqa: SIM905 (reads as prose)
)
AFTER_CUES = frozenset(
    "is was and or movie movies film films series too franchise trilogy but were are has had".split()  # noqa: SIM905
)
DETERMINERS = frozenset({"a", "an", "my", "this", "some", "your", "any", "no", "that", "very", "so", "too"})
FUZZY_MIN_CHARS = 7
FUZZY_CUTOFF = 88.0
MAX_TOKENS = 10
FEATURES = 27
FUZZY_PENALTY = 1.0  # logit taken off a fuzzy candidate's score (the filter is fitted on exact ones)
SEQUEL = re.compile(r"\s*(?::|(?:[2-9]|ii|iii|iv|part)\b)", re.I)


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

    @property
    def known_words(self) -> set[str]:
        """Words of the catalog's titles and of the training dialogues."""
        return self._vocabulary

    @cached_property
    def _vocabulary(self) -> set[str]:
        words = {w for k in self.keys for w in k.split()}
        return words | set(self.stats.word_counts) if self.stats else words

    @cached_property
    def _fuzzy_keys(self) -> list[str]:
        return [k for k in self.keys if len(k) >= FUZZY_MIN_CHARS]

    # -- candidates ---------------------------------------------------------------------------
    def candidates(self, tokens: list[Token], *, fuzzy: bool = True) -> list[Candidate]:
        found = []
        for first in range(len(tokens)):
            for size in range(min(self.longest, MAX_TOKENS, len(tokens) - first), 0, -1):
                key = " ".join(t.text for t in tokens[first : first + size])
                if key in self.keys:
                    found.append(Candidate(first, size, key))
        return found + self._fuzzy(tokens, found) if fuzzy else found

    def _fuzzy(self, tokens: list[Token], exact: list[Candidate]) -> list[Candidate]:
        """Spans around a word nobody uses (a typo) compared with longer titles by edit ratio."""
        covered = {i for c in exact if c.size > 1 for i in range(c.first, c.first + c.size)}
        unknown = [i for i, t in enumerate(tokens) if t.text not in self._vocabulary and not t.text.isdigit()]
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
                        phrase, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=best_score
                    )
                    if match and match[1] > best_score:
                        best, best_score = Candidate(first, size, match[0], fuzzy=True), match[1]
            if best:
                found.append(best)
                covered.update(range(best.first, best.first + best.size))
        return found

    # -- scoring ------------------------------------------------------------------------------
    def features(self, tokens: list[Token], cand: Candidate, text: str, item_id: str) -> np.ndarray:
        stats = self.stats
        scale = stats.scale if stats else 1.0
        mentions = (stats.mention_counts.get(cand.key, 0) if stats else 0) * scale
        plain = (stats.text_counts.get(cand.key, 0) if stats else 0) * scale
        words = cand.key.split()
        common = (
            sum(math.log1p(stats.word_counts.get(w, 0) * scale) for w in words) / len(words) / 10
            if stats
            else 0.0
        )
        span = tokens[cand.first : cand.first + cand.size]
        before = tokens[cand.first - 1].text if cand.first > 0 else ""
        article = before if before in ARTICLES else ""
        if article:  # "like the birds": the cue is the word before the article
            before = tokens[cand.first - 2].text if cand.first > 1 else ""
        after = tokens[cand.first + cand.size].text if cand.first + cand.size < len(tokens) else ""
        mixed_case = text != text.casefold()
        content = [t for t in span if t.text not in ARTICLES and len(t.text) > 2] or span
        cased = (1.0 if all(t.cased for t in content) else -1.0) if mixed_case and cand.first > 0 else 0.0
        quoted = text[max(0, span[0].start - 1) : span[0].start] in "\"'“‘" and span[0].start > 0
        meta = self.catalog.get(item_id, {})
        title_article = str(meta.get("title", "")).casefold().split(" ")[0]
        agrees = (1.0 if title_article == article else -1.0) if article else 0.0
        sequel = bool(SEQUEL.match(text[span[-1].end :]))
        # how often people named any film this title can mean (the label is about the span)
        popularity = max(stats.item_counts.get(i, 0) for i in self.keys[cand.key]) * scale if stats else 0
        return np.array(
            [
                1.0,
                math.log1p(mentions),
                math.log1p(plain),
                math.log((mentions + 0.5) / (plain + 0.5)),
                float(len(words) == 1),
                float(len(words) == 2),
                math.log(len(cand.key)),
                common,
                cased,
                float(before in CUES),
                float(bool(re.fullmatch(r"(19|20)\d\d", after))),
                float(quoted),
                math.log1p(popularity),
                math.log1p(float(meta.get("reviews") or 0)) / 5,
                float(cand.fuzzy),
                float(cand.key in self.aliases),
                float(cand.first == 0),
                float(before in DETERMINERS and not article),
                agrees,
                float(sequel),
                float(after in AFTER_CUES),
                float(not after or bool(re.match(r"\s*[.!?,;)]", text[span[-1].end :]))),
                # interactions: context matters most for one-word titles and when case says nothing
                float(before in CUES) * float(len(words) == 1),
                float(after in AFTER_CUES) * float(len(words) == 1),
                float(before in CUES) * math.log((mentions + 0.5) / (plain + 0.5)),
                float(not mixed_case),
                float(not mixed_case) * math.log((mentions + 0.5) / (plain + 0.5)),
            ]
        )

    def choose(self, tokens: list[Token], cand: Candidate) -> str:
        """The item a key means here: the year written after it, then the spelling with or without
        its article as written ("heat" is Heat, "the heat" The Heat), then how often ReDial users
        named it, then critic reviews."""
        ids = self.keys[cand.key]
        nxt = cand.first + cand.size
        year = (
            int(tokens[nxt].text)
            if nxt < len(tokens) and re.fullmatch(r"(19|20)\d\d", tokens[nxt].text)
            else None
        )
        with_article = cand.first > 0 and tokens[cand.first - 1].text in ARTICLES
        counts = self.stats.item_counts if self.stats else {}

        def rank(item_id: str) -> tuple:
            meta = self.catalog.get(item_id, {})
            item_year = meta.get("year")
            off = abs(item_year - year) if year and isinstance(item_year, int) else 0
            article = normalise_title(str(meta.get("title", ""))) != str(meta.get("title", "")).casefold()
            return (
                off > 1,
                off,
                article != with_article,
                -counts.get(item_id, 0),
                -(meta.get("reviews") or 0),
            )

        return min(ids, key=rank)

    def probability(self, feats: np.ndarray) -> float:
        if self.stats is None:
            return 0.0
        logit = float(np.dot(self.stats.weights, feats)) - FUZZY_PENALTY * feats[14]
        return float(1 / (1 + np.exp(-logit)))

    def _rule_accepts(self, tokens: list[Token], cand: Candidate, text: str) -> bool:
        """Without learned statistics: several words, or one word quoted, or capitalised after a
        cue word (a typo of a title will do), or capitalised with the title's own article ("The
        Godfather")."""
        feats = self.features(tokens, cand, text, self.keys[cand.key][0])
        if cand.size >= 2 and not all(t.text in _COMMON for t in tokens[cand.first : cand.first + cand.size]):
            return feats[8] >= 0 or feats[9] > 0
        capitalised = feats[8] > 0
        return (
            feats[11] > 0 or (feats[9] > 0 and (capitalised or cand.fuzzy)) or (capitalised and feats[18] > 0)
        )

    def spot(self, text: str) -> list[Mention]:
        """Every film named in ``text``, left to right, non-overlapping (longer spans first).

        A list shares its evidence: a doubtful candidate (at least half the threshold) joined by
        "," / "and" / "or" to an accepted title is accepted too ("pulp fiction, fight club and
        seven").
        """
        tokens = tokenize(text)
        scored: list[tuple[Candidate, str, float]] = []
        doubtful: list[tuple[Candidate, str, float]] = []
        for cand in self.candidates(tokens):
            item_id = self.choose(tokens, cand)
            if self.stats is None:
                if self._rule_accepts(tokens, cand, text):
                    scored.append((cand, item_id, 1.0))
                continue
            p = self.probability(self.features(tokens, cand, text, item_id))
            if p >= self.stats.threshold:
                scored.append((cand, item_id, p))
            elif p >= self.stats.threshold / 2:
                doubtful.append((cand, item_id, p))
        mentions = self._resolve(tokens, scored)
        while joined := [d for d in doubtful if any(_listed(text, tokens, d[0], m) for m in mentions)]:
            doubtful = [d for d in doubtful if d not in joined]
            mentions = self._resolve(tokens, scored := scored + joined)
        return mentions

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


_COMMON = frozenset(
    """a an the and or but of in on at to for with is it its be i you me my we he she they this that
    what who how when where why all some any no not so do go up out one two love life time day night
    home man men girl boy good big last first new old little""".split()  # noqa: SIM905
)
