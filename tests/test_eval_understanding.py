"""The understanding eval's arithmetic on a ReDial-format file small enough to check by hand."""

from __future__ import annotations

import json

from chatrec.eval.understanding import agent_reader, evaluate_understanding

CATALOG = {
    "h95": {"title": "Heat", "year": 1995, "imdb_id": "tt0113277", "reviews": 100},
    "gf": {"title": "The Godfather", "year": 1972, "imdb_id": "tt0068646", "reviews": 90},
}


def write_data(tmp_path):
    dialogue = {
        "conversationId": "1",
        "initiatorWorkerId": 1,
        "respondentWorkerId": 2,
        "movieMentions": {"10": "Heat (1995)", "20": "The Godfather (1972)", "30": "Not Here (2019)"},
        "initiatorQuestions": {
            "10": {"liked": 1, "seen": 1, "suggested": 0},
            "20": {"liked": 0, "seen": 1, "suggested": 0},
        },
        "messages": [
            {"senderWorkerId": 1, "text": "I loved @10 but @20 was boring"},
            {"senderWorkerId": 2, "text": "then try @30"},  # recommender: not a sample
            {"senderWorkerId": 1, "text": "is @30 any good?"},  # its film is not in the catalog
        ],
    }
    data = tmp_path / "dev.jsonl"
    data.write_text(json.dumps(dialogue) + "\n")
    (tmp_path / "redial_imdb.csv").write_text("movieId,imdbId\n10,tt0113277\n20,tt0068646\n30,tt9999999\n")
    return data


def test_precision_recall_and_polarity_by_hand(tmp_path):
    data = write_data(tmp_path)

    def one_right_one_wrong(text: str) -> dict[str, str]:
        return {"h95": "liked", "elsewhere": "liked"} if "Heat" in text or "heat" in text else {}

    rows, header = evaluate_understanding(data, CATALOG, {"fake": one_right_one_wrong}, tmp_path / "out")
    assert "2 seeker messages" in header and "2 of 3 mentions" in header
    canonical = next(r for r in rows if r["rendering"] == "canonical")
    assert (canonical["precision"], canonical["recall"]) == (0.5, 0.5)
    assert canonical["polarity_mentions"] == 1 and canonical["polarity_accuracy"] == 1.0
    assert (tmp_path / "out" / "metrics.md").read_text().count("| fake |") == 2


def test_the_agents_reader_on_both_renderings(tmp_path):
    data = write_data(tmp_path)
    readers = {"reader": agent_reader(CATALOG, trained=True)}
    rows, _ = evaluate_understanding(data, CATALOG, readers, tmp_path / "out")
    canonical = next(r for r in rows if r["rendering"] == "canonical")
    assert (canonical["precision"], canonical["recall"]) == (1.0, 1.0)
    assert canonical["polarity_accuracy"] == 1.0 and canonical["disliked_recall"] == 1.0
