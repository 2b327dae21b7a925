"""Unit tests of row -> item conversion: types, reasons for rejection, text and hash."""

import pytest

from chatrec.catalog import FieldMapping, FieldSpec, RowError, item_from_row

MAPPING = FieldMapping(
    id="id",
    title="name",
    fields={
        "year": FieldSpec(column="yr", type="int"),
        "score": FieldSpec(column="score", type="float"),
        "genres": FieldSpec(column="tags", type="list", separator="|"),
        "director": FieldSpec(column="dir"),
    },
    text=["genres", "director", "plot"],
)


def test_typed_fields_and_text():
    item = item_from_row(
        {
            "id": 7,
            "name": " Heat ",
            "yr": "1995",
            "score": "8.5",
            "tags": "Crime| Drama|",
            "dir": "Michael Mann",
            "plot": "Cops",
        },
        MAPPING,
    )
    assert item.id == "7"
    assert item.title == "Heat"
    assert item.metadata == {
        "year": 1995,
        "score": 8.5,
        "genres": ["Crime", "Drama"],
        "genres_count": 2,
        "director": "Michael Mann",
        "title": "Heat",
    }
    assert item.text == "Heat (1995). Genres: Crime, Drama. Director: Michael Mann. Plot: Cops."
    assert item.label == "Heat (1995)"


def test_empty_cells_are_missing_not_errors():
    item = item_from_row({"id": "a", "name": "X", "yr": "", "score": None, "tags": " | "}, MAPPING)
    assert item.metadata == {"title": "X"}
    assert item.text == "X."


def test_float_that_is_whole_is_an_int():
    assert item_from_row({"id": 1, "name": "X", "yr": 1995.0}, MAPPING).metadata["year"] == 1995


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"name": "X"}, "no id"),
        ({"id": "  ", "name": "X"}, "no id"),
        ({"id": 1}, "no title"),
        ({"id": 1, "name": "   "}, "no title"),
        ({"id": 1, "name": "X", "yr": "nineteen"}, "field 'year' is not of type int"),
        ({"id": 1, "name": "X", "yr": 1995.5}, "field 'year' is not of type int"),
        ({"id": 1, "name": "X", "score": "inf"}, "field 'score' is not of type float"),
        ({"id": 1, "name": "Caf\udce9"}, "invalid UTF-8"),
    ],
)
def test_bad_rows_say_why(row, reason):
    with pytest.raises(RowError, match=reason):
        item_from_row(row, MAPPING)


def test_hash_changes_with_content_and_model():
    a = item_from_row({"id": 1, "name": "X", "yr": 2000}, MAPPING)
    b = item_from_row({"id": 1, "name": "X", "yr": 2001}, MAPPING)
    assert a.content_hash("m") == item_from_row({"id": 1, "name": "X", "yr": 2000}, MAPPING).content_hash("m")
    assert a.content_hash("m") != b.content_hash("m")
    assert a.content_hash("m") != a.content_hash("other-model")


def test_mapping_rejects_unknown_keys():
    with pytest.raises(ValueError, match="extra"):
        FieldMapping.model_validate({"id": "id", "title": "t", "titel": "x"})
