"""Typed turn events: what ``ChatRec.stream()`` yields and every front end renders.

Order within a turn: ``Notice``s, then ``Recommendations`` (before any text), then ``TextDelta``s
and ``Reason``s as the reply is written, then one ``Done`` carrying the whole ``Reply``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec.state import DialogueState
from chatrec.store import Hit


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

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @classmethod
    def from_hit(cls, hit: Hit, reason: str) -> Recommendation:
        meta = hit.item.metadata
        return cls(
            item_id=hit.item.id,
            title=hit.item.title,
            year=hit.item.year,
            reason=reason,
            score=round(hit.score, 4),
            genres=list(meta.get("genres", [])),  # type: ignore[arg-type]
            directors=list(meta.get("directors", [])),  # type: ignore[arg-type]
            runtime=meta.get("runtime"),  # type: ignore[arg-type]
            rating=meta.get("rating"),  # type: ignore[arg-type]
        )


@dataclass
class Reply:
    """A whole turn's result, as ``ChatRec.chat()`` returns it."""

    text: str
    recommendations: list[Recommendation]
    state: DialogueState
    intent: str = "request"
    notices: list[str] = field(default_factory=list)


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
    """The final reason for one item, once its phrasing has been checked."""

    item_id: str
    text: str


@dataclass(frozen=True)
class Done:
    reply: Reply


Event = Notice | Recommendations | TextDelta | Reason | Done
