"""The asset filters: one table read the same way for the list API and search, and documented."""

import re
from datetime import UTC, date, datetime

import pytest

from assets.filters import ASSET_FILTERS, FILTERS_BY_NAME, FilterError, filters_parse
from tests.conftest import PROJECT_DIR


def test_query_text_and_json_values_mean_the_same():
    as_text = filters_parse({"keyword": "Harbour", "near": "59.9, 10.7, 5", "bbox": "50,0,70,20", "has_gps": "false"})
    as_json = filters_parse(
        {"keyword": ["Harbour"], "near": {"lat": 59.9, "lon": 10.7, "km": 5}, "bbox": [50, 0, 70, 20], "has_gps": False}
    )
    assert (
        as_text
        == as_json
        == {
            "keyword": ["Harbour"],
            "near": {"lat": 59.9, "lon": 10.7, "km": 5.0},
            "bbox": [50.0, 0.0, 70.0, 20.0],
            "has_gps": False,
        }
    )


def test_parsed_filters_parse_to_themselves():
    parsed = filters_parse(
        {
            "keywords": ["a", " b "],
            "created_after": "2021-06-01",
            "ingested_before": "0275-12-15T18:05:19.3-16:36",  # beyond PostgreSQL's offsets: fine in UTC
            "q": " harbour ",
        }
    )
    assert parsed["keyword"] == ["a", "b"] and parsed["q"] == "harbour"
    assert parsed["created_after"] == date(2021, 6, 1)
    assert parsed["ingested_before"] == datetime(275, 12, 16, 10, 41, 19, 300000, tzinfo=UTC)
    assert filters_parse(parsed) == parsed


def test_an_alias_and_its_filter_count_once_with_every_value():
    assert filters_parse({"keyword": "a", "keywords": ["b", "c"]}) == {"keyword": ["a", "b", "c"]}


def test_empty_values_are_no_condition():
    assert filters_parse({"city": "", "keyword": [], "near": None, "has_gps": False}) == {"has_gps": False}


@pytest.mark.parametrize(
    ("filters", "name"),
    [
        ({"colour": "red"}, "colour"),
        ({"has_gps": "maybe"}, "has_gps"),
        ({"created_after": "2021-02-30"}, "created_after"),
        ({"ingested_after": "yesterday"}, "ingested_after"),
        ({"ingested_after": "0001-01-01T00:00:00+05:00"}, "ingested_after"),  # before year 1 in UTC
        ({"near": {"lat": 95, "lon": 0, "km": 10}}, "near"),
        ({"near": "Oslo"}, "near"),
        ({"near": {"lat": True, "lon": 0, "km": 10}}, "near"),
        ({"bbox": [1, 2, 3]}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"bbox": [10, 0, 5, 1]}, "bbox"),  # south of north
        ({"country": 3}, "country"),
        ({"keywords": ["a\x00b"]}, "keywords"),  # PostgreSQL takes no NUL in text
    ],
)
def test_bad_values_name_the_filter(filters, name):
    with pytest.raises(FilterError) as raised:
        filters_parse(filters)
    assert raised.value.name == name and str(raised.value).startswith(f"{name}: ")


def test_the_list_ignores_unknown_names_when_asked():
    assert filters_parse({"page_size": "3", "city": "Oslo"}, ignore_unknown=True) == {"city": "Oslo"}


def test_every_filter_is_documented_once_and_nothing_else():
    page = (PROJECT_DIR / "docs" / "filters.md").read_text()
    table = page.split("## The filters", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == [definition.name for definition in ASSET_FILTERS]
    for name, definition in FILTERS_BY_NAME.items():
        if name != definition.name:
            assert f"`{name}` is an alias of `{definition.name}`" in page
