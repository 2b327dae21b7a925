"""Plot knowledge: topic vocabulary, the shipped artefacts, ingest blending on real Chroma, evidence."""

from __future__ import annotations

import json

import numpy as np

from chatrec.catalog import FieldMapping, Item, list_field
from chatrec.catalog.filters import Filters
from chatrec.catalog.topics import (
    PhraseMatcher,
    TopicReader,
    film_topics,
    load_terms,
    parse_terms,
    query_cues,
    topic_reader,
)
from chatrec.catalog.vocabulary import Vocabulary
from chatrec.dialogue.state import DialogueState
from chatrec.eval.topics import load_benchmark, resolve
from chatrec.ingest.pipeline import run_ingest
from chatrec.ingest.plots import (
    PLOT_DIR,
    TOPICS_FILE,
    DescriptionPlots,
    PlotKnowledge,
    default_plots,
    save_plot_vectors,
)
from chatrec.ranking.steering import steer
from chatrec.retrieval.retriever import Retriever
from chatrec.store.chroma import Hit, Store
from chatrec.writing.evidence import evidence
from tests.helpers import make_settings, plain_bot

TERMS = parse_terms(
    ["submarine: submarine | u-boat | torpedo", "heist: heist | the vault", "dog: dog | puppy"]
)


def test_phrases_match_plurals_hyphens_and_possessives_but_not_parts_of_words():
    counts = PhraseMatcher({p for ps in TERMS.values() for p in ps}).counts(
        "The U-boat fires torpedoes. A dog's bark; puppies. The vaults? Dogma, heisted."
    )
    assert counts == {"u-boat": 1, "torpedo": 1, "dog": 1, "puppy": 1, "the vault": 1}


def test_a_film_carries_the_topics_its_plot_returns_to_rarest_first():
    counts = {"submarine": 3, "torpedo": 1, "dog": 1, "heist": 2}
    topics = film_topics(counts, TERMS, topic_df={"submarine": 10, "heist": 500, "dog": 900}, n_docs=1000)
    assert topics == ["submarine", "heist"]  # dog is mentioned once only


def test_request_cues_leave_out_phrases_common_in_plots():
    cues = query_cues(TERMS, phrase_df={"the vault": 900, "torpedo": 3}, n_docs=1000)
    reader = TopicReader(cues)
    assert cues["heist"] == ["heist"]
    assert reader.read("a tense submarine thriller") == ("submarine",)
    assert reader.read("a heist film from the 90s, with a dog") == ("heist", "dog")
    assert reader.read("something about the vault") == ()


def test_the_shipped_vocabulary_and_artefacts_fit_together():
    terms = load_terms()
    assert len(terms) >= 300
    shipped = json.loads((PLOT_DIR / TOPICS_FILE).read_text())
    assert set(shipped["cues"]) == set(terms)
    assert all(set(t) <= set(terms) for t in shipped["films"].values())
    plots = default_plots(0.5)
    assert plots is not None and len(plots.vectors) == 9803
    norms = np.linalg.norm(np.stack(list(plots.vectors.values())[:50]), axis=1)
    assert np.allclose(norms, 1, atol=1e-3)
    assert default_plots(0.0) is None  # weight 0 switches plots off


def _knowledge(tmp_path, weight: float) -> PlotKnowledge:
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    vector = rng.normal(size=(1, 384)).astype(np.float32)
    save_plot_vectors(tmp_path, ["tt1"], vector / np.linalg.norm(vector), "mean")
    topics = {"cues": {"submarine": ["submarine"]}, "films": {"tt1": ["submarine"]}}
    (tmp_path / TOPICS_FILE).write_text(json.dumps(topics))
    return PlotKnowledge.load(tmp_path, weight=weight)


MAPPING = FieldMapping.model_validate(
    {
        "id": "id",
        "title": "title",
        "fields": {"year": {"column": "year", "type": "int"}, "imdb_id": {"column": "imdb"}},
        "text": ["genre"],
    }
)
ROWS = [
    {"id": "1", "title": "Deep Run", "year": 1958, "imdb": "tt1", "genre": "War"},
    {"id": "2", "title": "No Plot Here", "year": 1990, "imdb": "tt2", "genre": "War"},
]


def test_ingest_blends_plot_vectors_and_keeps_plotless_items_as_they_were(tmp_path, embedder):
    plots = _knowledge(tmp_path / "art", 0.5)
    plain = Store(make_settings(tmp_path / "plain"))
    run_ingest(ROWS, MAPPING, plain, embedder, log=lambda _: None)
    store = Store(make_settings(tmp_path / "plots"))
    summary = run_ingest(ROWS, MAPPING, store, embedder, log=lambda _: None, plots=plots)
    assert summary.added == 2
    before, after = plain.vectors(["1", "2"]), store.vectors(["1", "2"])
    assert np.allclose(before["2"], after["2"], atol=1e-6)  # no plot: today's vector
    expected = 0.5 * before["1"] + 0.5 * plots.vectors["tt1"]
    assert np.allclose(after["1"], expected / np.linalg.norm(expected), atol=1e-5)
    meta = store.metadata()
    assert meta["1"]["topics"] == ["submarine"] and "topics" not in meta["2"]
    again = run_ingest(ROWS, MAPPING, store, embedder, log=lambda _: None, plots=plots)
    assert again.unchanged == 2  # same artefact and weight: nothing re-embedded
    plots = _knowledge(tmp_path / "b", 0.7)
    heavier = run_ingest(ROWS, MAPPING, store, embedder, log=lambda _: None, plots=plots)
    assert (heavier.updated, heavier.unchanged) == (1, 1)  # a new weight re-embeds only plot items


def test_a_reason_names_a_topic_only_when_the_film_has_it():
    state = DialogueState()
    state.like_attributes(topics=["submarine", "heist"])
    sub = Item("1", "Deep Run", "Deep Run (1958).", {"year": 1958, "topics": ["submarine", "war"]})
    other = Item("2", "Dry Land", "Dry Land (1990).", {"year": 1990, "topics": ["dog"]})
    assert "it is a submarine story, as you asked" in evidence(sub, state, {}).lines
    assert not any("story" in f for f in evidence(other, state, {}).lines)


def test_the_vocabulary_reads_topics_only_for_a_catalog_that_has_them():
    with_topics = Vocabulary.from_metadata({"1": {"title": "X", "topics": ["submarine"]}})
    without = Vocabulary.from_metadata({"1": {"title": "X"}})
    assert with_topics.read("a tense submarine thriller").topics == ("submarine",)
    assert without.read("a tense submarine thriller").topics == ()


def test_the_benchmark_has_enough_judged_requests_and_resolves_by_title_and_year():
    queries = load_benchmark()
    assert len(queries) >= 60
    assert all(3 <= len(q.relevant) <= 10 for q in queries)
    catalog = {"a": {"title": "Heat", "year": 1995}, "b": {"title": "Heat", "year": 1986}}
    assert resolve(("Heat (1995)",), catalog) == {"a"}


def test_a_catalog_with_a_description_field_gets_plot_vectors_and_topics_at_ingest(tmp_path, embedder):
    mapping = FieldMapping.model_validate(
        {
            "id": "id",
            "title": "title",
            "fields": {"synopsis": {"column": "synopsis"}},
            "text": ["genre"],
            "description": "synopsis",
        }
    )
    story = "The submarine dives to escape the destroyer; the crew fires a torpedo. " * 3
    rows = [
        {"id": "1", "title": "Deep", "genre": "War", "synopsis": story},
        {"id": "2", "title": "Dry", "genre": "War"},
    ]
    plain = Store(make_settings(tmp_path / "plain"))
    run_ingest(rows, mapping, plain, embedder, log=lambda _: None)
    store = Store(make_settings(tmp_path / "plots"))
    plots = DescriptionPlots("synopsis", embedder, 0.5)
    run_ingest(rows, mapping, store, embedder, log=lambda _: None, plots=plots)
    assert "submarine" in store.metadata()["1"]["topics"]
    before, after = plain.vectors(["1", "2"]), store.vectors(["1", "2"])
    assert np.allclose(before["2"], after["2"], atol=1e-6)
    query = embedder.embed_query("a submarine thriller")
    assert float(after["1"] @ query) > float(before["1"] @ query) + 0.05


def test_a_topic_in_the_request_adds_the_films_that_carry_it_whatever_their_text(tmp_path, embedder):
    """Dense search misses most films whose plot has the topic; a filtered query per topic adds them."""
    plots = _knowledge(tmp_path / "art", 0.5)
    store = Store(make_settings(tmp_path / "store"))
    run_ingest(ROWS, MAPPING, store, embedder, log=lambda _: None, plots=plots)
    retriever = Retriever(embedder, store)
    asked: list[Filters] = []
    nearest = retriever._nearest  # every vector query of a search, in memory or by the store

    def recording(vector, n, filters, exclude_ids):
        asked.append(filters)
        return nearest(vector, n, filters, exclude_ids)

    retriever._nearest = recording  # type: ignore[method-assign]
    retriever.search("a tense submarine thriller", n=1)
    assert [f.topics for f in asked] == [[], ["submarine"]]
    assert Filters(topics=["submarine"]).where() == {"topics": {"$contains": "submarine"}}


def test_a_topic_asked_for_moves_the_films_that_carry_it_ahead_without_dropping_the_rest():
    state = DialogueState()
    state.like_attributes(topics=["heist"])
    hits = [
        Hit(Item("1", "Loud Crime", "Loud Crime.", {"topics": ["police"]}), 0.9),
        Hit(Item("2", "Plotless", "Plotless.", {}), 0.8),
        Hit(Item("3", "The Vault Job", "The Vault Job.", {"topics": ["heist", "bank"]}), 0.5),
    ]
    assert [h.item.id for h in steer(hits, state)] == ["3", "1", "2"]
    assert [h.item.id for h in steer(hits, DialogueState())] == ["1", "2", "3"]


def test_once_a_film_is_liked_a_wish_nudges_instead_of_reordering_everything():
    state = DialogueState()
    state.like_attributes(topics=["heist"])
    state.like("liked-film")
    hits = [
        Hit(Item("1", "Its Fans' Favourite", "x", {"topics": ["police"]}), 3.0),
        Hit(Item("2", "A Close Second", "x", {}), 1.0),
        Hit(Item("3", "The Vault Job", "x", {"topics": ["heist"]}), 0.95),
        Hit(Item("4", "Far Behind", "x", {"topics": ["heist"]}), -2.0),
    ]
    assert [h.item.id for h in steer(hits, state)] == ["1", "3", "2", "4"]


def test_a_topic_the_user_rules_out_goes_behind_everything_even_after_a_liked_film():
    state = DialogueState()
    state.like("the-godfather")
    state.dislike_attributes(topics=["mafia"])
    hits = [
        Hit(Item("1", "Casino", "x", {"topics": ["mafia", "las vegas"]}), 3.0),
        Hit(Item("2", "Heat", "x", {"topics": ["heist"]}), 1.0),
        Hit(Item("3", "Plotless", "x", {}), -2.0),
    ]
    assert [h.item.id for h in steer(hits, state)] == ["2", "3", "1"]
    state.like_attributes(topics=["mafia"])  # changing one's mind lifts it
    assert not state.dislikes.topics and steer(hits, state)[0].item.id == "1"


def test_chat_idioms_name_no_topic():
    reader = topic_reader(["stalker", "mining", "hollywood", "heist"])
    assert reader is not None
    idioms = ["i am a big fan of tom hanks", "a favourite of mine", "in the theater", "the actor was great"]
    for text in idioms:
        assert reader.read(text) == (), text
    assert reader.read("a movie about a stalker") == ("stalker",)
    assert reader.read("a heist film") == ("heist",)


def test_a_request_reads_the_longest_topic_phrase_and_leaves_its_words_to_it():
    reader = TopicReader({"family": ["family"], "family saga": ["family saga"], "mafia": ["mafia"]})
    assert reader.read("a mafia family saga") == ("family saga", "mafia")
    assert reader.read("a family saga, or any family film") == ("family", "family saga")
    vocabulary = Vocabulary(
        {"genres": {"Family", "Comedy"}},
        TopicReader({"family": ["family"], "family saga": ["family saga"]}),
    )
    assert vocabulary.topic_phrase_words("a mafia family saga") == {"family", "saga"}
    assert vocabulary.topic_phrase_words("a family comedy") == set()


def test_the_readmes_heist_example_shows_heist_films_from_the_nineties(small_retriever, tmp_path):
    bot = plain_bot(small_retriever, make_settings(tmp_path))
    reply = bot.chat("a heist film from the 90s", bot.new_session())
    picks = [small_retriever.catalog[r.item_id] for r in reply.recommendations]
    assert picks and all(1990 <= int(m["year"]) <= 1999 for m in picks)
    heists = [
        i
        for i, m in small_retriever.catalog.items()
        if "heist" in list_field(m, "topics") and 1990 <= int(m.get("year") or 0) <= 1999
    ]
    shown = sum("heist" in list_field(m, "topics") for m in picks[: len(heists)])
    assert shown == min(len(picks), len(heists)), [m["title"] for m in picks]  # heist films lead
