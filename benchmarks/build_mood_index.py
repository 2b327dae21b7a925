"""Build the shipped mood index: a score per film and mood dimension, from the film's story.

    python -m benchmarks.build_mood_index [--labels eval-labels.jsonl]

People ask for moods ("nothing too sad", "something tense", "less confusing") that no catalog
field holds. Every film with a story (the 9,803 Wikipedia plots of the default catalog, the
extracts of the 2015–2025 films) gets, for each dimension in :data:`chatrec.catalog.moods.DIMENSIONS`,
its percentile among the scored films (0–100). Films without a story get no score, never a guess.

Two scorers are measured against a hand-labelled sample (labelled before any score existed) and the
better one is shipped:

- ``prototype``: the story's MiniLM vector (the shipped plot vector, or the mean of the extract's
  chunks) against a handful of sentences describing the mood and its opposite; cosine to the
  first minus cosine to the second;
- ``lexicon``: weighted cue words per dimension in the story (per 100 words, log-damped).

Each can add the genre prior (:data:`GENRE_PRIOR`, which genres make a mood likely or unlikely),
z-scored and summed with equal weight. ``--labels`` prints each variant's agreement (ROC AUC, and
accuracy at the shipped "has it" band) so the choice is on record; the card
(``chatrec/models/film-moods/README.md``) holds the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from benchmarks.build_plot_knowledge import read_plots
from chatrec.catalog.moods import DIMENSIONS, HAS_IT, MOODS_DIR, MOODS_FILE
from chatrec.catalog.topics import PLOT_DIR
from chatrec.config import Settings
from chatrec.ingest.movies import movies_db_path
from chatrec.ingest.plots import VECTORS_FILE, chunks
from chatrec.store.embeddings import load_embedder

RECENT = Path("../shared/data/recent/films_2015_2025.json.gz")
PLOTS = Path("../shared/data/plots/wikipedia_plots.jsonl.gz")

# Sentences describing each mood (first) and its opposite (second), for the prototype scorer.
PROTOTYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sad": (
        (
            "a heartbreaking story of loss and grief",
            "she is dying of cancer and her family mourns",
            "a tragic ending; he dies and everyone is left in sorrow",
        ),
        ("a cheerful comedy where everything turns out fine", "a fun adventure full of jokes"),
    ),
    "uplifting": (
        (
            "an inspiring true story of triumph over adversity",
            "a heartwarming tale of hope and kindness",
            "the underdog team wins the championship against all odds",
        ),
        ("a bleak story of despair and cruelty", "a brutal murder and its grim aftermath"),
    ),
    "dark": (
        (
            "a grim, disturbing story of murder, abuse and corruption",
            "a bleak descent into violence and despair",
            "a psychopath tortures his victims",
        ),
        ("a light-hearted family comedy", "a sweet romantic comedy with a happy ending"),
    ),
    "light": (
        (
            "a light-hearted, breezy comedy with silly mishaps",
            "a fun, easygoing romp with friends on vacation",
        ),
        ("a harrowing drama about war and death", "a grim crime story of murder and revenge"),
    ),
    "scary": (
        (
            "a terrifying horror film about a haunted house and a demon",
            "a killer stalks and murders teenagers one by one",
            "a monster hunts the survivors in the dark",
        ),
        ("a gentle romantic comedy", "a family film about friendship"),
    ),
    "gory": (
        (
            "graphic, bloody violence: bodies dismembered and mutilated",
            "a gruesome massacre with blood everywhere",
            "cannibals torture and butcher their victims",
        ),
        ("a gentle family story without violence", "a romantic comedy about a wedding"),
    ),
    "confusing": (
        (
            "a complex, non-linear story of shifting identities and memories",
            "a puzzling narrative where dreams and reality blur and nothing is what it seems",
        ),
        ("a simple, straightforward story told in order", "a plain comedy about a family holiday"),
    ),
    "slow": (
        (
            "a quiet, contemplative drama about everyday life in a small village",
            "an elderly man reflects on his memories as the seasons pass",
        ),
        ("a fast-paced action thriller full of chases and explosions", "a frantic race against time"),
    ),
    "fast-paced": (
        (
            "a fast-paced action film full of chases, fights and explosions",
            "a frantic heist and a high-speed escape",
            "he races against time to stop the bomb",
        ),
        ("a quiet, contemplative drama about everyday life", "a slow meditation on memory and aging"),
    ),
    "romantic": (
        (
            "a love story: they fall in love and marry",
            "a romance between two people who meet and fall for each other",
        ),
        ("a war film about soldiers in battle", "a horror film about a monster"),
    ),
    "funny": (
        ("a hilarious comedy full of gags and silly mishaps", "a wacky farce with pranks and slapstick"),
        ("a grim tragedy about death and war", "a tense thriller about a serial killer"),
    ),
    "family-friendly": (
        (
            "a family adventure for children with talking animals",
            "kids and their dog go on a magical adventure",
            "an animated film for the whole family",
        ),
        (
            "a violent crime film with drugs and murder",
            "a sexual drama about an affair",
            "a gory horror film",
        ),
    ),
    "mind-bending": (
        (
            "a mind-bending story of dreams within dreams, time loops and alternate realities",
            "he discovers his world is a simulation and his memories are false",
        ),
        ("a simple romantic comedy", "a straightforward sports drama"),
    ),
    "tense": (
        (
            "a suspenseful thriller: hostages, a ticking bomb, a desperate escape",
            "edge-of-your-seat suspense as the killer closes in",
        ),
        ("a relaxed, easygoing comedy", "a gentle family film"),
    ),
}

# Cue words (regex stems) per dimension for the lexicon scorer, and words that count against it.
LEXICON: dict[str, tuple[str, str]] = {
    "sad": (
        r"die[sd]?|death|dying|funeral|grie[fv]|mourn|cancer|terminal|illness|tragic|tragedy|suicide|widow"
        r"|orphan|heartbr|alzheimer|leukemia|tumou?r|miscarr|lonel|depress|sorrow|dementia|sacrifice",
        r"comed|hilari|prank|wacky|party|spoof|parody",
    ),
    "uplifting": (
        r"inspir|triumph|overcom|hope|achiev|champion|underdog|comeback|persever|dream|friendship|kindness"
        r"|reunite|succeed|success|win[sn]?|victory|redemption|heal",
        r"murder|killer|tortur|rape|massacre|demon|serial",
    ),
    "dark": (
        r"murder|kill|abuse|rape|tortur|drug|addict|corrupt|revenge|serial|psychopath|cult|cartel|mob\b|gang"
        r"|brutal|despair|obsess|incest|sadist|victim|corpse|prostitut|war crime|genocide",
        r"comed|family|friendship|wedding|christmas|princess|talking",
    ),
    "light": (
        r"comed|hilari|wacky|prank|mishap|zany|romp|vacation|party|goofy|misadventure|quirky|antics|fun\b|silly",
        r"murder|kill|death|war\b|rape|tortur|tragic|cancer|abuse|suicide",
    ),
    "scary": (
        r"haunt|ghost|demon|possess|monster|creature|zombie|vampire|werewolf|slasher|serial killer|terror"
        r"|evil|supernatural|curse|exorcis|witch|nightmare|horror|stalk|spirit|mutant|killer",
        r"comed|romance|wedding|family",
    ),
    "gory": (
        r"blood|gore|gory|dismember|decapitat|behead|mutilat|slaughter|massacre|butcher|tortur|cannibal"
        r"|chainsaw|impale|stab|gruesome|eviscerat|severed|flesh|corpse|brutal",
        r"family|wedding|christmas|princess|friendship",
    ),
    "confusing": (
        r"dream|memor|amnesia|alternate|parallel|loop|flashback|identit|hallucinat|reality|simulation"
        r"|conspirac|double|twist|puzzle|enigma|ambigu|mysterious|doppelg|unreliable|fragment",
        r"comed|family|wedding",
    ),
    "slow": (
        r"quiet|contemplat|reflect|meditat|rural|village|farm|aging|elderly|daily|routine|landscape|melanchol"
        r"|introspect|solitude|lonel|marriage|memor|seasons|widow",
        r"chase|explo|fight|race|heist|escape|gun|battle|bomb|mission",
    ),
    "fast-paced": (
        r"chase|race|escape|explo|heist|fight|shootout|pursu|gunfight|battle|mission|bomb|hijack|rescue"
        r"|assassin|action|car\b|crash|terrorist|agent|commando",
        r"quiet|contemplat|reflect|marriage|memor|village|farm",
    ),
    "romantic": (
        r"\blove|romance|romantic|wedding|marr|kiss|relationship|boyfriend|girlfriend|affair|lover|\bdate|fianc"
        r"|courtship|sweetheart|seduc|passion|heart",
        r"war\b|soldier|zombie|demon|monster|battle",
    ),
    "funny": (
        r"comed|comic|hilari|prank|wacky|bumbl|slapstick|spoof|parody|mishap|farce|satir|goofy|antics|zany"
        r"|hijinks|misadventure|jokes?|humou?r",
        r"murder|tragic|war\b|death|rape|tortur|cancer",
    ),
    "family-friendly": (
        r"\bkids?\b|children|child|family|dog|puppy|animal|magic|adventure|christmas|princess|toy|talking"
        r"|school|friendship|santa|fairy|dragon|pet\b|grandm|grandf",
        r"murder|sex|rape|drug|kill|blood|violen|prostitut|tortur|affair|gang|addict|serial",
    ),
    "mind-bending": (
        r"dream|reality|time travel|parallel|alternate|simulation|memor|identit|loop|clone|dimension|virtual"
        r"|hallucinat|subconscious|paradox|multivers|consciousness",
        r"comed|wedding|sport|family",
    ),
    "tense": (
        r"hostage|trapped|chase|escape|bomb|pursu|suspens|thriller|race against time|stalk|kidnap|hunt"
        r"|countdown|siege|assassin|surviv|terror|hijack|ransom|fugitive|manhunt",
        r"comed|wedding|romance|musical",
    ),
}

# Which genres make a mood likely (+) or unlikely (-); the catalog's genre names.
GENRE_PRIOR: dict[str, dict[str, float]] = {
    "sad": {"Drama": 0.5, "War": 0.5, "Biography": 0.3, "Comedy": -0.7, "Animation": -0.5, "Family": -0.3},
    "uplifting": {
        "Family": 0.5,
        "Sport": 0.7,
        "Biography": 0.4,
        "Music": 0.4,
        "Musical": 0.4,
        "Animation": 0.3,
        "Horror": -0.8,
        "Thriller": -0.4,
        "Crime": -0.4,
    },
    "dark": {
        "Crime": 0.6,
        "Thriller": 0.5,
        "Horror": 0.7,
        "War": 0.4,
        "Comedy": -0.6,
        "Family": -0.9,
        "Animation": -0.7,
        "Musical": -0.5,
    },
    "light": {
        "Comedy": 0.9,
        "Family": 0.6,
        "Animation": 0.6,
        "Musical": 0.4,
        "Romance": 0.3,
        "Horror": -0.7,
        "War": -0.7,
        "Crime": -0.4,
        "Drama": -0.4,
        "Thriller": -0.5,
    },
    "scary": {
        "Horror": 1.5,
        "Thriller": 0.4,
        "Mystery": 0.2,
        "Comedy": -0.4,
        "Family": -0.8,
        "Romance": -0.5,
    },
    "gory": {
        "Horror": 0.8,
        "War": 0.6,
        "Crime": 0.4,
        "Action": 0.3,
        "Family": -1.0,
        "Animation": -0.8,
        "Romance": -0.5,
        "Comedy": -0.3,
    },
    "confusing": {
        "Mystery": 0.6,
        "Sci-Fi": 0.4,
        "Thriller": 0.3,
        "Family": -0.5,
        "Comedy": -0.3,
        "Animation": -0.4,
    },
    "slow": {
        "Drama": 0.5,
        "Western": 0.3,
        "History": 0.3,
        "Action": -0.8,
        "Comedy": -0.3,
        "Animation": -0.4,
        "Thriller": -0.3,
    },
    "fast-paced": {
        "Action": 1.0,
        "Adventure": 0.4,
        "Thriller": 0.4,
        "Drama": -0.5,
        "Romance": -0.4,
        "Documentary": -0.5,
    },
    "romantic": {"Romance": 1.5, "Musical": 0.2, "Horror": -0.5, "War": -0.3, "Documentary": -0.5},
    "funny": {
        "Comedy": 1.5,
        "Animation": 0.4,
        "Family": 0.2,
        "Horror": -0.4,
        "War": -0.6,
        "Drama": -0.4,
        "Thriller": -0.6,
    },
    "family-friendly": {
        "Family": 1.3,
        "Animation": 1.0,
        "Adventure": 0.2,
        "Horror": -1.2,
        "Crime": -0.8,
        "Thriller": -0.7,
        "War": -0.6,
    },
    "mind-bending": {
        "Sci-Fi": 0.7,
        "Mystery": 0.5,
        "Fantasy": 0.3,
        "Thriller": 0.2,
        "Romance": -0.3,
        "Comedy": -0.3,
        "Western": -0.5,
    },
    "tense": {
        "Thriller": 1.0,
        "Horror": 0.5,
        "Crime": 0.4,
        "Action": 0.4,
        "War": 0.3,
        "Comedy": -0.7,
        "Family": -0.7,
        "Animation": -0.6,
        "Romance": -0.4,
    },
}
# The recent films' lists spell some genres their own way.
GENRE_SPELLING = {
    "Science Fiction": "Sci-Fi",
    "Romantic": "Romance",
    "Sports": "Sport",
    "Biographical": "Biography",
    "Animated": "Animation",
    "Superhero": "Action",
    "Spy": "Thriller",
    "Teen": "Comedy",
}


class Film:
    """A film with a story: its key in the index (the catalog item id), genres, story, vector."""

    def __init__(self, key: str, genres: Sequence[str], story: str) -> None:
        self.key, self.story = key, story
        self.genres = {GENRE_SPELLING.get(g, g) for g in genres}
        self.vector: np.ndarray | None = None


def catalog_films(plots_path: Path) -> list[Film]:
    """The default catalog's films with a Wikipedia plot, keyed by catalog id, with their plot vectors."""
    conn = sqlite3.connect(f"file:{movies_db_path()}?mode=ro", uri=True)
    by_imdb = {
        imdb: (str(i), genres or "") for i, imdb, genres in conn.execute("SELECT ID, imdbID, Genre FROM omdb")
    }
    data = np.load(PLOT_DIR / VECTORS_FILE)
    vectors = dict(zip(map(str, data["ids"]), data["vectors"].astype(np.float32), strict=True))
    films = []
    for imdb, plot in read_plots(plots_path).items():
        if imdb in by_imdb and imdb in vectors:
            key, genres = by_imdb[imdb]
            film = Film(key, [g.strip() for g in genres.split(",") if g.strip()], plot)
            film.vector = vectors[imdb]
            films.append(film)
    return films


def recent_films(path: Path, settings: Settings) -> list[Film]:
    """The 2015–2025 films with a usable extract (no disambiguation page), keyed ``wiki:<href>``;
    their extracts are embedded here (mean of chunks), as the plot vectors were."""
    rows = json.loads(gzip.decompress(path.read_bytes()))
    films = [
        Film(f"wiki:{r['href']}", r.get("genres") or [], r["extract"])
        for r in rows
        if r.get("href") and r.get("extract") and "may refer to" not in r["extract"]
    ]
    embedder = load_embedder(settings)
    parts = [chunks(f.story) or [f.story] for f in films]
    flat = embedder.embed([c for cs in parts for c in cs])
    start = 0
    for film, cs in zip(films, parts, strict=True):
        film.vector = flat[start : start + len(cs)].mean(axis=0)
        start += len(cs)
    return films


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=-1, keepdims=True), 1e-12)


def prototype_scores(films: Sequence[Film], settings: Settings) -> dict[str, np.ndarray]:
    embedder = load_embedder(settings)
    matrix = _unit(np.stack([f.vector for f in films]))  # type: ignore[misc]
    out = {}
    for dim in DIMENSIONS:
        like, unlike = PROTOTYPES[dim]
        pos, neg = _unit(embedder.embed(list(like))), _unit(embedder.embed(list(unlike)))
        out[dim] = (matrix @ pos.T).mean(axis=1) - (matrix @ neg.T).mean(axis=1)
    return out


def lexicon_scores(films: Sequence[Film]) -> dict[str, np.ndarray]:
    out = {}
    for dim in DIMENSIONS:
        cues, against = (re.compile(rf"\b(?:{p})", re.I) for p in LEXICON[dim])
        values = []
        for film in films:
            words = max(len(film.story.split()), 20)
            net = len(cues.findall(film.story)) - len(against.findall(film.story))
            values.append(math.copysign(math.log1p(abs(net) * 100 / words), net))
        out[dim] = np.array(values, dtype=np.float32)
    return out


def genre_scores(films: Sequence[Film]) -> dict[str, np.ndarray]:
    return {
        dim: np.array([sum(GENRE_PRIOR[dim].get(g, 0.0) for g in f.genres) for f in films], dtype=np.float32)
        for dim in DIMENSIONS
    }


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / max(float(values.std()), 1e-9)


def combine(*parts: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {dim: sum(_z(p[dim]) for p in parts) for dim in DIMENSIONS}  # type: ignore[misc]


def percentiles(scores: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each dimension's scores as the film's percentile among the scored films, 0–100."""
    out = {}
    for dim, values in scores.items():
        ranks = values.argsort().argsort()
        out[dim] = np.round(100 * ranks / max(len(values) - 1, 1)).astype(np.int16)
    return out


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def agreement(
    pct: Mapping[str, np.ndarray], index: Mapping[str, int], labels: Sequence[dict]
) -> dict[str, float]:
    """ROC AUC of the percentile against the labels (pooled over dimensions, and the mean of the
    per-dimension AUCs), and accuracy / Cohen's kappa of "has it" (percentile >= HAS_IT)."""
    rows = [
        (int(pct[lab["dimension"]][index[lab["key"]]]), int(lab["fits"]), lab["dimension"])
        for lab in labels
        if lab["key"] in index
    ]
    scores, ys = [r[0] for r in rows], [r[1] for r in rows]
    per_dim = [
        roc_auc([s for s, _, d in rows if d == dim], [y for _, y, d in rows if d == dim])
        for dim in DIMENSIONS
    ]
    said = [int(s >= HAS_IT) for s in scores]
    acc = sum(a == b for a, b in zip(said, ys, strict=True)) / len(rows)
    p_yes = (sum(said) / len(rows)) * (sum(ys) / len(rows))
    p_no = (1 - sum(said) / len(rows)) * (1 - sum(ys) / len(rows))
    kappa = (acc - p_yes - p_no) / max(1 - p_yes - p_no, 1e-9)
    return {
        "pairs": len(rows),
        "auc": roc_auc(scores, ys),
        "mean_dim_auc": float(np.nanmean(per_dim)),
        "accuracy": acc,
        "kappa": kappa,
    }


def write_index(path: Path, films: Sequence[Film], pct: Mapping[str, np.ndarray], scorer: str) -> None:
    """``{"dimensions": [...], "scorer": ..., "films": {key: [percentile per dimension]}}``, sorted
    and gzipped without a timestamp, so a rebuild is byte-identical."""
    table = {f.key: [int(pct[d][i]) for d in DIMENSIONS] for i, f in enumerate(films)}
    body = json.dumps(
        {"dimensions": list(DIMENSIONS), "scorer": scorer, "films": dict(sorted(table.items()))},
        separators=(",", ":"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(body.encode(), mtime=0))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plots", type=Path, default=PLOTS)
    parser.add_argument("--recent", type=Path, default=RECENT)
    parser.add_argument("--labels", type=Path, help="hand labels: {key, dimension, fits} per line")
    parser.add_argument("--scorer", default="prototype+lexicon+genre", help="the variant to ship")
    parser.add_argument("--out", type=Path, default=MOODS_DIR / MOODS_FILE)
    args = parser.parse_args()
    settings = Settings()
    films = catalog_films(args.plots) + recent_films(args.recent, settings)
    print(f"{len(films)} films with a story")
    proto, lexicon, genre = prototype_scores(films, settings), lexicon_scores(films), genre_scores(films)
    variants = {
        "prototype": proto,
        "lexicon": lexicon,
        "genre": genre,
        "prototype+genre": combine(proto, genre),
        "lexicon+genre": combine(lexicon, genre),
        "prototype+lexicon+genre": combine(proto, lexicon, genre),
    }
    if args.labels:
        labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
        index = {f.key: i for i, f in enumerate(films)}
        print("| scorer | pairs | AUC | mean AUC per dimension | accuracy | kappa |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, scores in variants.items():
            a = agreement(percentiles(scores), index, labels)
            print(
                f"| {name} | {a['pairs']} | {a['auc']:.3f} | {a['mean_dim_auc']:.3f} | {a['accuracy']:.3f} "
                f"| {a['kappa']:.3f} |"
            )
    write_index(args.out, films, percentiles(variants[args.scorer]), args.scorer)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, scorer {args.scorer})")


if __name__ == "__main__":
    main()
