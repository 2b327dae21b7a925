"""Answers to questions about one film ("why did you suggest it?", "how long is it?"), from the
catalog and the reasons already given: no ranking and no language model involved."""

from __future__ import annotations

from typing import Any

from chatrec.catalog import Catalog
from chatrec.catalog.credits import Credits
from chatrec.dialogue.prompts import reply
from chatrec.dialogue.state import DialogueState


def answer(
    catalog: Catalog, item_id: str, question: str | None, state: DialogueState, credits: Credits | None = None
) -> str:
    """The reply to ``question`` (None: "why this one?") about ``item_id``; ``credits`` orders a
    cast best known first."""
    meta = dict(catalog.get(item_id, {}))
    if credits is not None and meta.get("cast"):
        meta["cast"] = credits.best_known(list(meta["cast"]))
    film = catalog.label(item_id)
    if question is None:
        reason = state.reasons.get(item_id)
        if reason is None:
            return reply("why_unknown", film=film)
        return reply("why", film=film, reason=reason)
    value = _about(meta) if question == "about" else meta.get(question)
    if not value:
        return reply("unknown_fact", what=reply(f"what_{question}"), film=film)
    if isinstance(value, list):
        more = len(value) - 6
        value = ", ".join(value[:6]) + (reply("and_more", count=more) if more > 0 else "")
    return reply(f"answer_{question}", film=film, value=value)


def _about(meta: dict[str, Any]) -> str:
    """ "Tell me more about it": the catalog's facts about a film, in one line."""
    facts = [
        ", ".join(meta.get("genres", [])[:3]).lower(),
        f"directed by {', '.join(meta['directors'][:2])}" if meta.get("directors") else "",
        f"{meta['runtime']} minutes" if meta.get("runtime") else "",
        f"rated {meta['rating']}" if meta.get("rating") else "",
        f"with {', '.join(meta['cast'][:4])}" if meta.get("cast") else "",
        f"critics' score {meta['critic_meter']}%" if meta.get("critic_meter") is not None else "",
    ]
    return "; ".join(f for f in facts if f)
