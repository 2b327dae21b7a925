"""Films a person names that the catalog lacks, so the reply can say so instead of dropping them.

Two kinds of evidence that a span is a film: people in ReDial's training dialogues used it as a
film name far more often than as plain words (the reader's ``other_films``: "la la land",
"avengers infinity war"), or it is written like a title with a year ("Arrival (2016)", "Dune from
2021") and the catalog has no film of that name and year.
"""

from __future__ import annotations

import re

from chatrec.catalog.titles import TitleIndex
from chatrec.understanding.reader import Reader, Reading

SMALL = {"a", "an", "the", "of", "and", "in", "on", "at", "to", "for", "with", "from", "or", "vs"}
TITLE_WITH_YEAR = re.compile(
    r"(?P<title>(?:[A-Z0-9][\w'’:&.!-]*)(?:\s+(?:[A-Z0-9][\w'’:&.!-]*|of|the|and|a|an|in|on|at|to|for|with|vs\.?))*)"
    r"\s*(?:\((?P<y1>(?:19|20)\d\d)\)|,?\s+from\s+(?P<y2>(?:19|20)\d\d)\b)"
)


def missing_films(text: str, reading: Reading, reader: Reader, titles: TitleIndex) -> list[str]:
    """Names of films in ``text`` that are not in the catalog, as the person wrote them (title
    case for lower-case text), each once."""
    linked = [(m.start, m.end) for m, _ in reading.titles]
    names = []
    for start, end in [*reader.other_films(text), *_single_words(text, reader)]:
        if not any(s <= start < e for s, e in linked):
            names.append(_title_case(text[start:end]))
    dated = [
        (m.start("title"), m.group("title"), int(m.group("y1") or m.group("y2")))
        for m in TITLE_WITH_YEAR.finditer(text)
    ]
    taken = [(start, start + len(title)) for start, title, _ in dated]
    dated += [d for d in _lower_with_year(text) if not any(s <= d[0] < e for s, e in taken)]
    for start, title, year in dated:
        if any(s <= start < e for s, e in linked) or titles.link(title, year):
            continue
        names.append(f"{_title_case(title)} ({year})")
    return list(dict.fromkeys(names))


# "loved parasite (2019)": a year in brackets makes the words before it a title, back to a cue
# word or the start of the clause
BRACKETED_YEAR = re.compile(r"\s*\(((?:19|20)\d\d)\)")
# Words after which a name is a film ("loved coco", "watched arrival")
FILM_CUES = r"loved|love|liked|like|watched|finished|seen|saw|adore|adored|enjoyed|hated|rewatched"
TITLE_START = re.compile(rf"(?:^|[.!?,;:]\s*|\b(?:{FILM_CUES}|about|than|as)\s+)(?=[\w'’])", re.I)
MAX_TITLE_WORDS = 6


def _lower_with_year(text: str) -> list[tuple[int, str, int]]:
    """(start, title, year) of each title written in lower case before a bracketed year."""
    found = []
    for match in BRACKETED_YEAR.finditer(text):
        before = text[: match.start()]
        start = max((m.end() for m in TITLE_START.finditer(before)), default=0)
        title = before[start:].strip()
        if title and len(title.split()) <= MAX_TITLE_WORDS:
            found.append((before.index(title, start), title, int(match.group(1))))
    return found


# A one-word name is a film only where the words around it say so ("loved coco", "arrival was great")
FILM_CUE_BEFORE = re.compile(rf"\b(?:{FILM_CUES})\s+$", re.I)
FILM_CUE_AFTER = re.compile(r"^\s+(?:is|was|made me|gave me|and|,)", re.I)


def _single_words(text: str, reader: Reader) -> list[tuple[int, int]]:
    """One-word names of films the catalog lacks that people used as films far more than as
    plain words ("coco", "hereditary"), where a cue around them makes them a film."""
    stats = reader.spotter.stats
    if stats is None:
        return []
    found = []
    for match in re.finditer(r"[\w'’-]+", text):
        key = match.group().casefold()
        if key not in reader.spotter.outside or stats.mention_counts[key] < 3 * (
            1 + stats.text_counts.get(key, 0)
        ):
            continue
        before, after = text[: match.start()], text[match.end() :]
        if FILM_CUE_BEFORE.search(before[-20:]) or (not before.strip() and FILM_CUE_AFTER.search(after)):
            found.append(match.span())
    return found


def _title_case(words: str) -> str:
    if any(c.isupper() for c in words):
        return words.strip()
    parts = words.split()
    return " ".join(p if i and p in SMALL else p[:1].upper() + p[1:] for i, p in enumerate(parts))
