"""The default catalog: 17,472 films from ``bokeh-sampledata`` (CC0, a Wikidata snapshot).

The SQLite file is located inside the installed wheel without importing the package (it would pull
pandas and more); the mapping joins ``omdb`` with ``tomatoes`` and types every filterable field.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from chatrec.catalog import FieldMapping, FieldSpec
from chatrec.errors import SourceError

QUERY = """
SELECT o.ID AS id, o.Title AS title, o.Year AS year, o.Rating AS rating, o.Runtime AS runtime,
       o.Genre AS genres, o.Director AS director, o.Writer AS writer, o."Cast" AS "cast",
       o.Metacritic AS metacritic, o.Language AS language, o.Country AS country,
       o.Awards AS awards, o.Oscars AS oscars, t.Meter AS critic_meter, t.Reviews AS reviews,
       t.Production AS production, o.imdbID AS imdb_id
FROM omdb o LEFT JOIN tomatoes t ON t.ID = o.ID
ORDER BY o.ID
"""

MAPPING = FieldMapping(
    id="id",
    title="title",
    query=QUERY,
    fields={
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
        "imdb_id": FieldSpec(column="imdb_id"),
    },
    # Cast goes last: it is long and alphabetical, so the embedder's truncation should cut it first.
    text=["genres", "directors", "writers", "countries", "languages", "awards", "production", "cast"],
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
