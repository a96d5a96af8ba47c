"""IPTC's own reference image: every canonical field IPTC defines is read with its value."""

from pathlib import Path

import pytest

from assets.fields import FIELDS, empty_value
from assets.ingest import ingest_paths
from assets.models import Asset

IPTC_DIR = Path(__file__).resolve().parent.parent / "data" / "iptc"

# Canonical field -> the value IPTC put in the reference image (IPTC Photo Metadata 2023.2).
EXPECTED = {
    "title": "The Title (ref2023.2)",
    "headline": "The Headline (ref2023.2)",
    "description": "The description aka caption (ref2023.2)",
    "alt_text": "This is the Alt Text description to support accessibility in 2023.2",
    "extended_description": "This is the Extended Description to support accessibility in 2023.2",
    "keywords": ["Keyword1ref2023.2", "Keyword2ref2023.2", "Keyword3ref2023.2"],
    "creators": ["Creator1 (ref2023.2)"],
    "creator_job_title": "Creator's Job Title  (ref2023.2)",
    "credit_line": "Credit Line (ref2023.2)",
    "source": "Source (ref2023.2)",
    "copyright_notice": "Copyright (Notice) 2023.2 IPTC - www.iptc.org  (ref2023.2)",
    "copyright_owners": ["Copyright Owner Name 1 (ref2023.2)", "Copyright Owner Name 2 (ref2023.2)"],
    "usage_terms": "Rights Usage Terms (ref2023.2)",
    "web_statement_url": "https://example.com/WebStatementOfRights/ref2023.2",
    "licensor_url": "https://example.com/LicensorURL_1_ref2023.2",
    "instructions": "An Instruction (ref2023.2)",
    "job_id": "Job Id (ref2023.2)",
    "date_created": "2024-03-22T00:23:02+00:00",
    "sublocation": "Sublocation (Core) (ref2023.2)",
    "city": "City (Core) (ref2023.2)",
    "province_state": "Province/State(Core)(ref2023.2)",
    "country": "Country (Core) (ref2023.2)",
    "country_code": "R23",
    # The image has no EXIF GPS; IPTC Extension's "location created" carries the coordinates.
    "latitude": 48.275,
    "longitude": 16.338,
    "altitude": 480.0,
    "persons_shown": ["Person Shown 1 (ref2023.2)", "Person Shown 2 (ref2023.2)"],
    "event": "Event Name (ref2023.2)",
    "genre": "Actuality",
    "model_release_status": "MR-NAP",
    "property_release_status": "PR-NAP",
    "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/softwareImage",
    "mime_type": "image/jpeg",
    "width": 2000,
    "height": 1000,
}


@pytest.mark.django_db
def test_reference_image_fills_every_iptc_field():
    [result] = ingest_paths([IPTC_DIR / "IPTC-PhotometadataRef-Std2023.2.jpg"])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    read = {name: getattr(asset, name) for name in EXPECTED}
    assert read == EXPECTED
    assert asset.warnings == []
    # The provenance dump keeps what no canonical field holds, grouped as ExifTool reports it.
    raw = asset.current_version.raw_tags["exiftool"]
    assert raw["XMP-plus:DataMining"] == "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"
    assert raw["IPTC:Writer-Editor"] == "Description Writer (ref2023.2)"


@pytest.mark.django_db
def test_empty_control_image_has_no_metadata():
    [result] = ingest_paths([IPTC_DIR / "IPTC-Empty.jpg"])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    for field in FIELDS:
        if field.group.name == "TECHNICAL":
            continue
        assert getattr(asset, field.name) == empty_value(field), field.name
    assert (asset.width, asset.height, asset.mime_type) == (2000, 1000, "image/jpeg")
