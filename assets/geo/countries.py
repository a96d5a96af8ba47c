"""Country names and ISO 3166-1 codes, both ways, offline.

What a caller may rely on: `country_from_code` takes an alpha-2 or alpha-3 code in any case and gives the English
short name and alpha-3 (GeoNames' codes that ISO does not assign, such as Kosovo's XK, included);
`country_code_from_name` takes ISO names, official and common names, GeoNames' names, the names people use
("UK", "Holland") and unambiguous short forms ("Bolivia"), compared as `normalize_name` compares them. Both give
None for anything they do not know, never raise.
"""

from __future__ import annotations

import pycountry

from assets.geo.datasets import geonames_countries, locked_cache
from assets.geo.names import normalize_name

# Names people use that neither ISO 3166 nor GeoNames lists; they are not codes, so only country_code_from_name and
# the country argument of coordinates_from_place read them.
COUNTRY_ALIASES = {
    "uk": "GBR",
    "u k": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "england": "GBR",
    "scotland": "GBR",
    "wales": "GBR",
    "northern ireland": "GBR",
    "usa": "USA",
    "u s a": "USA",
    "us": "USA",
    "u s": "USA",
    "america": "USA",
    "united states of america": "USA",
    "holland": "NLD",
    "burma": "MMR",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "ivory coast": "CIV",
    "turkey": "TUR",
    "macedonia": "MKD",
    "dr congo": "COD",
    "drc": "COD",
    "congo kinshasa": "COD",
    "congo brazzaville": "COG",
    "east timor": "TLS",
    "vatican city": "VAT",
    "palestine": "PSE",
    "kosovo": "XKX",
}


@locked_cache
def _countries_by_code() -> dict[str, tuple[str, str, str]]:
    """alpha-2 and alpha-3 code (upper case) -> (English name, alpha-3, alpha-2)."""
    by_code: dict[str, tuple[str, str, str]] = {}
    for country in pycountry.countries:
        entry = (country.name, country.alpha_3, country.alpha_2)
        by_code[country.alpha_2] = entry
        by_code[country.alpha_3] = entry
    # GeoNames codes that ISO 3166 does not assign (Kosovo's XK/XKX) still get a name, from GeoNames.
    for alpha2, country in geonames_countries().items():
        if alpha2 not in by_code and country.get("iso3"):
            entry = (country["name"], country["iso3"], alpha2)
            by_code[alpha2] = entry
            by_code[country["iso3"]] = entry
    return by_code


def country_from_code(code: str) -> tuple[str, str] | None:
    """(English short name, alpha-3) for an ISO 3166-1 alpha-2 or alpha-3 code in any case, e.g. "no" -> Norway, NOR."""
    if not isinstance(code, str):
        return None
    entry = _countries_by_code().get(code.strip().upper())
    return (entry[0], entry[1]) if entry else None


@locked_cache
def _countries_by_name() -> dict[str, str]:
    """Normalized country name -> alpha-3: ISO names first, then GeoNames' names, then aliases."""
    by_name: dict[str, str] = {}
    shortened: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                by_name.setdefault(normalize_name(name), country.alpha_3)
                # "Bolivia, Plurinational State of" is asked for as "Bolivia"
                if "," in name:
                    shortened.setdefault(normalize_name(name.split(",")[0]), set()).add(country.alpha_3)
    for country in geonames_countries().values():
        if country.get("iso3"):
            by_name.setdefault(normalize_name(country["name"]), country["iso3"])
    for alias, alpha3 in COUNTRY_ALIASES.items():
        by_name.setdefault(alias, alpha3)
    # A shortened name that two countries share ("Korea") says nothing: only unambiguous ones count.
    for name, codes in shortened.items():
        if len(codes) == 1:
            by_name.setdefault(name, next(iter(codes)))
    return by_name


def country_code_from_name(name: str) -> str | None:
    """ISO 3166-1 alpha-3 for a country name ("Viet Nam", "Vietnam", "United Kingdom", "UK"), or None."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _countries_by_name().get(normalize_name(name))


def country_alpha2(country: str) -> str | None:
    """The alpha-2 code for a country given as alpha-2, alpha-3 or name, or None when it names no country."""
    country = country.strip()
    if not country:
        return None
    entry = _countries_by_code().get(country.upper())
    if entry is None:
        alpha3 = country_code_from_name(country)
        entry = _countries_by_code().get(alpha3) if alpha3 else None
    return entry[2] if entry else None
