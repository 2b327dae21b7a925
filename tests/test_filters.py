"""Unit tests of the constraint -> Chroma where compilation."""

import pytest

from chatrec.catalog.bounds import checked_constraints
from chatrec.catalog.filters import Filters
from chatrec.errors import InputError


def test_no_filters_is_no_where():
    assert Filters().where() is None
    assert Filters().is_empty()


def test_single_clause_is_not_wrapped():
    assert Filters(max_runtime=120).where() == {"runtime": {"$lte": 120}}


def test_all_clauses():
    where = Filters(
        year_from=1980,
        year_to=1989,
        genres=["Comedy"],
        not_genres=["Horror"],
        ratings=["PG"],
        languages=["French", "English"],
    ).where()
    assert where == {
        "$and": [
            {"year": {"$gte": 1980}},
            {"year": {"$lte": 1989}},
            {"genres": {"$contains": "Comedy"}},
            {"genres_count": {"$gte": 1}},
            {"genres": {"$not_contains": "Horror"}},
            {"rating": {"$in": ["PG"]}},
            {"$or": [{"languages": {"$contains": "French"}}, {"languages": {"$contains": "English"}}]},
        ]
    }


def test_years_must_be_in_order():
    with pytest.raises(ValueError, match="after"):
        Filters(year_from=2000, year_to=1990)


def test_any_year_an_item_may_have_can_be_asked_for_and_no_other():
    assert checked_constraints({"year_to": 1850}) == {"year_to": 1850}  # an ingestible year
    with pytest.raises(InputError, match="between 1800 and 2100"):
        checked_constraints({"year_from": 1799})
