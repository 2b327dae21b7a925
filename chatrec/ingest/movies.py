"""The default catalog: 17,472 films from ``bokeh-sampledata`` (CC0, a Wikidata snapshot, 1940–2014)
and the shipped recent films (2015–2025, ``chatrec.catalog.recent``), as one source of rows.

The SQLite file is located inside the installed wheel without importing the package (it would pull
pandas and more); the mapping joins ``omdb`` with ``tomatoes`` and types every filterable field.
The recent films follow as rows of the same mapping (:func:`default_rows`).
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chatrec.catalog import FieldMapping, FieldSpec
from chatrec.catalog.recent import RecentFilms, packaged_recent
from chatrec.catalog.titles import normalise_title
from chatrec.errors import SourceError
from chatrec.ingest.sources import Row, SourceRow, read_rows

QUERY = """
SELECT o.ID AS id, o.imdbID AS imdb_id, o.Title AS title, o.Year AS year, o.Rating AS rating,
       o.Runtime AS runtime, o.Genre AS genres, o.Director AS director, o.Writer AS writer,
       o."Cast" AS "cast",
       o.Metacritic AS metacritic, o.Language AS language, o.Country AS country,
       o.Awards AS awards, o.Oscars AS oscars, t.Meter AS critic_meter, t.Reviews AS reviews,
       t.Production AS production, NULL AS href, NULL AS story, NULL AS reviews_prior
FROM omdb o LEFT JOIN tomatoes t ON t.ID = o.ID
ORDER BY o.ID
"""

MAPPING = FieldMapping(
    id="id",
    title="title",
    query=QUERY,
    fields={
        "imdb_id": FieldSpec(column="imdb_id"),
        "year": FieldSpec(column="year", type="int"),
        "runtime": FieldSpec(column="runtime", type="int"),
        "rating": FieldSpec(column="rating"),
        "metacritic": FieldSpec(column="metacritic", type="int"),
        "critic_meter": FieldSpec(column="critic_meter", type="int"),
        "reviews": FieldSpec(column="reviews", type="int"),
        "oscars": FieldSpec(column="oscars", type="int"),
        "genres": FieldSpec(column="genres", type="list"),
        "directors": FieldSpec(column="director", type="list"),
        "writers": FieldSpec(column="writer", type="list"),
        "cast": FieldSpec(column="cast", type="list"),
        "languages": FieldSpec(column="language", type="list"),
        "countries": FieldSpec(column="country", type="list"),
        "awards": FieldSpec(column="awards"),
        "production": FieldSpec(column="production"),
        # Recent films only: the Wikipedia article's slug, and the review count assumed for a film
        # whose count is unknown (chatrec/ingest/recent_rows.py says which and why).
        "href": FieldSpec(column="href"),
        "reviews_prior": FieldSpec(column="reviews_prior", type="int", min=0),
    },
    # Cast goes last: it is long and alphabetical, so the embedder's truncation should cut it first.
    # Only recent films have a story (quoted from Wikipedia); it goes before their cast, for the
    # same reason. The old films' texts are unchanged by it (a missing column adds nothing).
    text=[
        "genres",
        "directors",
        "writers",
        "countries",
        "languages",
        "awards",
        "production",
        "story",
        "cast",
    ],
)


def movies_db_path() -> Path:
    """Path of ``movies.db`` inside the installed ``bokeh-sampledata`` wheel."""
    spec = importlib.util.find_spec("bokeh_sampledata")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            "the default catalog needs bokeh-sampledata: pip install --no-deps bokeh-sampledata==2026.1"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "_data" / "movies.db"
    if not path.is_file():
        raise SourceError(f"movies.db is missing from bokeh-sampledata at {path}")
    return path


# A recent film has no review count. It is assumed to be as well known as the median film of the
# old catalog's last years that has a count: neither ahead of the known films nor buried beneath
# the obscure ones (0 reviews would rank every recent film last whenever fit is equal).
PRIOR_YEARS = 5


@dataclass
class DefaultCatalog:
    """The default catalog's rows (old films, then the recent films not already among them) and
    what became of the recent films."""

    rows: list[Row]
    recent: int = 0  # recent films added as rows
    joined: int = 0  # recent films the old catalog already has (its row wins, keeps its id)
    skipped: int = 0  # artefact lines that were no film
    prior: int = 0  # the review count assumed for recent films

    def line(self) -> str:
        return (
            f"recent films (2015–2025): {self.recent} added to the catalog, {self.joined} already in it "
            f"(title + year), {self.skipped} skipped; assumed review count {self.prior}"
        )


def review_prior(rows: Iterable[Row]) -> int:
    """The median review count of the old catalog's films of its last ``PRIOR_YEARS`` years."""
    known = [
        (r["year"], r["reviews"]) for r in rows if isinstance(r, dict) and isinstance(r.get("reviews"), int)
    ]
    last = max((y for y, _ in known if isinstance(y, int)), default=0)
    counts = [n for y, n in known if isinstance(y, int) and y > last - PRIOR_YEARS and n > 0]
    return int(statistics.median(counts)) if counts else 0


def default_rows(recent: RecentFilms | None = None) -> DefaultCatalog:
    """The old catalog's rows, then one row per recent film it does not already hold: a recent
    film with the normalised title of an old one and a year within one (festival and release
    years differ: *Ex Machina* is 2014 there and 2015 here) is the same film, and the old row wins."""
    old = list(read_rows(movies_db_path(), MAPPING))
    years: dict[str, list[int]] = {}
    for row in old:
        if isinstance(row, dict) and isinstance(row.get("year"), int):
            years.setdefault(normalise_title(str(row.get("title") or "")), []).append(row["year"])
    films = packaged_recent() if recent is None else recent
    found = DefaultCatalog(rows=old, skipped=films.skipped, prior=review_prior(old))
    for number, film in enumerate(films.films, 1):
        year = film.get("year")
        known = years.get(normalise_title(str(film.get("title") or "")), [])
        if isinstance(year, int) and any(abs(year - y) <= 1 for y in known):
            found.joined += 1
            continue
        values = {
            "id": film["id"],
            "title": film.get("title"),
            "year": year,
            "genres": film.get("genres") or None,
            "director": film.get("directors") or None,
            "cast": film.get("cast") or None,
            "href": film.get("href"),
            "story": film.get("story") or None,
            "reviews_prior": found.prior,
        }
        found.rows.append(SourceRow(values, f"recent film {number} ({film['id']})"))
        found.recent += 1
    return found
