"""The reply's first line: it reacts to what this message changed, built from the acts and the state.

"No musicals, and nothing before 2012 — here is what fits." "I don't know Arrival (2016) — my
catalog runs from 1940 to 2014 — but from Contact (1997), try these." Every part is a fact of the
state or the catalog (true by construction, nothing for the claim checker to refuse), and each
kind of sentence has several frames, turned by the conversation's length so that two turns in a
row do not open alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chatrec.catalog import Catalog
from chatrec.dialogue.state import DialogueState
from chatrec.understanding.numbers import SHORTEST_FILM
from chatrec.understanding.understand import Understanding
from chatrec.writing.prompts import replies, reply


def opening(
    understanding: Understanding,
    state: DialogueState,
    catalog: Catalog,
    years: tuple[int, int] | None,
    plural: str = "films",
    moods_judged: bool = False,
) -> str:
    """One or two sentences that say what this turn heard and what it now looks for; ``plural``
    names what the catalog holds ("films", "books"); ``moods_judged``: the items shown have mood
    scores (the default catalog's mood index), so moods were steered by, not only noted."""
    turn = len(state.shown_ids) // 3 + len(state.mentioned_ids)
    parts = [impossible(understanding, years)] if understanding.impossible else []
    if understanding.missing:
        names = _join(understanding.missing)
        span = f"{years[0]} to {years[1]}" if years else "the years it covers"
        parts.append(_frame("open_missing", turn, names=names, span=span, last=years[1] if years else ""))
    dropped = [catalog.label(i) for i, said in understanding.feedback if said == "disliked" and i in catalog]
    seen = [catalog.label(i) for i, said in understanding.feedback if said == "seen" and i in catalog]
    if dropped:
        parts.append(_frame("open_dropped", turn, films=_join(dropped)))
    if seen:
        parts.append(_frame("open_seen", turn, films=_join(seen)))
    if understanding.avoided_moods or understanding.moods:
        parts.append(_moods(understanding, turn, "" if moods_judged else "_unjudged"))
    looking = _looking_for(understanding, state, plural)
    liked = [catalog.label(i) for i in understanding.wish.liked if i in catalog]
    if not liked and not looking and not parts and state.liked_ids:
        liked = [catalog.label(i) for i in state.liked_ids[-2:] if i in catalog]
    if looking and liked:
        parts.append(
            _frame("open_wish_liked", turn, wish=looking, wish_cap=_capital(looking), liked=_join(liked))
        )
    elif looking:
        parts.append(_frame("open_wish", turn, wish=looking, wish_cap=_capital(looking)))
    elif liked:
        parts.append(_frame("open_liked", turn, liked=_join(liked)))
    if not parts:
        parts.append(_frame("open_plain", turn))
    return " ".join(parts)


def impossible(understanding: Understanding, years: tuple[int, int] | None) -> str:
    """What no item can meet, said with what the catalog spans ("My films run from 1940 to 2014,
    so none is from 1850–1860.")."""
    said = []
    if asked := understanding.impossible.get("years"):
        span = f"{years[0]} to {years[1]}" if years else "the years they cover"
        said.append(reply("impossible_years", asked=asked, span=span))
    if minutes := understanding.impossible.get("runtime"):
        said.append(reply("impossible_runtime", minutes=minutes, shortest=SHORTEST_FILM))
    return " ".join(said)


def unchecked(counts: Mapping[str, int], noun: str, plural: str) -> str:
    """The films a runtime or rating limit could not check, said rather than silently dropped:
    "1,234 films that fit the rest have no known running time, so I could not check them and
    left them out." Empty when every film could be checked."""
    return " ".join(
        reply(f"unchecked_{name}", count=f"{count:,}", plural=plural if count > 1 else noun)
        for name, count in sorted(counts.items())
        if count
    )


def _looking_for(u: Understanding, state: DialogueState, plural: str) -> str:
    """What the cards now are, as a noun phrase: "horror films from the 1970s, at most 119
    minutes". The limits still in force are said with a new wish, so none hides behind it."""
    c, changed = state.constraints, u.constraints
    wish = bool(u.wish.genres or u.wish.people or u.wish.topics)
    if not wish and not {"year_from", "year_to", "max_runtime", "not_genres"} & set(changed):
        return ""
    genres = " and ".join(g.lower() for g in (u.wish.genres or c.genres))
    phrase = [f"{genres} {plural}" if genres else plural]  # "horror films about heists from the 1970s"
    if u.wish.topics:
        phrase.append("about " + " and ".join(u.wish.topics))
    if u.wish.people:
        phrase.append("with " + _join(u.wish.people))
    if wish or "year_from" in changed or "year_to" in changed:
        phrase.append(_years(c.year_from, c.year_to))
    limits = []  # after commas: ", at most 119 minutes long, no musical"
    if c.max_runtime and (wish or "max_runtime" in changed):
        limits.append(f"at most {c.max_runtime} minutes long")
    if c.not_genres and (wish or "not_genres" in changed):
        limits.append("no " + " or ".join(g.lower() for g in c.not_genres))
    return ", ".join([" ".join(w for w in phrase if w), *limits])


def _years(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        if high - low == 9 and low % 10 == 0:
            return f"from the {low}s"
        return f"from {low}" if low == high else f"from {low} to {high}"
    if low is not None:
        return f"from {low} on"
    if high is not None:
        return f"up to {high}"
    return ""


def _moods(u: Understanding, turn: int, kind: str) -> str:
    avoided = " or ".join(u.avoided_moods)
    wished = " and ".join(u.moods)
    if avoided and wished:
        return _frame(f"open_moods_both{kind}", turn, avoided=avoided, wished=wished)
    if avoided:
        return _frame(f"open_mood_avoid{kind}", turn, moods=avoided)
    return _frame(f"open_mood{kind}", turn, moods=wished)


def _frame(name: str, turn: int, **values: object) -> str:
    frames: Sequence[str] | str = replies()[name]
    chosen = frames if isinstance(frames, str) else frames[turn % len(frames)]
    return chosen.format(**values)


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
