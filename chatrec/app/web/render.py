"""Rendering for the web app: pure functions from library data to HTML and chat messages.

Every catalog and LLM string is HTML-escaped here, because catalog rows are data, not markup.
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict
from typing import Any

from chatrec.catalog import Catalog
from chatrec.catalog.wording import Wording
from chatrec.dialogue.state import DialogueState
from chatrec.errors import InputError

CSS = """
.rec-card { padding: 0.6rem 0.8rem; }
.rec-title { font-weight: 600; font-size: 1.05rem; }
.rec-facts { opacity: 0.75; font-size: 0.9rem; }
.rec-reason { margin: 0.4rem 0 0 0; }
.rec-feedback { font-size: 0.85rem; opacity: 0.8; }
.rec-credit { font-size: 0.75rem; opacity: 0.6; margin: 0.2rem 0 0 0; }
.pref-row { flex-wrap: wrap; gap: 0.4rem; }
.pref-chip { flex: none !important; width: auto !important; min-width: fit-content !important;
             white-space: nowrap; }
"""

Messages = list[dict[str, str]]
Card = dict[str, Any]
Entry = dict[str, str]


def card_html(card: Card, wording: Wording | None = None) -> str:
    """One recommendation as a card, in the catalog's words ("dir." for films); every field escaped."""
    label = (wording or Wording()).card_label("directors")
    facts = [
        str(card.get("year") or ""),
        ", ".join(card.get("genres") or []),
        (f"{label} " + ", ".join(card["directors"][:2])) if card.get("directors") else "",
        f"{card['runtime']} min" if card.get("runtime") else "",
        str(card.get("rating") or ""),
    ]
    mark = {"liked": "👍 you liked this", "disliked": "👎 noted: it will not come back"}.get(
        card.get("feedback", ""), ""
    )
    return (
        '<div class="rec-card">'
        f'<div class="rec-title">{html.escape(str(card["title"]))}</div>'
        f'<div class="rec-facts">{html.escape(" · ".join(f for f in facts if f))}</div>'
        f'<p class="rec-reason">{html.escape(str(card.get("reason") or ""))}</p>'
        + (f'<p class="rec-credit">{html.escape(str(card["credit"]))}</p>' if card.get("credit") else "")
        + (f'<div class="rec-feedback">{mark}</div>' if mark else "")
        + "</div>"
    )


def preference_entries(state: DialogueState, catalog: Catalog) -> list[Entry]:
    """The session's preferences as removable chips (plain dicts: Gradio state is JSON)."""
    return [asdict(e) for e in state.entries(catalog.label)]


def history_messages(history: list[Any]) -> Messages:
    """Stored messages as the chat showed them, notices included (escaped like live ones)."""
    return [{"role": m.role, "content": with_notices(m.text, m.notices)} for m in history]


def last_cards(history: list[Any], state: DialogueState) -> list[Card]:
    """The cards of the latest turn that recommended something, with the feedback given since."""
    for message in reversed(history):
        if message.recommendations:
            return [with_feedback(dict(card), state) for card in message.recommendations]
    return []


def with_feedback(card: Card, state: DialogueState) -> Card:
    card["feedback"] = (
        "liked"
        if card["item_id"] in state.liked_ids
        else "disliked"
        if card["item_id"] in state.disliked_ids
        else ""
    )
    return card


def as_int(value: float | None) -> int | None:
    """A number field's value as a whole number; infinity and NaN are refused, not crashed on."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise InputError("numbers must be finite")
    return int(value)


def replied(past: Messages, reply: str) -> Messages:
    return [*past, {"role": "assistant", "content": reply}]


def with_notices(text: str, notices: list[str]) -> str:
    lines = [f"_{html.escape(n)}_" for n in notices]
    return "\n\n".join([*lines, html.escape(text)]) if lines else html.escape(text)
