"""Soft wishes steer the ranking: a liked genre, plot topic or decade ("a comedy maybe", "a heist
film", "something from the eighties would be nice") moves matching items ahead of the rest
without excluding anything.

A bonus of a few hundredths on a cosine (what retrieval alone gives a named genre) is noise
beside the ranking's spread, so when the request is all there is to go on (no liked film yet), a
match is worth the whole spread of the candidates' scores: every candidate that matches outranks
every one that does not, and when fewer than k match, the others still fill the list. A softly
disliked genre costs the same.

Once the user has liked a film, what its fans went on to like is the stronger evidence and a wish
only nudges: a match is worth ``SEEDED`` of the spread.

Moods ("something uplifting", "nothing too sad") steer by the film's percentile in the mood index
(:mod:`chatrec.catalog.moods`): a wish adds the spread for every quarter of the percentile range,
``MOOD_SEEDED`` of that after a liked film (a mood said after "I loved X" is the request
of the moment, so it weighs more than a genre taste). A "not" sets every film that has the mood
(percentile >= ``HAS_IT``) behind the rest and lowers the ones above the middle; a film without a
story is never said to have or lack a mood, but for a "not" it goes behind the films known to be
free of it (nothing vouches for it). Chosen on ReDial TRAIN's 1,658 validation
turns (co-occurrence counted on the other four fifths; dedup R@10 / R@50 after MMR): unsteered
.245 / .464, the whole spread .234 / .435, a tenth of it .248 / .468, 0.3 of it .249 / .457.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatrec.catalog import list_field
from chatrec.catalog.moods import HAS_IT, MoodIndex
from chatrec.dialogue.state import DialogueState
from chatrec.store.chroma import Hit

SEEDED = 0.1
MOOD_SEEDED = 0.5
UNKNOWN_EXCESS = 0.5  # an avoided mood's cost to a film without a story: as if at the 75th percentile


def mood_shift(
    item_id: str, wished: Sequence[str], avoided: Sequence[str], index: MoodIndex
) -> tuple[float, bool]:
    """How far the film's moods move it, in shares of the spread (mean over the wished moods of the
    percentile, less the avoided moods' excess over the middle), and whether it has an avoided mood."""
    shift, has_avoided = 0.0, False
    for mood in wished:
        score = index.score(item_id, mood)
        shift += (score or 0) / 100 / len(wished)
    for mood in avoided:
        score = index.score(item_id, mood)
        # a film with no story cannot be vouched for: behind the films known to be free of the
        # mood, ahead of the ones known to have it
        excess = UNKNOWN_EXCESS if score is None else max(0, score - 50) / 50
        shift -= excess / len(avoided)
        has_avoided = has_avoided or (score is not None and score >= HAS_IT)
    return shift, has_avoided


def steer(hits: Sequence[Hit], state: DialogueState, moods: MoodIndex | None = None) -> list[Hit]:
    """The hits with scores raised by the share of liked genres and topics (and decades) each
    matches, and moved by the moods wished or ruled out (``moods``: the packaged index). A topic
    counts only where the film's own plot carries it (metadata ``topics``)."""
    liked, disliked, decades = set(state.likes.genres), set(state.dislikes.genres), state.likes.decades
    topics, avoided = set(state.likes.topics), set(state.dislikes.topics)
    wished_moods, avoided_moods = state.likes.moods, state.dislikes.moods
    if not hits or not (liked or disliked or decades or topics or avoided or wished_moods or avoided_moods):
        return list(hits)
    index = MoodIndex.load() if moods is None else moods
    scores = [h.score for h in hits]
    whole = max(scores) - min(scores) + 1e-6  # a match beats every non-match, ties included
    spread = whole * SEEDED if state.liked_ids else whole
    # a quarter of the percentile range is worth the whole spread: a film at the top of the mood
    # outranks every film below its "has it" band (HAS_IT) when the mood is all there is to go on
    mood_spread = whole / (1 - HAS_IT / 100) * (MOOD_SEEDED if state.liked_ids else 1.0)
    steered = []
    for hit in hits:
        genres = set(hit.item.metadata.get("genres", []))  # type: ignore[arg-type]
        match = len(genres & liked) / len(liked) if liked else 0.0
        if topics:
            match += len(topics.intersection(list_field(hit.item.metadata, "topics"))) / len(topics)
        year = hit.item.year
        if decades and year is not None and any(d <= year < d + 10 for d in decades):
            match += 1.0
        penalty = 1.0 if genres & disliked else 0.0
        # "no mafia" is no soft wish: a film whose plot carries it goes behind every other
        banned = whole if avoided.intersection(list_field(hit.item.metadata, "topics")) else 0.0
        shift, has_avoided = mood_shift(hit.item.id, wished_moods, avoided_moods, index)
        banned += whole * 2 if has_avoided else 0.0  # behind every film without it, whatever its shift
        steered.append(
            replace(hit, score=hit.score + spread * (match - penalty) + mood_spread * shift - banned)
        )
    return sorted(steered, key=lambda h: -h.score)
