"""Build the shipped recent films (2015–2025): cleaned rows derived from Wikipedia's film lists.

    python -m benchmarks.build_recent_films [--data ../shared/data/recent/films_2015_2025.json.gz]
        [--sample 20]

The default catalog (bokeh-sampledata) ends in 2014. ``../shared/data/recent/`` holds 3,512 US films
of 2015–2025 (MIT lists: title, year, cast, genres; CC BY-SA lead sections of their Wikipedia
articles). CI has no ``../shared``, so this script turns it into a derived artefact that ships:
``chatrec/models/recent-films/films.jsonl.gz``, one film a line, sorted by id, gzipped without a
timestamp (a rebuild is byte-identical). Cleaning, each rule counted in the printed summary and
in the card (``README.md`` beside it):

- a row without a title, a year in range, an article (``href``) or a usable lead is dropped:
  disambiguation pages ("may refer to") and leads too short to say anything;
- a second row for the same article is dropped (the first wins, as in the source's own merge);
- directors are read from the lead where it says "directed by …" (:func:`directors`);
- genres come from the row, mapped to the catalog's vocabulary; a row without any takes them from
  the lead's first sentence ("is a 2023 American supernatural horror film");
- the story is quoted from the lead: its sentences about the story ("The film follows …"), whole
  and never reworded (:func:`story`), so it can be shown with the credit
  "Plot: Wikipedia, CC BY-SA" as the old films' synopses are.

``--sample N`` prints N random films with their lead, directors and story to check by eye.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from benchmarks.build_synopses import MAX_CHARS, SLUR, _cut, clean, sentences
from benchmarks.common import catalog_items
from chatrec.catalog.recent import RECENT_FILE, RECENT_ID_PREFIX

DEFAULT_DATA = Path("../shared/data/recent/films_2015_2025.json.gz")
MIN_LEAD = 60  # characters: a shorter lead says no more than its title
YEARS = (2015, 2025)
MAX_STORY_SENTENCES = 3

# The source's genre labels and the lead's genre words, in the catalog's spelling (OMDb's, as in
# chatrec/catalog/vocabulary.py; `main` checks them against the old catalog's genres). Labels the
# catalog has no genre for (teen, political, erotic, independent, live action, short) are left out
# rather than forced into a wrong one.
GENRE_WORDS: dict[str, tuple[str, ...]] = {
    "action": ("Action",),
    "adventure": ("Adventure",),
    "animated": ("Animation",),
    "animation": ("Animation",),
    "biography": ("Biography",),
    "biographical": ("Biography",),
    "biopic": ("Biography",),
    "comedy": ("Comedy",),
    "comedic": ("Comedy",),
    "satire": ("Comedy",),
    "satirical": ("Comedy",),
    "parody": ("Comedy",),
    "dramedy": ("Comedy", "Drama"),
    "rom-com": ("Romance", "Comedy"),
    "crime": ("Crime",),
    "heist": ("Crime",),
    "gangster": ("Crime",),
    "noir": ("Crime",),
    "neo-noir": ("Crime",),
    "documentary": ("Documentary",),
    "drama": ("Drama",),
    "family": ("Family",),
    "fantasy": ("Fantasy",),
    "historical": ("History",),
    "history": ("History",),
    "horror": ("Horror",),
    "slasher": ("Horror",),
    "found footage": ("Horror",),
    "musical": ("Musical",),
    "music": ("Music",),
    "dance": ("Music",),
    "concert": ("Music",),
    "performance": ("Music",),
    "mystery": ("Mystery",),
    "romance": ("Romance",),
    "romantic": ("Romance",),
    "science fiction": ("Sci-Fi",),
    "science-fiction": ("Sci-Fi",),
    "sci-fi": ("Sci-Fi",),
    "sports": ("Sport",),
    "sport": ("Sport",),
    "superhero": ("Action",),
    "martial arts": ("Action",),
    "disaster": ("Action",),
    "spy": ("Thriller",),
    "suspense": ("Thriller",),
    "thriller": ("Thriller",),
    "war": ("War",),
    "western": ("Western",),
}
GENRE_WORD = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, GENRE_WORDS), key=len, reverse=True)) + r")(?![\w-])"
)
# The lead's first sentence describes the film: "X is a 2023 American supernatural horror film".
DESCRIPTOR = re.compile(r"\bis an? (.{0,160}?)\b(?:film|movie|feature|documentary)\b", re.I)

# "directed by Tom Harper and starring…", "written and directed by Scott Foley in his debut",
# "directed by Anthony and Joe Russo, from a screenplay…": a name is capitalised words, initials
# and name particles; names are joined by commas or "and".
UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
WORD = rf"(?:(?:[{UPPER}]\.\s?)+[{UPPER}][\w'’-]+|[{UPPER}][\w'’-]+(?:\s(?:Jr|Sr)\.)?)"
PARTICLE = r"(?:de|da|del|della|van|von|der|den|le|la|di|du|bin|al|dos|das)"
NAME = rf"{WORD}(?:\s(?:{PARTICLE}\s)*{WORD})*"
DIRECTED = re.compile(
    rf"\b(?:[Cc]o-)?[Dd]irected\s+(?:and\s+(?:co-)?(?:written|produced|edited)\s+)?by\s+(?P<names>{NAME}"
    rf"(?:(?:,\s|,?\sand\s)(?!starring|written|produced|co-|edited)(?:{NAME}))*)"
)
NOT_A_NAME = re.compile(r"^(?:The|A|An|His|Her|Their|Its|Netflix|Disney|Pixar|Marvel)\b")

# The lead's sentences about the story say so; the others are about production and reception
# (a sentence of reviews is never a story, whatever its verbs).
RECEPTION = re.compile(
    r"\b(?:reviews?|critics|criticism|box[- ]office|grossed|acclaim\w*|nominat\w*)\b", re.I
)
STORY_CUE = re.compile(
    r"\b(?:follows|(?:centers|centres|centered|centred|focuses) on|revolves around|takes place"
    r"|tells the (?:true )?story|is about|chronicles|depicts|recounts|trails)\b"
    r"|^(?:In the film|In it|The (?:film|story|plot) (?:sees|is set)|It sees|Follows?"
    r"|Set (?:in|during|on|three|two|years)"
    r"|(?:It|The film|The story) is set (?:in|during|on))\b",
)


def slug(href: str) -> str:
    """The article's slug exactly as the source spells it (``Let%27s_Kill_Ward%27s_Wife``): the id
    is ``wiki:<href>`` and other indexes key films by it, so it is never re-encoded."""
    return href.strip()


def usable_lead(extract: str) -> str | None:
    """The lead, cleaned, or None for a disambiguation page or a lead too short to use."""
    text = clean(extract or "")
    if len(text) < MIN_LEAD or re.search(r"\bmay (?:also )?refer to\b", text[:400]):
        return None
    return text


def directors(lead: str) -> list[str]:
    """Directors named in the lead's "directed by …" (first such phrase), or [] when it has none.
    "Anthony and Joe Russo" is two people with the surname of the second."""
    match = DIRECTED.search(lead)
    if not match:
        return []
    names = [n for n in re.split(r",\s(?:and\s)?|\sand\s", match["names"]) if n and not NOT_A_NAME.match(n)]
    if len(names) == 2 and " " not in names[0] and " " in names[1]:
        names[0] = f"{names[0]} {names[1].split()[-1]}"
    return [n for n in names if " " in n or "." in n]  # one word alone is no one's whole name


def genres_of(labels: Iterable[str]) -> list[str]:
    """Source labels or lead words in the catalog's genre spelling, in order, each once."""
    found = [g for label in labels for g in GENRE_WORDS.get(label.casefold().strip(), ())]
    return list(dict.fromkeys(found))


def genres_from_lead(lead: str) -> list[str]:
    """Genres the first sentence's description gives ("a 2023 American supernatural horror film")."""
    match = DESCRIPTOR.search(sentences(lead, limit=1)[0] if lead else "")
    if not match:
        return []
    words = [w.casefold() for w in GENRE_WORD.findall(match.group(1).casefold())]
    return genres_of(words)


def story(lead: str) -> str:
    """The lead's sentences about the story, quoted whole: those after the first with a story cue
    ("follows", "centers on", "In the film, …", "Set in …") and no word of reception. At most
    three, stopping before ``MAX_CHARS``; "" when none. Sentences without a cue are never taken:
    a sample of them (build notes in the card) was mostly cast lists, production and trivia."""
    parts = sentences(lead)[1:] if lead else []
    parts = [p for p in parts if not SLUR.search(p)]
    chosen = [p for p in parts if STORY_CUE.search(p) and not RECEPTION.search(p)]
    if not chosen:
        return ""
    if len(chosen[0]) > MAX_CHARS:
        return _cut(chosen[0])
    text = chosen[0]
    for part in chosen[1:MAX_STORY_SENTENCES]:
        if len(text) + 1 + len(part) > MAX_CHARS:
            break
        text = f"{text} {part}"
    return text


def clean_rows(rows: Iterable[Mapping[str, Any]], counts: Counter[str]) -> list[dict[str, Any]]:
    """The films worth shipping, as artefact rows; every dropped or repaired row is counted."""
    films: dict[str, dict[str, Any]] = {}
    for row in rows:
        counts["rows"] += 1
        title = " ".join(str(row.get("title") or "").split())
        year = row.get("year")
        if not title or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
            counts["dropped: no title or year"] += 1
            continue
        href = slug(str(row.get("href") or ""))
        lead = usable_lead(str(row.get("extract") or ""))
        if not href or lead is None:
            disambiguation = "refer to" in str(row.get("extract") or "")
            counts["dropped: disambiguation page" if disambiguation else "dropped: no article or lead"] += 1
            continue
        item_id = f"{RECENT_ID_PREFIX}{href}"
        if item_id in films:
            counts["dropped: same article twice"] += 1
            continue
        cast = [" ".join(str(c).split()) for c in row.get("cast") or [] if str(c).strip()]
        genres = genres_of(str(g) for g in row.get("genres") or [])
        if not genres:
            genres = genres_from_lead(lead)
            counts["genres from the lead" if genres else "no genres"] += 1
        people = directors(lead)
        counts["directors found" if people else "no director found"] += 1
        text = story(lead)
        counts["story quoted" if text else "no story"] += 1
        films[item_id] = {
            "id": item_id,
            "title": title,
            "year": year,
            "genres": genres,
            "directors": people,
            "cast": cast,
            "href": href,
            "story": text,
        }
    counts["films"] = len(films)
    return [films[i] for i in sorted(films)]


def write(path: Path, films: list[dict[str, Any]]) -> None:
    """One JSON object a line, sorted by id; gzip without a timestamp (reproducible)."""
    lines = [json.dumps(f, ensure_ascii=False, sort_keys=True) for f in films]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RECENT_FILE)
    parser.add_argument("--sample", type=int, default=0, help="print N random films to check by eye")
    args = parser.parse_args()
    known = {g for item in catalog_items(recent=False) for g in item.genres}
    if unknown := {g for gs in GENRE_WORDS.values() for g in gs} - known:
        raise SystemExit(f"genres not in the catalog's vocabulary: {sorted(unknown)}")
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        rows = json.load(fh)
    counts: Counter[str] = Counter()
    films = clean_rows((r for r in rows if isinstance(r, dict)), counts)
    counts["dropped: not an object"] = sum(1 for r in rows if not isinstance(r, dict))
    write(args.out, films)
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}")
    print(f"wrote {args.out}")
    if args.sample:
        leads = {f"{RECENT_ID_PREFIX}{slug(str(r.get('href') or ''))}": r.get("extract") for r in rows}
        for film in random.Random(0).sample(films, args.sample):
            print(
                f"\n== {film['title']} ({film['year']}) directors={film['directors']} genres={film['genres']}"
            )
            print(f"lead: {clean(str(leads.get(film['id']) or ''))[:600]}")
            print(f"story: {film['story']}")


if __name__ == "__main__":
    main()
