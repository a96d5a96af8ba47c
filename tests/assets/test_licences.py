"""Licences by name: one licence however its URL is written; unknown URLs shortened, never guessed."""

import pytest

from assets.licences import LICENCES, licence_for, licence_name


@pytest.mark.parametrize(
    "url, name",
    [
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
        ("http://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0 1.0"),
        ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/deed.de", "CC BY-NC-SA 4.0"),
        ("http://www.creativecommons.org/licenses/by-sa/3.0/de/", "CC BY-SA 3.0"),
        ("https://creativecommons.org/licenses/by-nd/2.5/legalcode.fr", "CC BY-ND 2.5"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "Public Domain Mark 1.0"),
        ("http://rightsstatements.org/vocab/InC/1.0/", "In Copyright (all rights reserved)"),
        ("https://rightsstatements.org/page/NoC-US/1.0/?language=en", "No Copyright, United States"),
    ],
)
def test_a_licence_is_named_however_its_url_is_written(url, name):
    assert licence_name(url) == name


def test_unknown_urls_are_shortened_not_guessed():
    assert licence_for("https://example.com/WebStatementOfRights/ref2023.2") is None
    assert licence_name("https://www.example.com/terms/") == "example.com/terms"
    # A CC-looking URL with a licence that does not exist is not given a name.
    assert licence_name("https://creativecommons.org/licenses/by-xx/4.0/") == "creativecommons.org/licenses/by-xx/4.0"


def test_no_url_is_all_rights_reserved_only_where_a_notice_says_so():
    assert licence_name("", ("© 2024 Example Press. All Rights Reserved.",)) == "All rights reserved"
    assert licence_name("", ("© 2024 Example Press",)) == ""


def test_every_licence_in_the_table_is_found_by_its_own_url_and_names_are_unique():
    assert all(licence_for(licence.url) is licence for licence in LICENCES)
    assert len({licence.name for licence in LICENCES}) == len(LICENCES)
