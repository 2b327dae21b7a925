"""A film's premise for a reason: one sentence of its quoted synopsis, shortened only by cuts
that cannot change what it says.

A reason that says what happens in a film ("Nine years before, Jesse and Céline had met and had a
brief encounter in Vienna.") tells a person more than its genre and score. The sentence is
Wikipedia's (see :mod:`chatrec.catalog.synopses`; shown with its CC BY-SA credit): the only cuts
are parenthesised asides, mostly the actors' names ("Sonny Wortzik (Al Pacino)"), so the
sentence stays true to the plot word for word. A sentence that is too long to read in passing,
that talks about the film rather than its story, or that ends mid-thought is not used: the reason
then does without a premise rather than say something garbled.
"""

from __future__ import annotations

import re

MIN_WORDS, MAX_WORDS = 7, 32
ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Lt", "Capt", "Col", "Gen", "Sgt", "Prof", "vs")
# A sentence ends at . ! or ? before a capital (or a quote), not after a title or an initial.
_END = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“A-Z0-9])")
_ASIDE = re.compile(r"\s*\([^()]*\)")
# A later sentence that leans on an earlier one ("Peering in through a window, he sees ...").
_LEANING = re.compile(r"\b(he|she|they|him|her|his|hers|their|them|it|its|this|these|there)\b", re.IGNORECASE)
_ABOUT_THE_FILM = re.compile(r"^(the|this) (film|movie|story|plot|narrative)\b|\bthe film\b", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    parts, start = [], 0
    for match in _END.finditer(text):
        before = text[start : match.start()].rstrip('"”’')
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        if last.rstrip(".") in ABBREVIATIONS or re.fullmatch(r"(?:[A-Z]\.)+", last):
            continue  # "Dr. Grant", "J. R. Ewing", "U.S. Army"
        parts.append(text[start : match.start()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def premise(synopsis: str | None) -> str | None:
    """The first usable sentence of the synopsis's first two, asides cut; None when neither is."""
    if not synopsis:
        return None
    for n, sentence in enumerate(_sentences(synopsis)[:2]):
        cut = " ".join(_ASIDE.sub("", sentence).split())
        cut = re.sub(r"\s+([,.;:!?])", r"\1", cut)
        words = cut.split()
        if not MIN_WORDS <= len(words) <= MAX_WORDS or cut[-1:] not in ".!?" or _ABOUT_THE_FILM.search(cut):
            continue
        if cut.count('"') % 2 or cut.count("(") != cut.count(")") or (n and _LEANING.search(cut)):
            continue
        return cut
    return None
