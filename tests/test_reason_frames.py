"""Reasons that do not read like a form (issue 31): over 100 turns of conversations as people
type them, no two reasons of a reply share a frame (the sentence with names, genres, numbers and
the premise taken out), a frame of the last two turns is not said again, limits are never recited
as reasons, and a score or an award is said at most once per reply."""

from __future__ import annotations

import re
from collections import Counter

from chatrec.agent import ChatRec
from chatrec.writing.phrasing import template
from tests.helpers import make_settings, plain_bot

CONVERSATIONS = [
    ["i loved heat", "more like that", "anything shorter?", "something from the 90s"],
    ["a funny movie please", "more", "no horror, and under 2 hours", "what else"],
    ["i like tom hanks", "more of his", "something older", "others?"],
    ["scary ones from the 80s", "more", "less gory maybe", "ok what else"],
    ["i really liked toy story", "something for my kids", "more", "any older ones"],
]


def test_no_frame_repeats_in_a_reply_or_across_three_turns(small_retriever, tmp_path):
    bot: ChatRec = plain_bot(small_retriever, make_settings(tmp_path))
    turns = in_reply = across = recited = scores = 0
    while turns < 100:
        for conversation in CONVERSATIONS:
            session = bot.new_session()
            last: list[list[str]] = []
            for message in conversation:
                reply = bot.chat(message, session)
                turns += 1
                frames = [
                    template(r.reason, bot.evidencer.evidence(bot.catalog.item(r.item_id), reply.state))
                    for r in reply.recommendations
                ]
                in_reply += sum(n - 1 for n in Counter(frames).values())
                across += sum(f in {g for turn in last[-2:] for g in turn} for f in frames)
                last.append(frames)
                reasons = [r.reason for r in reply.recommendations]
                recited += sum(
                    bool(re.search(r"\blimit\b|\bwithin your\b|\bno \w+, as you asked", r)) for r in reasons
                )
                scores += max(0, sum(bool(re.search(r"\d+% |Oscar", r)) for r in reasons) - 1)
    assert (in_reply, recited, scores) == (0, 0, 0)
    assert across <= turns // 20, f"{across} frames of the last two turns said again in {turns} turns"
