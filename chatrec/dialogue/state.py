"""The explicit picture of one user's tastes: what the UI shows, feedback edits, sessions store,
and retrieval filters on. Plain data; every change goes through a method that keeps it consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic import BaseModel, ConfigDict, Field

from chatrec.catalog.filters import Filters
from chatrec.dialogue.preferences import Entry, EntryKind, constraint_words


class Tastes(BaseModel):
    """Attributes a user said they like (or dislike): soft signals, not guarantees."""

    model_config = ConfigDict(extra="forbid")

    genres: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    decades: list[int] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)  # plot topics ("heist"), chatrec/catalog/topics.py
    # moods ("feel-good"; as a dislike: "nothing too sad"), chatrec/understanding/lexicon.py MOODS
    moods: list[str] = Field(default_factory=list)


# Per-session caps, newest kept: 10,000 👍 must not make every later turn slow.
MAX_LIKES = 200  # liked or disliked items, and liked or disliked genres and people
MAX_FRAMES = 6  # reason templates of the last two turns: a third turn may not repeat them
MAX_SHOWN = 500  # items shown or mentioned (the exclusion list) and their reasons


def _add(values: list, *new: object, keep: int = MAX_LIKES) -> None:
    for value in new:
        if value not in values:
            values.append(value)
    del values[:-keep]


def _drop(values: list, *old: object) -> None:
    values[:] = [v for v in values if v not in old]


class DialogueState(BaseModel):
    """Likes, dislikes, hard constraints and what was already shown or mentioned."""

    model_config = ConfigDict(extra="forbid")

    liked_ids: list[str] = Field(default_factory=list)
    disliked_ids: list[str] = Field(default_factory=list)
    mentioned_ids: list[str] = Field(default_factory=list)  # titles the user named: seen, not shown back
    likes: Tastes = Field(default_factory=Tastes)
    dislikes: Tastes = Field(default_factory=Tastes)
    constraints: Filters = Field(default_factory=Filters)
    shown_ids: list[str] = Field(default_factory=list)
    last_shown: list[str] = Field(default_factory=list)
    reasons: dict[str, str] = Field(default_factory=dict)  # item id -> the reason we gave
    focus_id: str | None = None  # the film just discussed: what "it" and "that one" mean
    frames: list[str] = Field(default_factory=list)  # the last turns' reason templates: not said again

    def like(self, item_id: str) -> None:
        _add(self.liked_ids, item_id)
        _add(self.mentioned_ids, item_id, keep=MAX_SHOWN)
        _drop(self.disliked_ids, item_id)

    def dislike(self, item_id: str) -> None:
        _add(self.disliked_ids, item_id)
        _add(self.mentioned_ids, item_id, keep=MAX_SHOWN)
        _drop(self.liked_ids, item_id)

    def mention(self, item_id: str) -> None:
        _add(self.mentioned_ids, item_id, keep=MAX_SHOWN)

    def like_attributes(
        self,
        genres: Iterable[str] = (),
        people: Iterable[str] = (),
        decades: Iterable[int] = (),
        topics: Iterable[str] = (),
        moods: Iterable[str] = (),
    ) -> None:
        _add(self.likes.topics, *topics)
        _add(self.likes.moods, *moods)
        _drop(self.dislikes.moods, *moods)
        _add(self.likes.genres, *genres)
        _add(self.likes.people, *people)
        _add(self.likes.decades, *decades)
        _drop(self.dislikes.genres, *genres)
        _drop(self.dislikes.people, *people)
        _drop(self.dislikes.topics, *topics)

    def dislike_attributes(
        self,
        genres: Iterable[str] = (),
        people: Iterable[str] = (),
        topics: Iterable[str] = (),
        moods: Iterable[str] = (),
    ) -> None:
        _add(self.dislikes.moods, *moods)
        _drop(self.likes.moods, *moods)
        _add(self.dislikes.genres, *genres)
        _add(self.dislikes.people, *people)
        _add(self.dislikes.topics, *topics)
        _drop(self.likes.genres, *genres)
        _drop(self.likes.people, *people)
        _drop(self.likes.topics, *topics)

    def constrain(self, **changes: object) -> None:
        """Merge constraint changes; a new year or runtime bound that contradicts the old range
        replaces it, and so does a genre wished after it was ruled out (or the reverse)."""
        merged = {**self.constraints.model_dump(), **changes}
        year_from, year_to = merged["year_from"], merged["year_to"]
        if year_from is not None and year_to is not None and year_from > year_to:
            merged["year_to" if "year_from" in changes else "year_from"] = None
        shortest, longest = merged["min_runtime"], merged["max_runtime"]
        if shortest is not None and longest is not None and shortest > longest:
            merged["max_runtime" if "min_runtime" in changes else "min_runtime"] = None
        for key in ("genres", "not_genres", "ratings", "languages", "people"):
            merged[key] = list(dict.fromkeys(merged[key]))
        # the newer word wins: "comedy is fine" after "no comedy", "no horror" after "horror"
        if "genres" in changes:
            merged["not_genres"] = [g for g in merged["not_genres"] if g not in merged["genres"]]
        elif "not_genres" in changes:
            merged["genres"] = [g for g in merged["genres"] if g not in merged["not_genres"]]
        self.constraints = Filters.model_validate(merged)

    def record_shown(self, ids: list[str], reasons: dict[str, str], frames: Iterable[str] = ()) -> None:
        _add(self.shown_ids, *ids, keep=MAX_SHOWN)
        self.frames = [*self.frames, *frames][-MAX_FRAMES:]
        self.last_shown = list(ids)
        self.focus_id = None  # "it" now means the first of these, unless the turn named a film
        self.reasons.update(reasons)
        kept = set(self.shown_ids)
        self.reasons = {i: r for i, r in self.reasons.items() if i in kept}

    def excluded_ids(self) -> list[str]:
        """Never recommend these: already shown, disliked, or named by the user (seen)."""
        return list(dict.fromkeys([*self.shown_ids, *self.disliked_ids, *self.mentioned_ids]))

    def entries(self, label: Callable[[str], str]) -> list[Entry]:
        """Every preference as a removable entry; ``label`` names an item id (``Heat (1995)``)."""
        found = [Entry("Likes", "liked", i, label(i)) for i in self.liked_ids]
        found += [Entry("Likes", "liked_genre", g, g) for g in self.likes.genres]
        found += [Entry("Likes", "liked_person", p, p) for p in self.likes.people]
        found += [Entry("Likes", "liked_topic", t, t) for t in self.likes.topics]
        found += [Entry("Likes", "liked_mood", m, m) for m in self.likes.moods]
        found += [Entry("Likes", "liked_decade", str(d), f"the {d}s") for d in self.likes.decades]
        found += [Entry("Dislikes", "disliked", i, label(i)) for i in self.disliked_ids]
        found += [Entry("Dislikes", "disliked_genre", g, g) for g in self.dislikes.genres]
        found += [Entry("Dislikes", "disliked_person", p, p) for p in self.dislikes.people]
        found += [Entry("Dislikes", "disliked_topic", t, t) for t in self.dislikes.topics]
        found += [Entry("Dislikes", "disliked_mood", m, f"nothing too {m}") for m in self.dislikes.moods]
        words = constraint_words(self.constraints)
        return found + [Entry("Constraints", "constraint", name, text) for name, text in words.items()]

    def remove(self, kind: EntryKind | str, value: str) -> bool:
        """Undo one entry (see :meth:`entries`); returns whether anything changed."""
        lists: dict[str, list[str]] = {
            "liked": self.liked_ids,
            "disliked": self.disliked_ids,
            "liked_genre": self.likes.genres,
            "liked_person": self.likes.people,
            "liked_topic": self.likes.topics,
            "disliked_genre": self.dislikes.genres,
            "disliked_person": self.dislikes.people,
            "disliked_topic": self.dislikes.topics,
            "liked_mood": self.likes.moods,
            "disliked_mood": self.dislikes.moods,
        }
        if kind in lists:
            before = len(lists[kind])
            _drop(lists[kind], value)
            return len(lists[kind]) != before
        if kind == "liked_decade":
            before = len(self.likes.decades)
            _drop(self.likes.decades, int(value))
            return len(self.likes.decades) != before
        if kind == "constraint" and value in Filters.model_fields:
            default = Filters.model_fields[value].get_default(call_default_factory=True)
            changed = getattr(self.constraints, value) != default
            self.constraints = self.constraints.model_copy(update={value: default})
            return changed
        return False
