"""Training groups for the reranker: one query, one positive item, a few hard negatives.

Two sources, so the model learns both how ReDial seekers talk and what catalog requests mean:

- ReDial dialogues: the conversation so far -> each movie the recommender then mentioned, against
  negatives mined from the candidates the agent ranks for the same context (the very ones it must
  beat): content retrieval's, and, with interactions, the films that co-occur with the context's
  films or that people name most, which is most of what the hybrid ranking hands the reranker;
- synthetic requests built from catalog metadata (genre + decade, director, actor, awards, "like
  <title>"), whose positives satisfy the request by construction and whose negatives (again from
  retrieval where possible) do not.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from chatrec.catalog import Item
from chatrec.catalog.interactions import MentionLinker
from chatrec.ingest.redial import LinkStats, Sample, Split, context_query, dialogue_samples, read_dialogues
from chatrec.retrieval.collaborative import Collaborative
from chatrec.retrieval.retriever import Retriever

NEGATIVES = 3  # per group: four pairs per query keeps a 60-minute budget on 2 cores
MINED = 30  # retrieval depth the hard negatives come from (the reranker's own candidate range)
POSITIVES_PER_SAMPLE = 2
WELL_KNOWN = 20  # critic reviews an anchor film needs, so requests name films people know

OPENERS = ("", "Hi! ", "Hello, ", "hey there. ", "Hi, I need a movie for tonight. ")
CLOSERS = ("", " Any suggestions?", " What would you recommend?", " Thanks!")


@dataclass(frozen=True)
class Group:
    query: str
    positive: Item
    negatives: tuple[Item, ...]


Predicate = Callable[[dict[str, Any]], bool]


def redial_samples(data: Path, linker: MentionLinker, split: Split) -> list[Sample]:
    """The harness's samples of a split that have a target not mentioned before (dedup)."""
    stats = LinkStats()
    dialogues = read_dialogues(data, split=split)
    samples = [s for d in dialogues for s in dialogue_samples(d, linker, stats)]
    return [s for s in samples if s.dedup_targets]


def redial_groups(
    retriever: Retriever,
    samples: list[Sample],
    rng: random.Random,
    collaborative: Collaborative | None = None,
) -> list[Group]:
    """Context -> each new movie the recommender mentioned, against the other candidates: content
    retrieval's top ``MINED`` and, given ``collaborative``, as many co-occurring or most-named films.

    No film the dialogue mentions anywhere is a negative: a film recommended two turns later fits
    this context too. This matters most for co-occurrence, counted on the very dialogues trained
    on: a context film's co-occurring films are then above all the ones this dialogue goes on to
    name, and with them as negatives the model learned nothing (validation loss at chance, ln 4).
    """
    mentioned: dict[str, set[str]] = {}
    for sample in samples:
        mentioned.setdefault(sample.dialogue_id, set()).update(sample.context_ids, sample.targets)
    groups: list[Group] = []
    for sample in tqdm(samples, desc="redial groups", unit="samples", disable=None):
        query = context_query(sample)
        own = mentioned[sample.dialogue_id]
        hits = retriever.search(query, n=MINED, exclude_ids=sample.context_ids, like_ids=sample.context_ids)
        pool = {h.item.id: h.item for h in hits if h.item.id not in own}
        if collaborative is not None:
            seeds = collaborative.seed_weights(sample.context_ids)
            ids = collaborative.rank(seeds, n=MINED, exclude_ids=sorted(own))
            pool |= {i.id: i for i in retriever.store.get([i for i in ids if i not in pool])}
        if len(pool) < NEGATIVES:
            continue
        negatives = list(pool.values())
        for positive in retriever.store.get(sample.dedup_targets[:POSITIVES_PER_SAMPLE]):
            groups.append(Group(query, positive, tuple(rng.sample(negatives, NEGATIVES))))
    return groups


def _values(meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _decade(meta: dict[str, Any]) -> int | None:
    year = meta.get("year")
    return year // 10 * 10 if isinstance(year, int) else None


def _request(meta: dict[str, Any], rng: random.Random) -> tuple[str, Predicate] | None:
    """A request the anchor item satisfies, phrased as a seeker might, with its exact test."""
    genres, directors, cast = _values(meta, "genres"), _values(meta, "directors"), _values(meta, "cast")
    decade = _decade(meta)
    kinds = [k for k, ok in (("genre", genres and decade), ("director", directors), ("actor", cast)) if ok]
    if genres and (meta.get("oscars") or 0) > 0:
        kinds.append("awards")
    if not kinds:
        return None
    kind = rng.choice(kinds)
    if kind == "genre" and decade is not None:
        genre, short = rng.choice(genres), f"{decade % 100:02d}s"
        text = rng.choice(
            (
                f"I'm in the mood for a {genre.lower()} movie from the {short}.",
                f"Can you recommend a good {genre.lower()} film from the {decade}s?",
                f"I really like {genre.lower()} movies, especially ones from the {short}.",
            )
        )
        return text, lambda m: genre in _values(m, "genres") and _decade(m) == decade
    if kind == "director":
        person = rng.choice(directors)
        text = rng.choice((f"Something directed by {person}?", f"I love {person}'s films."))
        return text, lambda m: person in _values(m, "directors")
    if kind == "actor":
        person = rng.choice(cast)
        text = rng.choice((f"I want to watch a movie with {person}.", f"I'm a big fan of {person}."))
        return text, lambda m: person in _values(m, "cast")
    genre = rng.choice(genres)
    text = f"Can you suggest an Oscar-winning {genre.lower()} movie?"
    return text, lambda m: genre in _values(m, "genres") and (m.get("oscars") or 0) > 0


def _like(meta: dict[str, Any]) -> Predicate:
    """What "something like <title>" asks for: a shared director, or two genres in the same decade."""
    directors, genres, decade = set(_values(meta, "directors")), set(_values(meta, "genres")), _decade(meta)
    return lambda m: (
        bool(directors.intersection(_values(m, "directors")))
        or (len(genres.intersection(_values(m, "genres"))) >= 2 and _decade(m) == decade)
    )


def _item(item_id: str, meta: dict[str, Any]) -> Item:
    return Item(id=item_id, title=str(meta.get("title", item_id)), text="", metadata=meta)


def synthetic_groups(retriever: Retriever, count: int, rng: random.Random) -> list[Group]:
    """``count`` catalog-grounded requests (a fifth of them "like <title>") with labelled items."""
    catalog = retriever.catalog
    ids = sorted(catalog)
    anchors = [i for i in ids if (catalog[i].get("reviews") or 0) >= WELL_KNOWN]
    groups: list[Group] = []
    progress = tqdm(total=count, desc="synthetic groups", unit="groups", disable=None)
    while len(groups) < count:
        anchor_id = rng.choice(anchors)
        meta = catalog[anchor_id]
        like = rng.random() < 0.2
        if like:
            title = _item(anchor_id, meta).label
            text = rng.choice((f"Something like {title}?", f"I loved {title}. Anything similar?"))
            test = _like(meta)
            hits = retriever.search(text, n=MINED, exclude_ids=[anchor_id], like_ids=[anchor_id])
            positives = [h.item for h in hits if test(h.item.metadata)]
            if not positives:
                continue
            positive = rng.choice(positives)
        else:
            request = _request(meta, rng)
            if request is None:
                continue
            text, test = request
            hits = retriever.search(text, n=MINED)
            positive = _item(anchor_id, meta)
        pool = [h.item for h in hits if not test(h.item.metadata)]
        while len(pool) < NEGATIVES:
            other = rng.choice(ids)
            if not test(catalog[other]) and other != anchor_id:
                pool.append(_item(other, catalog[other]))
        query = f"{rng.choice(OPENERS)}{text}{rng.choice(CLOSERS)}"
        groups.append(Group(query, positive, tuple(rng.sample(pool, NEGATIVES))))
        progress.update()
    progress.close()
    return groups
