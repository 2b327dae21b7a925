"""Metric code and sample building on small hand-made cases with known answers."""

from __future__ import annotations

import math

import pytest

from chatrec import metrics
from chatrec.catalog.interactions import MentionLinker
from chatrec.catalog.titles import TitleIndex, normalise_title, split_year
from chatrec.eval.run import SystemResult, score
from chatrec.ingest.redial import LinkStats, dialogue_samples, split_of


def test_recall():
    assert metrics.recall_at(["a", "b", "c"], ["b", "z"], 1) == 0.0
    assert metrics.recall_at(["a", "b", "c"], ["b", "z"], 2) == 0.5
    assert metrics.recall_at(["a", "b", "c"], ["c", "a"], 3) == 1.0
    with pytest.raises(ValueError):
        metrics.recall_at(["a"], [], 1)


def test_ndcg_by_hand():
    # one target at rank 2: DCG = 1/log2(3); ideal = 1
    assert metrics.ndcg_at(["x", "t"], ["t"], 10) == pytest.approx(1 / math.log2(3))
    # two targets at ranks 1 and 3: DCG = 1 + 1/2; ideal = 1 + 1/log2(3)
    assert metrics.ndcg_at(["t1", "x", "t2"], ["t1", "t2"], 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # cut off at k: the target at rank 3 does not count at k = 2
    assert metrics.ndcg_at(["x", "y", "t"], ["t"], 2) == 0.0
    assert metrics.ndcg_at(["t"], ["t"], 1) == 1.0


def test_mrr_duplicates_share():
    assert metrics.reciprocal_rank(["a", "b", "t"], ["t", "b"]) == 0.5
    assert metrics.reciprocal_rank(["a"], ["t"]) == 0.0
    assert metrics.duplicate_rate(["a", "b", "a", "a"]) == 0.5
    assert metrics.share_in(["a", "b", "c", "d"], {"a", "d", "q"}) == 0.5


ROWS = [
    ("1", "Heat", 1995, 154),
    ("2", "Heat", 1972, 9),
    ("3", "The Matrix", 1999, 200),
    ("4", "Lethal Weapon", 1987, 50),
    ("5", "Amélie", 2001, 100),
]
TITLES = TitleIndex(ROWS)
CATALOG = {i: {"title": t, "year": y, "reviews": r, "imdb_id": f"tt{i}"} for i, t, y, r in ROWS}


def linker() -> MentionLinker:
    """Title linking only (no IMDb table), as for a ReDial file without redial_imdb.csv."""
    return MentionLinker(CATALOG, {})


def test_title_linking():
    assert normalise_title("The Matrix") == normalise_title("Matrix, The") == "matrix"
    assert split_year("Police Academy  (1984)") == ("Police Academy", 1984)
    assert TITLES.link_name("Heat (1995)") == "1"
    assert TITLES.link_name("Heat (1973)") == "2"  # year ±1
    assert TITLES.link_name("Heat (1980)") is None
    assert TITLES.link_name("Heat") == "1"  # no year: the most reviewed
    assert TITLES.link_name("Amelie (2001)") == "5"
    assert TITLES.link_name("Unknown Film (2001)") is None


DIALOGUE = {
    "conversationId": "42",
    "initiatorWorkerId": 1,
    "respondentWorkerId": 2,
    "movieMentions": {
        "10": "The Matrix (1999)",
        "11": "Heat (1995)",
        "12": "Not In Catalog (2017)",
        "13": "Lethal Weapon (1987)",
    },
    "messages": [
        {"senderWorkerId": 1, "text": "Hi! I loved @10"},
        {"senderWorkerId": 2, "text": "Try @11 or @12"},
        {"senderWorkerId": 2, "text": "How about @12 then?"},
        {"senderWorkerId": 1, "text": "Seen @11 already"},
        {"senderWorkerId": 2, "text": "Then @13, or @11 again SECRET"},
        {"senderWorkerId": 1, "text": "LATER MESSAGE"},
    ],
}


def test_samples_targets_and_no_leakage():
    stats = LinkStats()
    samples = dialogue_samples(DIALOGUE, linker(), stats)
    assert (stats.mentions, stats.linked, stats.samples_without_target) == (5, 3, 1)
    assert [s.targets for s in samples] == [["1"], ["4", "1"]]
    assert [s.dedup_targets for s in samples] == [["1"], ["4"]]
    first, second = samples
    assert [m.text for m in first.context] == ["Hi! I loved The Matrix (1999)"]
    assert first.context[0].role == "seeker" and first.context_ids == ["3"]
    # Leakage guard: nothing from the target message or later is in the context.
    texts = " ".join(m.text for m in second.context)
    assert "SECRET" not in texts and "LATER" not in texts and "Lethal" not in texts
    assert second.context_ids == ["3", "1"]
    assert [m.role for m in second.context] == ["seeker", "recommender", "recommender", "seeker"]


def test_imdb_links_first_then_title():
    # ReDial 11 says "Heat (1995)" but its IMDb id is that of the 1972 film: the IMDb id wins;
    # 12 has no IMDb row and links by title; an IMDb id the catalog lacks falls back to the title.
    table = {"11": "tt2", "13": "tt999"}
    link = MentionLinker(CATALOG, table)
    stats = LinkStats()
    samples = dialogue_samples(DIALOGUE, link, stats)
    assert [s.targets for s in samples] == [["2"], ["4", "2"]]
    assert (link.counts.imdb, link.counts.title, link.counts.missed) == (1, 2, 1)
    assert link.counts.rate == 0.75


def test_split_is_by_dialogue_and_stable():
    sides = {split_of(str(i)) for i in range(200)}
    assert sides == {"train", "val"}
    assert split_of("42") == split_of("42")
    share = sum(split_of(str(i)) == "val" for i in range(5000)) / 5000
    assert 0.17 < share < 0.23


def test_score_rows_by_hand():
    samples = dialogue_samples(DIALOGUE, linker(), LinkStats())
    result = SystemResult("s", rankings=[["1", "9"], ["1", "4", "1"]], seconds=[0.01, 0.03])
    rows, curves = score(result, samples, catalog_ids={"1", "2", "3", "4", "5"}, most_popular={"4"})
    value = {(r["variant"], r["metric"]): pytest.approx(r["value"], abs=1e-6) for r in rows}
    assert value[("all", "recall@1")] == (1 + 0.5) / 2
    assert value[("dedup", "recall@1")] == 0.5  # the second sample's target 4 is at rank 2
    assert value[("dedup", "mrr")] == (1 + 0.5) / 2
    assert value[("all", "not_in_catalog")] == 0.25  # "9" in the first list
    assert value[("all", "duplicates")] == (0 + 1 / 3) / 2
    assert value[("all", "mentioned_in_context@10")] == (0 + 2 / 3) / 2
    assert value[("all", "popular_in_top10")] == 0.5
    assert value[("all", "coverage@10")] == 3 / 5
    assert {r["samples"] for r in rows if r["variant"] == "dedup"} == {2}
    assert curves["dedup"][0] == pytest.approx(0.5) and curves["dedup"][1] == pytest.approx(1.0)
