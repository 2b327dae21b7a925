"""Why an item fits, computed from the catalog and the user's state before any LLM is asked.

A reason is evidence first, words second: the facts here are true by construction, the names in
them are the only names a phrased reason may use, and the plain sentence built from them is the
reason whenever the LLM's phrasing fails its check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatrec.catalog import Item, label_of
from chatrec.dialogue.state import DialogueState

MAX_FACTS = 3


@dataclass
class Evidence:
    item: Item
    facts: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # people and titles the facts mention
    liked_titles: set[str] = field(default_factory=set)  # other films the facts compare it to

    def plain(self) -> str:
        """The facts as one sentence: the reason when no phrasing can be trusted."""
        text = "; ".join(self.facts[:MAX_FACTS]) or "it matches what you asked for"
        return text[0].upper() + text[1:] + "."


def _a(words: str) -> str:
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def _label(meta: Mapping[str, Any]) -> str:
    year = meta.get("year")
    return label_of(str(meta.get("title")), year if isinstance(year, int) else None)


def _list(meta: Mapping[str, Any], key: str) -> list[str]:
    value = meta.get(key) or []
    return list(value) if isinstance(value, list) else [str(value)]


def _from_liked(meta: Mapping[str, Any], liked: Mapping[str, Any], ev: Evidence) -> None:
    title = _label(liked)
    ev.liked_titles.add(str(liked.get("title")))
    directors = [d for d in _list(meta, "directors") if d in _list(liked, "directors")]
    if directors:
        ev.facts.append(f"it is directed by {directors[0]}, who also directed {title}")
        ev.names.update([directors[0], str(liked.get("title"))])
    cast = [c for c in _list(meta, "cast") if c in _list(liked, "cast")][:2]
    if cast:
        ev.facts.append(
            f"it stars {' and '.join(cast)}, who {'are' if len(cast) > 1 else 'is'} also in {title}"
        )
        ev.names.update([*cast, str(liked.get("title"))])
    genres = [g for g in _list(meta, "genres") if g in _list(liked, "genres")][:2]
    if genres and not (directors or cast):
        ev.facts.append(f"it is {_a(' and '.join(g.lower() for g in genres))} film, like {title}")
        ev.names.add(str(liked.get("title")))


def evidence(item: Item, state: DialogueState, catalog: Mapping[str, Mapping[str, Any]]) -> Evidence:
    """The catalog facts that connect ``item`` to what this user said."""
    meta = item.metadata
    ev = Evidence(item, names={item.title})
    for liked_id in reversed(state.liked_ids[-5:]):
        if liked_id in catalog:
            _from_liked(meta, catalog[liked_id], ev)
    credits = {p: role for role in ("directors", "cast", "writers") for p in _list(meta, role)}
    for person in state.likes.people:
        if person in credits:
            verb = {"directors": "is directed by", "cast": "stars", "writers": "is written by"}[
                credits[person]
            ]
            ev.facts.append(f"it {verb} {person}, as you asked")
            ev.names.add(person)
    genres = [g for g in _list(meta, "genres") if g in state.likes.genres]
    if genres:
        ev.facts.append(f"it is {_a(' and '.join(g.lower() for g in genres))} film, as you asked")
    topics = [t for t in _list(meta, "topics") if t in state.likes.topics][:2]
    if topics:  # only the film's own plot topics: a reason never invents what a film is about
        ev.facts.append(f"it is {_a(' and '.join(topics))} story, as you asked")
    year = meta.get("year")
    if isinstance(year, int) and any(d <= year < d + 10 for d in state.likes.decades):
        ev.facts.append(f"it is from {year}, in the decade you like")
    runtime, limit = meta.get("runtime"), state.constraints.max_runtime
    if runtime and limit:
        ev.facts.append(f"it runs {runtime} minutes, within your {limit}-minute limit")
    if not ev.facts:
        genres_text = " and ".join(g.lower() for g in _list(meta, "genres")[:2])
        director = _list(meta, "directors")[:1]
        fact = "it is " + _a(" ".join(str(p) for p in (year, genres_text, "film") if p))
        if director:
            fact += f" directed by {director[0]}"
            ev.names.add(director[0])
        ev.facts.append(" ".join(fact.split()))
    ev.facts = list(dict.fromkeys(ev.facts))
    return ev
