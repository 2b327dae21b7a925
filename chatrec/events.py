"""Typed turn events: what ``ChatRec.stream()`` yields and every front end renders.

Order within a turn: ``Notice``s, then ``Recommendations`` (before any text), then ``TextDelta``s
and ``Reason``s as the reply is written, then one ``Done`` carrying the whole ``Reply``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec.catalog import label_of, list_field
from chatrec.dialogue.state import DialogueState
from chatrec.store.chroma import Hit


@dataclass(frozen=True)
class Recommendation:
    """One recommended catalog item, with the facts a card shows and the reason we give."""

    item_id: str
    title: str
    year: int | None
    reason: str
    score: float
    genres: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    runtime: int | None = None
    rating: str | None = None
    credit: str | None = None  # "Plot: Wikipedia, CC BY-SA" when the reason quotes the film's plot

    @property
    def label(self) -> str:
        return label_of(self.title, self.year)

    @classmethod
    def from_hit(cls, hit: Hit, reason: str, credit: str | None = None) -> Recommendation:
        item = hit.item
        rating = item.metadata.get("rating")
        return cls(
            item_id=item.id,
            title=item.title,
            year=item.year,
            reason=reason,
            score=round(hit.score, 4),
            genres=item.genres,
            directors=list_field(item.metadata, "directors"),
            runtime=item.runtime,
            rating=str(rating) if rating else None,
            credit=credit,
        )


@dataclass
class Reply:
    """A whole turn's result, as ``ChatRec.chat()`` returns it."""

    text: str
    recommendations: list[Recommendation]
    state: DialogueState
    intent: str = "request"
    notices: list[str] = field(default_factory=list)
    session_id: str = ""  # the token to continue this conversation with
    acts: list[str] = field(default_factory=list)  # what the message did: request, question, feedback...


@dataclass(frozen=True)
class Notice:
    text: str


@dataclass(frozen=True)
class Recommendations:
    items: list[Recommendation]


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Reason:
    """The final reason for one item, once its phrasing has been checked. ``draft`` is the LLM's
    sentence (None when no LLM was asked) and ``problems`` the claims that kept it from being
    shown, as ``kind: words`` (what the reasons benchmark counts)."""

    item_id: str
    text: str
    draft: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Done:
    reply: Reply


Event = Notice | Recommendations | TextDelta | Reason | Done


@dataclass
class Draft:
    """What a turn has said so far; each method returns the event that says it."""

    parts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)

    def say(self, text: str) -> TextDelta:
        self.parts.append(text)
        return TextDelta(text)

    def notice(self, text: str) -> Notice:
        self.notices.append(text)
        return Notice(text)
