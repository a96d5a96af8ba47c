"""The text the asset_text role embeds: the rows of the field table that go into it, in order."""

from assets.models import Asset
from embeddings.texts import asset_text


def test_the_search_text_has_one_line_per_part_in_the_table_order():
    asset = Asset(
        title="Sails at dawn",
        headline="Sails at dawn",  # a repeated line is left out
        description="Boats leave the harbour.",
        alt_text="",
        extended_description="Three sailing boats.",
        keywords=["harbour", "boats"],
        sublocation="",
        city="Bergen",
        country="Norway",
        creators=["Kari Nordmann"],  # not a part of the search text
    )
    assert asset_text(asset) == (
        "Sails at dawn\nBoats leave the harbour.\nThree sailing boats.\nharbour, boats\nBergen, Norway"
    )


def test_an_asset_without_those_fields_has_no_search_text():
    assert asset_text(Asset(creators=["Kari Nordmann"], copyright_notice="(c) 2026")) == ""
