"""Interactions and the collaborative channel: counts by hand, the artefact, bad CSV rows, the
Chroma side collection, hard filters on co-occurrence candidates, and repeated ids in the store."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pytest

from chatrec.app.cli import main
from chatrec.catalog import Item
from chatrec.catalog.filters import Filters
from chatrec.catalog.interactions import CsvCounts, Interactions, MentionLinker, csv_groups, redial_groups
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.ranking.hybrid import FEATURES, Hybrid, HybridWeights, load_hybrid
from chatrec.ranking.pipeline import RankingPipeline
from chatrec.retrieval.collaborative import Collaborative, Scoring
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Store
from chatrec.store.interactions import InteractionStore, default_artefact
from tests.conftest import make_settings

RAW = Scoring(damping=0.0, seed_norm=0.0, item_norm=0.0, recency=1.0)
GROUPS = [{"a": 1.0, "b": 1.0, "c": 1.0}, {"a": 1.0, "b": 1.0}, {"b": 1.0, "d": 1.0}, {"e": 1.0}]


def test_counts_by_hand_and_artefact_roundtrip(tmp_path):
    inter = Interactions.from_groups([*GROUPS, {}], "hand")
    assert inter.groups == 4  # the empty group is not one
    assert inter.counts == {"a": 2, "b": 3, "c": 1, "d": 1, "e": 1}
    assert inter.pairs["a"] == {"b": 2, "c": 1} and inter.pairs["b"]["a"] == 2 and "e" not in inter.pairs
    path = tmp_path / "x.json.gz"
    inter.save(path)
    first = path.read_bytes()
    assert Interactions.load(path) == inter
    inter.save(path)
    assert path.read_bytes() == first  # a rebuild is byte-identical
    assert json.loads(gzip.decompress(first))["format"] == 1


def test_scores_candidates_and_popular_fill():
    collab = Collaborative(Interactions.from_groups(GROUPS), RAW)
    assert collab.scores({"a": 1.0}) == {"b": 2, "c": 1}
    assert collab.scores({"a": 1.0, "d": 0.5}) == {"b": 2.5, "c": 1}
    # seeds and excluded ids never come back; the list fills with the most named items
    assert collab.candidates({"a": 1.0}, n=5, exclude_ids=["c"]) == [("b", 2.0)]
    assert collab.rank({"a": 1.0}, n=3, exclude_ids=["c"]) == ["b", "d", "e"]
    damped = Collaborative(collab.interactions, Scoring(damping=1.0, seed_norm=1.0, item_norm=0.0))
    assert damped.scores({"a": 1.0})["b"] == pytest.approx(2 / 3)  # c_ab / (n_a + 1)


def test_seed_weights_recency_and_dislikes():
    collab = Collaborative(Interactions(), Scoring(recency=0.5))
    assert collab.seed_weights(["x", "y", "z"], ["y"]) == {"z": 1.0, "x": 0.25}


def test_redial_groups_link_by_imdb_and_skip_disliked():
    catalog = {
        "1": {"title": "Heat", "year": 1995, "imdb_id": "tt0113277", "reviews": 5},
        "2": {"title": "Ronin", "year": 1998, "imdb_id": "tt0122690"},
        "3": {"title": "Collateral", "year": 2004},
    }
    linker = MentionLinker(catalog, {"100": "tt0113277", "200": "tt0122690"})
    dialogue = {
        "movieMentions": {
            "100": "Heat (1995)",
            "200": "Ronin (1998)",
            "300": "Collateral (2004)",
            "400": "X",
        },
        "initiatorQuestions": {"200": {"liked": 0}, "300": {"liked": 1}},
    }
    assert list(redial_groups([dialogue], linker)) == [{"1": 1.0, "2": 1.0, "3": 1.0}]
    assert list(redial_groups([dialogue], linker, skip_disliked=True)) == [{"1": 1.0, "3": 1.0}]
    assert (linker.counts.imdb, linker.counts.title, linker.counts.missed) == (2, 1, 1)


def test_csv_bad_rows_are_counted_and_skipped(tmp_path):
    path = tmp_path / "baskets.csv"
    path.write_text(
        "group_id,item_id,weight\n"
        "s1,a,2\ns1,b,\ns1,a,1\n"  # a repeated row keeps the larger weight
        ",a,1\ns2,,1\ns2,a,zero\ns2,a,-1\ns2,a,nan\ns2,nope,1\n"
        "s2,c,1\n"
    )
    counts, log = CsvCounts(), io.StringIO()
    groups = csv_groups(path, {"a", "b", "c"}, counts, stderr=log)
    assert groups == [{"a": 2.0, "b": 1.0}, {"c": 1.0}]
    assert (counts.rows, counts.skipped, counts.unknown_items) == (10, 6, 1)
    assert len(log.getvalue().splitlines()) == 6 and "line 10" in log.getvalue()


ITEMS = [
    Item("heat", "Heat", "Heat (1995). Crime thriller.", {"title": "Heat", "year": 1995}),
    Item("ronin", "Ronin", "Ronin (1998). Action thriller.", {"title": "Ronin", "year": 1998}),
    Item("insider", "The Insider", "The Insider (1999). Drama.", {"title": "The Insider", "year": 1999}),
    Item("old", "Old Film", "Old Film (1950). Drama.", {"title": "Old Film", "year": 1950}),
    Item("toy", "Toy Story", "Toy Story (1995). Animation.", {"title": "Toy Story", "year": 1995}),
]


@pytest.fixture
def tiny(tmp_path, embedder) -> Retriever:
    store = Store(make_settings(tmp_path))
    store.upsert(ITEMS, embedder.embed([i.text for i in ITEMS]), ["h"] * len(ITEMS))
    return Retriever(embedder, store)


def test_repeated_ids_do_not_fail(tiny):
    # Two ReDial films can link to one catalog item; Chroma rejects repeated ids in one request.
    vectors = tiny.store.vectors(["heat", "ronin", "heat"])
    assert sorted(vectors) == ["heat", "ronin"] and vectors["heat"].shape == (384,)
    assert [i.id for i in tiny.store.get(["ronin", "ronin", "heat"])] == ["ronin", "ronin", "heat"]
    assert tiny.query_vector("crime", ["heat", "heat"]).shape == (384,)


def test_side_collection_is_idempotent_and_feeds_the_hybrid(tiny):
    settings = tiny.store.settings
    inter = Interactions.from_groups(
        [{"heat": 1.0, "old": 1.0}, {"heat": 1.0, "old": 1.0, "toy": 1.0}, {"heat": 1.0, "ronin": 1.0}], "t"
    )
    side = InteractionStore(settings)
    assert side.read() is None and load_hybrid(tiny) is None
    first = side.write(inter, {"cooccurrence": 2.0})
    assert (first.added, first.unchanged) == (4, 0)
    again = side.write(inter, {"cooccurrence": 2.0})
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert side.read() == inter and side.weights() == {"cooccurrence": 2.0}
    hybrid = load_hybrid(tiny)
    assert hybrid is not None and hybrid.weights.cooccurrence == 2.0
    assert Store(settings).count() == len(ITEMS)  # the catalog collection is untouched


def test_cooccurrence_candidates_obey_the_hard_filters(tiny):
    inter = Interactions.from_groups(
        [{"heat": 1.0, "old": 1.0}, {"heat": 1.0, "old": 1.0}, {"heat": 1.0, "ronin": 1.0}]
    )
    weights = HybridWeights(retrieval=0.0, cooccurrence=1.0, interaction_popularity=0.0)
    hybrid = Hybrid(tiny, Collaborative(inter), weights)
    state = DialogueState()
    state.like("heat")
    hits = tiny.search("thriller", n=1, exclude_ids=state.excluded_ids())
    ranked = [h.item.id for h in hybrid.rank("thriller", state, hits)]
    assert ranked[0] == "old" and "heat" not in ranked  # the liked film pulls its fans' pairing
    state.constraints = Filters(year_from=1990)
    hits = tiny.search("thriller", n=1, filters=state.constraints, exclude_ids=state.excluded_ids())
    ranked = [h.item.id for h in hybrid.rank("thriller", state, hits)]
    assert "old" not in ranked and ranked[0] == "ronin"
    found = hybrid.candidates("thriller", state, hits)
    assert np.isfinite(found.features).all() and found.features.shape == (len(found.hits), len(FEATURES))


def test_likeness_to_the_liked_films_is_a_signal_only_once_one_is_liked(tiny):
    hybrid = Hybrid(tiny, Collaborative(Interactions.from_groups([{"heat": 1.0, "old": 1.0}])))
    state = DialogueState()
    cold = hybrid.candidates("a drama", state, tiny.search("a drama", n=5))
    likeness = [FEATURES.index(f) for f in ("seed_year_closeness", "seed_genre_overlap", "seed_similarity")]
    assert not cold.features[:, likeness].any()
    state.like("heat")
    found = hybrid.candidates("a drama", state, tiny.search("a drama", n=5, exclude_ids=state.excluded_ids()))
    column = dict(zip([h.item.id for h in found.hits], found.features, strict=True))
    closeness, similarity = FEATURES.index("seed_year_closeness"), FEATURES.index("seed_similarity")
    assert column["ronin"][closeness] == -3 and column["old"][closeness] == -45
    vectors = tiny.vectors(["heat", "ronin"])
    assert column["ronin"][similarity] == pytest.approx(float(vectors["heat"] @ vectors["ronin"]), abs=1e-5)
    assert column["toy"][FEATURES.index("year")] == 1995


MANN, PACINO, DE_NIRO = ["Michael Mann"], "Al Pacino", "Robert De Niro"
CREDITED = [
    Item("heat", "Heat", "Heat (1995).", {"year": 1995, "directors": MANN, "cast": [PACINO, DE_NIRO]}),
    Item("insider", "The Insider", "Insider (1999).", {"year": 1999, "directors": MANN, "cast": [PACINO]}),
    Item("ronin", "Ronin", "Ronin (1998).", {"year": 1998, "cast": [DE_NIRO, "Jean Reno"]}),
    Item("toy", "Toy Story", "Toy Story (1995).", {"year": 1995, "directors": ["John Lasseter"]}),
]


def test_films_sharing_credits_with_a_liked_film_join_under_the_filters(tmp_path, embedder):
    store = Store(make_settings(tmp_path))
    store.upsert(CREDITED, embedder.embed([i.text for i in CREDITED]), ["h"] * len(CREDITED))
    retriever = Retriever(embedder, store)
    # Nobody paired these films: only the credits can bring The Insider to a fan of Heat.
    weights = HybridWeights(
        retrieval=0.0, interaction_popularity=0.0, seed_shared_credits=1.0, credit_candidates=5
    )
    hybrid = Hybrid(retriever, Collaborative(Interactions.from_groups([{"toy": 1.0}])), weights)
    state = DialogueState()
    column = FEATURES.index("seed_shared_credits")
    assert not hybrid.candidates("a film", state, []).features[:, column].any()
    state.like("heat")
    found = hybrid.candidates("a film", state, [])
    shared = {h.item.id: row[column] for h, row in zip(found.hits, found.features, strict=True)}
    assert shared == {"insider": 2.0, "ronin": 1.0, "toy": 0.0}  # Mann + Pacino; De Niro; the popular one
    assert [h.item.id for h in hybrid.rank("a film", state, [])][:2] == ["insider", "ronin"]
    state.constraints = Filters(year_to=1998)
    assert "insider" not in [h.item.id for h in hybrid.rank("a film", state, [])]


def test_ingest_interactions_cli_with_a_csv(tiny, tmp_path, monkeypatch, capsys):
    settings = tiny.store.settings
    monkeypatch.setenv("CHATREC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CHATREC_CACHE_DIR", str(settings.cache_dir))
    path = tmp_path / "sessions.csv"
    path.write_text("u1,heat\nu1,ronin\nu2,heat\nu2,ronin\nu2,ghost\n")
    assert main(["ingest-interactions", str(path)]) == 0
    out = capsys.readouterr()
    assert "5 rows: 1 skipped (1 not in the catalog)" in out.out and "2 added" in out.out
    assert main(["ingest-interactions", str(path)]) == 0
    assert "0 added, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert InteractionStore(settings).read().pairs == {"heat": {"ronin": 2.0}, "ronin": {"heat": 2.0}}


def test_shipped_artefact_loads_with_its_weights(tmp_path, embedder, monkeypatch, capsys):
    shipped = Interactions.load(default_artefact())
    assert shipped.groups > 3000 and len(shipped.counts) > 2000 and "ReDial" in shipped.source
    top = sorted(shipped.counts, key=lambda i: -shipped.counts[i])[:3]
    settings = make_settings(tmp_path)
    items = [Item(i, f"Film {i}", f"Film {i}.", {"title": f"Film {i}"}) for i in top]
    Store(settings).upsert(items, embedder.embed([i.text for i in items]), ["h"] * 3)
    monkeypatch.setenv("CHATREC_DATA_DIR", str(settings.data_dir))
    assert main(["ingest-interactions"]) == 0
    assert "not in the catalog and are left out" in capsys.readouterr().err
    side = InteractionStore(settings)
    stored = side.read()
    assert set(stored.counts) == set(top) and all(set(n) <= set(top) for n in stored.pairs.values())
    fitted = HybridWeights.read(default_artefact().parent)
    assert HybridWeights.model_validate(side.weights()) == fitted != HybridWeights()


def test_reranker_is_loaded_only_when_the_hybrid_weighs_it(tiny):
    # A fitted cross-encoder weight of 0 used to load the model and score 20 pairs a turn anyway.
    settings = tiny.store.settings.model_copy(update={"cache_dir": Settings().cache_dir})
    side = InteractionStore(settings)
    side.write(Interactions.from_groups([{"heat": 1.0, "old": 1.0}]), {"cross_encoder": 0.0})
    pipeline = RankingPipeline.from_settings(tiny, settings)
    assert pipeline.hybrid is not None and pipeline.hybrid.reranker is None and pipeline.reranker is None
    state = DialogueState()
    state.like("heat")
    assert next(h.item.id for h in pipeline.rank(state, "a thriller", 2)) == "old"
    side.write(Interactions.from_groups([{"heat": 1.0, "old": 1.0}]), {"cross_encoder": 0.5})
    pipeline = RankingPipeline.from_settings(tiny, settings)
    assert pipeline.hybrid is not None and pipeline.hybrid.reranker is not None
    assert pipeline.reranker is not None
