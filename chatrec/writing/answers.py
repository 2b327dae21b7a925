"""Answers to questions about one film ("who stars in the middle one?", "what's it about?", "ok
for kids?"), from the catalog, the quoted plot synopsis and the reasons already given: no ranking
and no language model, so nothing here can be invented.
"""

from __future__ import annotations

from typing import Any

from chatrec.catalog import Catalog
from chatrec.catalog.credits import Credits
from chatrec.catalog.synopses import CREDIT, Synopses
from chatrec.dialogue.state import DialogueState
from chatrec.writing.prompts import reply

FIELDS = {"cast": "cast", "director": "directors", "runtime": "runtime", "year": "year", "rating": "rating"}
KIDS_RATINGS = {"G", "PG"}
ADULT_GENRES = {"Horror", "Thriller", "Crime", "War"}


def answer(
    catalog: Catalog,
    item_id: str,
    question: str | None,
    state: DialogueState,
    credits: Credits | None = None,
    synopses: Synopses | None = None,
) -> str:
    """The reply to ``question`` (None or "why": "why this one?") about ``item_id``; ``credits``
    orders a cast best known first; ``synopses`` quotes the story."""
    meta = dict(catalog.get(item_id, {}))
    if credits is not None and meta.get("cast"):
        meta["cast"] = credits.best_known(list(meta["cast"]))
    film = catalog.label(item_id)
    if question in (None, "why"):
        reason = state.reasons.get(item_id)
        return reply("why_unknown", film=film) if reason is None else reply("why", film=film, reason=reason)
    if question == "story":
        return _story(film, meta, synopses.get(item_id) if synopses else None)
    if question == "suitability":
        return _suitability(film, meta)
    if question == "genre":
        value: Any = meta.get("genres")
        key = "genres"
    else:
        key = FIELDS.get(str(question), str(question))
        value = meta.get(key)
    if not value:
        return reply("unknown_fact", what=reply(f"what_{key}"), film=film)
    return reply(f"answer_{key}", film=film, value=_listing(value))


def _listing(value: Any, most: int = 6) -> str:
    if not isinstance(value, list):
        return str(value)
    more = len(value) - most
    return ", ".join(value[:most]) + (reply("and_more", count=more) if more > 0 else "")


def _story(film: str, meta: dict[str, Any], synopsis: str | None) -> str:
    """The story quoted from Wikipedia (credited), then the facts a person asks next."""
    facts = [
        f"directed by {', '.join(meta['directors'][:2])}" if meta.get("directors") else "",
        f"with {', '.join(meta['cast'][:4])}" if meta.get("cast") else "",
        f"{meta['runtime']} minutes" if meta.get("runtime") else "",
        ", ".join(meta.get("genres", [])[:3]).lower(),
    ]
    line = "; ".join(f for f in facts if f)
    if synopsis:
        return reply("answer_story", film=film, synopsis=synopsis, credit=CREDIT, facts=line)
    return reply("answer_no_story", film=film, facts=line or reply("what_about"))


def _suitability(film: str, meta: dict[str, Any]) -> str:
    """What the catalog can say about a film for children: its rating and genres, no verdict it
    cannot back."""
    rating, genres = meta.get("rating"), list(meta.get("genres", []))
    listed = ", ".join(genres[:3]).lower() or "no genre"
    if rating in KIDS_RATINGS and not ADULT_GENRES.intersection(genres):
        return reply("answer_kids_yes", film=film, rating=rating, genres=listed)
    if rating:
        return reply("answer_kids_rated", film=film, rating=rating, genres=listed)
    return reply("answer_kids_unknown", film=film, genres=listed)
