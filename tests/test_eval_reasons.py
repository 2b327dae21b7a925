"""The reasons benchmark on the small catalog with a scripted LLM: cases, refusals, figures."""

from __future__ import annotations

import json

from chatrec.eval.reasons import dialogue_turns, run_turn, summarise
from tests.helpers import ScriptedLLM, make_bot, reason_from_facts, write_jsonl


def test_turns_come_from_the_seekers_first_messages(tmp_path):
    dialogue = {
        "conversationId": "1",
        "initiatorWorkerId": 1,
        "movieMentions": {"111": "Heat (1995)"},
        "messages": [
            {"senderWorkerId": 1, "text": "hi there, how are you"},
            {"senderWorkerId": 2, "text": "fine, what do you like?"},
            {"senderWorkerId": 1, "text": "I loved @111 so much"},
            {"senderWorkerId": 1, "text": "something similar but shorter"},
        ],
    }
    path = write_jsonl(tmp_path / "dev.jsonl", [dialogue])
    assert dialogue_turns(path, 5) == [
        ["hi there, how are you", "I loved Heat so much", "something similar but shorter"]
    ]


def test_a_turn_reports_drafts_refusals_and_shown_reasons(small_retriever, tmp_path):
    liar = ScriptedLLM(script=["It is a comedy that tells the story of a man named Bob.", reason_from_facts])
    bot = make_bot(small_retriever, tmp_path, liar)
    turn = run_turn(bot, ["I loved Heat", "something similar but under two hours"])
    assert len(turn.cases) == 3 and turn.first_reason is not None and turn.whole >= turn.first_reason
    assert all(c.shown_claims == [] and c.taste and c.ties for c in turn.cases)
    refused = [c for c in turn.cases if not c.accepted]
    assert refused and all(any(p.startswith("story") for p in c.problems) for c in refused)
    summary = summarise([turn], "scripted")
    assert summary["shown_false_claims"] == 0 and summary["personal_share"] == 1.0
    assert 0 < summary["acceptance"] < 1 and summary["raw_false_claims_by_kind"]["story"] > 0
    assert summary["template_shared_share"] == 0.0
    json.dumps(summary)


def test_false_claims_are_counted_per_draft_not_per_claim():
    """A 1.5B draft with three story claims made the story share 1.33 of one draft."""
    from chatrec.eval.reasons import Case, Turn

    problems = ["story: who becomes", "story: obsession", "story: about a", "personal: none"]
    case = Case(
        0, "1", "Ted (2012)", "It's a movie about a man who...", problems, "plain", [], True, True, "t", False
    )
    summary = summarise([Turn(["hi"], 1.0, 2.0, cases=[case])], "m")
    assert summary["raw_false_claims_by_kind"]["story"] == 1.0 and summary["raw_false_claim_rate"] == 1.0
