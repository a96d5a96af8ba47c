"""Country names and ISO 3166-1 codes, both ways. No database."""

import pytest

from assets.geo.countries import country_code_from_name, country_from_code


@pytest.mark.parametrize("code", ["NO", "NOR", "no", "nor", " NO "])
def test_country_from_code(code):
    assert country_from_code(code) == ("Norway", "NOR")


def test_country_from_code_other_countries_and_unknown_codes():
    assert country_from_code("US") == ("United States", "USA")
    assert country_from_code("AU") == ("Australia", "AUS")
    assert country_from_code("XK") == ("Kosovo", "XKX")  # GeoNames' code, not assigned by ISO 3166
    assert country_from_code("ZZ") is None
    assert country_from_code("") is None
    assert country_from_code(None) is None


@pytest.mark.parametrize(
    ("name", "alpha3"),
    [
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("United Kingdom", "GBR"),
        ("UK", "GBR"),
        ("Norway", "NOR"),
        ("norway", "NOR"),
        ("Bolivia", "BOL"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("South Korea", "KOR"),
        ("Czech Republic", "CZE"),
        ("Russia", "RUS"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
    ],
)
def test_country_code_from_name(name, alpha3):
    assert country_code_from_name(name) == alpha3


@pytest.mark.parametrize("name", ["Narnia", "Korea", "", None])
def test_country_code_from_name_unknown_or_ambiguous(name):
    assert country_code_from_name(name) is None
