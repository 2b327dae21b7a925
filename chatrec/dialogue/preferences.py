"""One vocabulary for a user's preferences: the entries a state holds and their words.

The web app's removable chips, the replies ("nothing matches: from 1980; at most 119 min") and the
terminal all describe preferences through here, and :meth:`DialogueState.remove` takes the same
``kind`` / ``value`` pairs back, so a wording or a kind is defined once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chatrec.catalog.filters import Filters

Group = Literal["Likes", "Dislikes", "Constraints"]
EntryKind = Literal[
    "liked",
    "disliked",
    "liked_genre",
    "liked_person",
    "liked_topic",
    "liked_decade",
    "liked_mood",
    "disliked_mood",
    "disliked_genre",
    "disliked_person",
    "disliked_topic",
    "constraint",
]


@dataclass(frozen=True)
class Entry:
    """One removable preference: ``kind`` and ``value`` are what :meth:`DialogueState.remove` takes."""

    group: Group
    kind: EntryKind
    value: str
    label: str


def constraint_words(c: Filters) -> dict[str, str]:
    """Each set constraint field in words, in a fixed order."""
    words = {
        "year_from": f"from {c.year_from}",
        "year_to": f"until {c.year_to}",
        "max_runtime": f"at most {c.max_runtime} min",
        "min_runtime": f"at least {c.min_runtime} min",
        "genres": "only " + ", ".join(g.lower() for g in c.genres),
        "not_genres": "no " + ", ".join(g.lower() for g in c.not_genres),
        "ratings": "rated " + "/".join(c.ratings),
        "languages": "in " + " or ".join(c.languages),
        "people": "with " + ", ".join(c.people),
    }
    return {name: text for name, text in words.items() if getattr(c, name)}


def describe_constraints(c: Filters) -> str:
    """All constraints in one phrase ("from 1980; at most 119 min"), empty when there are none."""
    return "; ".join(constraint_words(c).values())
