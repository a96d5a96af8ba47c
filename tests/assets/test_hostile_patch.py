"""Hostile PATCH bodies: each is a 400 whose error names the problem, and nothing is stored
(a 500 before: RecursionError, an index row too large, bigint out of range; or a 200 that kept
an impossible date or dropped a misspelt field)."""

import pytest
from rest_framework.test import APIClient

from assets.fields import LINE_MAX_BYTES, LIST_MAX_BYTES, TEXT_MAX_BYTES, values_fit
from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser("editor", password="x")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture
def asset_id(make_jpeg):
    [result] = ingest_paths([make_jpeg("hostile-patch.jpg", seed=71)])
    return result.asset_id


def patch(client, asset_id, body, **extra):
    if isinstance(body, (bytes, str)):
        return client.patch(f"/api/assets/{asset_id}/", body, content_type="application/json", **extra)
    return client.patch(f"/api/assets/{asset_id}/", body, format="json", **extra)


def refused(response, *words):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    error = response.json()["error"]
    for word in words:
        assert word in error, error
    return response.json()


@pytest.mark.django_db
def test_a_body_nested_100000_deep_is_refused_by_the_parser(editor, asset_id):
    refused(patch(editor, asset_id, "[" * 100_000 + "]" * 100_000), "nested more than 32 levels")
    refused(patch(editor, asset_id, '{"metadata": ' * 50_000 + "1" + "}" * 50_000), "nested")
    # Deep enough to parse, too deep to walk safely later.
    refused(patch(editor, asset_id, '{"metadata": {"keywords": ' + "[" * 40 + "]" * 40 + "}}"), "nested")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, words",
    [
        ({"metadata": {"keywords": ["k" * 1_000_000]}}, ("keywords", "1,000,000 bytes", "2,000")),
        ({"metadata": {"city": "c" * 1_000_000}}, ("city", "1,000,000 bytes")),
        ({"metadata": {"description": "d" * 70_000}}, ("description", "70,000 bytes", "65,536")),
        ({"metadata": {"keywords": [str(n) for n in range(1_001)]}}, ("keywords", "1,001 items")),
        # Each item fits, all of them together do not (a 500 before: "string is too long for tsvector").
        (
            {"metadata": {"keywords": [f"{n:04d}" + "k" * 1_996 for n in range(1_000)]}},
            ("keywords", "2,000,000 bytes", "32,768"),
        ),
        (
            {"metadata": {"creators": [f"{n:04d}" + "c" * 996 for n in range(40)]}},
            ("creators", "40,000 bytes", "32,768"),
        ),
        ({"metadata": {"track_number": 10**30}}, ("track_number", "9223372036854775807")),
        ({"metadata": {"track_number": -(10**30)}}, ("track_number",)),
        ({"metadata": {"track_number": "three"}}, ("track_number",)),
        ({"metadata": {"bpm": "fast"}}, ("bpm",)),
        ({"metadata": {"latitude": 91, "longitude": 10}}, ("latitude", "90")),
        ({"metadata": {"date_created": "2020-13-45T25:61:61"}}, ("date_created", "not a real date")),
        ({"metadata": {"date_created": "2021-02-29"}}, ("date_created", "not a real date")),
        ({"metadata": {"date_created": "2020-01-01T24:00:00"}}, ("date_created",)),
        ({"metadata": {"date_created": "2020-01-01T10:00:00+25:00"}}, ("date_created",)),
        ({"metadata": {"date_created": "last Tuesday"}}, ("date_created", "ISO 8601")),
        ({"metadata": {"date_created": "20200101"}}, ("date_created", "ISO 8601")),
        ({"metadata": {"title": "bell\x07"}}, ("title",)),
        ({"metadata": {"title": ["a", "list"]}}, ("title",)),
        ({"metadata": {"keywords": "x" * 3_000}}, ("keywords",)),
        ({"metadata": {"keywords": [{"nested": "object"}]}}, ("keywords",)),
        ({"metadata": []}, ("metadata",)),
        ({"embargo_until": "2020-13-45T25:61:61"}, ("embargo_until",)),
        ({"embargo_until": "tomorrow"}, ("embargo_until",)),
        ({"consent_status": "maybe"}, ("consent_status",)),
        ({"location_sensitive": "perhaps"}, ("location_sensitive",)),
        ({"allowed_territories": ["NOR"]}, ("allowed_territories",)),
        ([1, 2, 3], ("dictionary",)),
    ],
)
def test_values_outside_a_fields_type_or_range_are_refused_naming_the_field(editor, asset_id, body, words):
    before = Asset.objects.get(pk=asset_id).metadata()
    refused(patch(editor, asset_id, body), *words)
    assert Asset.objects.get(pk=asset_id).metadata() == before
    assert not MetadataChange.objects.filter(asset_id=asset_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, named",
    [
        ({"metadata": {"titel": "typo"}}, {"metadata.titel"}),
        ({"titel": "typo", "foo": 1}, {"titel", "foo"}),
        ({"metadata": {"width": 10}}, {"metadata.width"}),
        ({"title": "at the wrong level"}, {"title"}),
        ({"metadata": {"embargo_until": "2030-01-01T00:00:00Z"}}, {"metadata.embargo_until"}),
    ],
)
def test_unknown_and_read_only_fields_are_refused_by_name(editor, asset_id, body, named):
    data = refused(patch(editor, asset_id, body), *sorted(named))
    assert set(data["unknown_fields"]) == {name.split(".")[-1] for name in named}
    assert not MetadataChange.objects.filter(asset_id=asset_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["2020", "2020-06", "2020-06-30", "2020-06-30T23:59", "2020-06-30T23:59:59.25Z", "2020-06-30T08:00:00-09:30"],
)
def test_dates_as_precise_as_files_hold_them_are_accepted(editor, asset_id, value):
    response = patch(editor, asset_id, {"metadata": {"date_created": value}})
    assert response.status_code == 200, response.content
    assert Asset.objects.get(pk=asset_id).date_created == value


@pytest.mark.django_db
def test_valid_values_at_the_limits_are_accepted(editor, asset_id):
    body = {
        "metadata": {"keywords": ["k" * 2_000, "ø" * 1_000], "track_number": 2**63 - 1, "description": "d" * 65_536},
        "embargo_until": None,
    }
    response = patch(editor, asset_id, body)
    assert response.status_code == 200, response.content
    asset = Asset.objects.get(pk=asset_id)
    assert asset.track_number == 2**63 - 1 and len(asset.keywords) == 2


def distinct_words():
    """Short words, each once: what makes a tsvector largest for the size of its text."""
    import itertools
    import string

    for length in (3, 4):
        for letters in itertools.product(string.ascii_lowercase + string.digits, repeat=length):
            yield "".join(letters)


def text_of(words, size: int) -> str:
    text = ""
    while len(text) + 5 <= size:
        text += next(words) + " "
    return text.strip()


# Every field the search trigger (migration 0008) indexes, by the limit an edit may fill it to.
SEARCHED_LINES = ["title", "headline", "sublocation", "city", "province_state", "event", "genre", "publisher"]
SEARCHED_TEXTS = ["description", "alt_text", "extended_description"]
SEARCHED_LISTS = ["keywords", "persons_shown", "creators"]


@pytest.mark.django_db
def test_every_searched_field_at_its_limit_fits_the_search_index(editor, asset_id):
    words = distinct_words()
    metadata = {name: text_of(words, LINE_MAX_BYTES) for name in SEARCHED_LINES}
    metadata |= {name: text_of(words, TEXT_MAX_BYTES) for name in SEARCHED_TEXTS}
    for name in SEARCHED_LISTS:
        metadata[name] = [text_of(words, LINE_MAX_BYTES) for _ in range(LIST_MAX_BYTES // LINE_MAX_BYTES)]
        metadata[name].append(text_of(words, LIST_MAX_BYTES - sum(len(item) for item in metadata[name])))
    response = patch(editor, asset_id, {"metadata": metadata})
    assert response.status_code == 200, response.content[:300]
    assert Asset.objects.filter(pk=asset_id, search_vector__isnull=False).exists()


def test_a_files_lists_are_cut_to_the_total_an_edit_may_give():
    values = {"keywords": [f"{n:04d}" + "k" * 2_500 for n in range(1_000)]}
    [warning] = values_fit(values)
    kept = values["keywords"]
    assert len(kept) == LIST_MAX_BYTES // LINE_MAX_BYTES and all(len(item) == LINE_MAX_BYTES for item in kept)
    assert "32,768 bytes in all" in warning
