"""Topic labels: a controlled vocabulary read in film plots at build time and in requests at query time.

Small sentence encoders blur "a heist film" into "a crime film"; an explicit, closed list of topics
("heist", "submarine", "time travel") is exact on both sides. A film carries the topics its plot
keeps returning to (counted once, at build time, from the Wikipedia plots); a request names a topic
only with a cue phrase that is rare across plots (so "the film" or "love" never count as cues).
The same labels are the only topics a reason may name: they are evidence, never inventions.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from chatrec.config import packaged_model

# Shipped next to the plot artefacts it labels (CC BY-SA, see the folder's README).
PLOT_DIR = packaged_model("wikipedia-plots")
TERMS_PATH = PLOT_DIR / "topic_terms.txt"
TOPICS_FILE = "plot_topics.json"
MIN_MENTIONS = 2  # a plot must come back to a topic at least this often to carry it
MAX_TOPICS = 8  # per film, the most specific first
MAX_CUE_SHARE = 0.06  # a phrase found in more plots than this is too common to be a request cue
MAX_EVIDENCE_SHARE = 0.12  # ... and one in more than this ("the past", "police") is no evidence of a topic
# Cue phrases rare in plots but common in chat about films, where they mean something else: "a big
# fan of", "a favourite of mine", "in the theater", "I bet", "oh my god", "a movie marathon", "on
# Amazon", "the actor", "a famous actor". Read in ReDial TRAIN's seeker messages, they cued a topic
# no recommended film carried ("stalker" 35 times, "hollywood" 24, "mining" 11 of 1,658 validation
# turns: 0 hits). The claim checker reads reasons with the same cues ("fans of Heat" is no story).
CHAT_IDIOMS = frozenset(
    {
        *("fan", "obsessed", "theater", "theatre", "the show", "stage", "producer", "actor", "actress"),
        *("director", "studio", "mine", "bet", "god", "marathon", "popular", "online", "ratings", "amazon"),
        *("king", "inspired", "summer", "class", "partners", "hunt", "the hunt", "new year", "the past"),
        "famous",
    }
)


TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    """Lower-case words; hyphenated words stay whole ("u-boat"), possessives lose their 's."""
    return [w.removesuffix("'s") for w in TOKEN.findall(text.lower().replace("’", "'"))]


def parse_terms(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``topic: phrase | phrase`` lines -> topic -> phrases (the topic's own name always included)."""
    terms: dict[str, tuple[str, ...]] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        topic, _, rest = line.partition(":")
        phrases = [p.strip().lower() for p in rest.split("|") if p.strip()]
        name = topic.strip().lower()
        terms[name] = tuple(dict.fromkeys([name, *phrases]))
    return terms


def load_terms(path: Path = TERMS_PATH) -> dict[str, tuple[str, ...]]:
    return parse_terms(path.read_text(encoding="utf-8").splitlines())


class PhraseMatcher:
    """Counts the phrases of a vocabulary in a text by word n-grams (a final word may be plural):
    one pass over the words, whatever the vocabulary's size."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._grams = {tuple(tokens(p)): p for p in phrases if tokens(p)}
        self._longest = max((len(g) for g in self._grams), default=0)
        self._starts = {g[0] for g in self._grams}

    @staticmethod
    def _forms(word: str) -> set[str]:
        """The word and its possible singulars: dogs -> dog, torpedoes -> torpedo, puppies -> puppy."""
        forms = {word, word.removesuffix("s"), word.removesuffix("es")}
        if word.endswith("ies"):
            forms.add(word[:-3] + "y")
        return forms

    def _lookup(self, gram: tuple[str, ...]) -> str | None:
        for form in self._forms(gram[-1]):
            phrase = self._grams.get((*gram[:-1], form))
            if phrase is not None:
                return phrase
        return None

    def longest(self, text: str) -> list[str]:
        """The phrases of ``text`` read left to right, each the longest one starting at its word;
        a phrase's words are not read again, so "a family saga" is not also "family"."""
        words = tokens(text)
        found: list[str] = []
        i = 0
        while i < len(words):
            step = 1
            if self._forms(words[i]) & self._starts:
                for n in range(min(self._longest, len(words) - i), 0, -1):
                    phrase = self._lookup(tuple(words[i : i + n]))
                    if phrase is not None:
                        found.append(phrase)
                        step = n
                        break
            i += step
        return found

    def counts(self, text: str) -> Counter[str]:
        words = tokens(text)
        found: Counter[str] = Counter()
        for i, word in enumerate(words):
            if not self._forms(word) & self._starts:
                continue
            for n in range(1, min(self._longest, len(words) - i) + 1):
                phrase = self._lookup(tuple(words[i : i + n]))
                if phrase is not None:
                    found[phrase] += 1
        return found


def film_topics(
    phrase_counts: Mapping[str, int],
    terms: Mapping[str, Sequence[str]],
    topic_df: Mapping[str, int],
    n_docs: int,
) -> list[str]:
    """The topics a plot keeps returning to, most specific (rarest across plots) first."""
    scored = []
    for topic, phrases in terms.items():
        mentions = sum(phrase_counts.get(p, 0) for p in phrases)
        if mentions >= MIN_MENTIONS:
            idf = math.log(n_docs / (1 + topic_df.get(topic, 0)))
            scored.append((mentions * idf, topic))
    scored.sort(reverse=True)
    return [t for _, t in scored[:MAX_TOPICS]]


class TopicReader:
    """Reads the topics a request names, by cue phrases; built from the shipped artefact."""

    def __init__(self, cues: Mapping[str, Sequence[str]]) -> None:
        self.cues = {t: tuple(ps) for t, ps in cues.items()}
        by_phrase: dict[str, list[str]] = {}
        for topic, phrases in self.cues.items():
            for phrase in phrases:
                by_phrase.setdefault(phrase, []).append(topic)
        self._by_phrase = by_phrase
        self._matcher = PhraseMatcher(by_phrase)

    def phrases(self, text: str) -> list[str]:
        """The cue phrases ``text`` uses, longest first at each word (see PhraseMatcher.longest)."""
        return self._matcher.longest(text)

    def read(self, text: str) -> tuple[str, ...]:
        """Topics named in ``text``, in vocabulary order, each once."""
        topics = {t for phrase in self.phrases(text) for t in self._by_phrase[phrase]}
        return tuple(t for t in self.cues if t in topics)

    def cued(self, text: str) -> dict[str, tuple[str, ...]]:
        """Each cue phrase ``text`` uses -> the topics it may name. A phrase may cue several
        ("wilderness" names *wilderness* and *survival*): a claim made with it holds when an item
        has any one of them."""
        return {phrase: tuple(self._by_phrase[phrase]) for phrase in self.phrases(text)}


def query_cues(
    terms: Mapping[str, Sequence[str]], phrase_df: Mapping[str, int], n_docs: int
) -> dict[str, list[str]]:
    """Per topic, the phrases that may cue it in a request: its name, and phrases rare in plots
    (chat idioms are dropped when the cues are read, :func:`topic_reader`)."""
    limit = MAX_CUE_SHARE * n_docs
    return {
        topic: [p for p in phrases if p == topic or phrase_df.get(p, 0) <= limit]
        for topic, phrases in terms.items()
    }


def topic_reader(known: Iterable[str]) -> TopicReader | None:
    """The request-side reader of the shipped topic cues, for the topics a catalog's items carry."""
    path = PLOT_DIR / TOPICS_FILE
    if not path.is_file():
        return None
    wanted = set(known)
    cues = json.loads(path.read_text(encoding="utf-8"))["cues"]
    return TopicReader(
        {t: [p for p in ps if p == t or p not in CHAT_IDIOMS] for t, ps in cues.items() if t in wanted}
    )
