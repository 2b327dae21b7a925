"""The words around a title that make it one, and the spans that name no plot topic.

Kept apart from :mod:`chatrec.understanding.mentions` so the spotter reads top-down; the numbers,
decades, positions, negation and moods are in :mod:`chatrec.understanding.lexicon`.
"""

from __future__ import annotations

import itertools
import re

WORD = re.compile(r"[\w'’-]+")  # a word as the reader splits a message

# Title spotting (chatrec.understanding.mentions): words before / after a span that make it a title,
# and words too common to be a title on their own when the spotter has no statistics.
TITLE_CUES = frozenset(
    """like liked love loved loves enjoyed enjoy hated hate seen watched saw watch see than as about
    and or of also recommend recommended suggest favorite favourite favourites favorites fan
    try tried called movie movies film films watching titled named""".split()  # noqa: SIM905 (reads as prose)
)
AFTER_TITLE = frozenset(
    "is was and or movie movies film films series too franchise trilogy but were are has had".split()  # noqa: SIM905
)
DETERMINERS = frozenset({"a", "an", "my", "this", "some", "your", "any", "no", "that", "very", "so", "too"})
COMMON_WORDS = frozenset(
    """a an the and or but of in on at to for with is it its be i you me my we he she they this that
    what who how when where why all some any no not so do go up out one two love life time day night
    home man men girl boy good big last first new old little""".split()  # noqa: SIM905
)

# Words that name a film or the company, not what the film should be about: a topic cue inside
# them asks for no plot ("The Forest" mid-sentence; "to watch with my guy buddies").
ARTICLE_TITLE = re.compile(r"(?<=[a-z,;] )(?:The|A|An) [A-Z][\w'’]*(?: (?:of|the|and|in|[A-Z][\w'’]*))*")
COMPANY = re.compile(
    r"\b(?:with|for) (?:my|our|the|some) (?:[\w'’]+ )?(?:friends?|buddies|buddy|pals?|family|kids|children"
    r"|wife|husband|girlfriend|boyfriend|partner|parents|mom|dad|son|daughter|date|roommates?|coworkers?)\b",
    re.I,
)

# What lies between two genres of a list ("comedies and action movies", "horror, comedy"): a choice
# of genre, where a compound ("an action comedy") or other words ("sci fi but funny") ask for both.
GENRE_LIST_GAP = re.compile(
    r"\s*(?:(?:movies|films|flicks|ones)\s*)?(?:,\s*(?:and|or)?|and|or|&|/)\s*(?:(?:an?|some)\s+)?", re.I
)


def genres_listed(text: str, spans: list[tuple[str, int, int]]) -> bool:
    """Whether two or more genres found in ``text`` (name, start, end) form a list."""
    return len({g for g, _, _ in spans}) > 1 and all(
        GENRE_LIST_GAP.fullmatch(text[a[2] : b[1]]) for a, b in itertools.pairwise(spans)
    )


SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


class LatestSpans(dict[str, tuple[str, int, int]]):
    """Genre -> its span: the first said in the last sentence that says it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._ends = [m.end() for m in SENTENCE_END.finditer(text)]

    def _sentence(self, start: int) -> int:
        return sum(end <= start for end in self._ends)

    def add(self, genre: str, start: int, end: int) -> None:
        if genre not in self or self._sentence(start) > self._sentence(self[genre][1]):
            self[genre] = (genre, start, end)
