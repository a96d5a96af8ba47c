"""Damaged but recognisable media: kept at ingest, and every later step works or says why not."""

import json

import pytest

from assets.decoding.sound import sound_samples
from assets.editing import asset_metadata_update, metadata_writeback
from assets.ingest import ingest_paths
from assets.models import Asset, MetadataChange
from assets.storage.blobs import blob_staged
from assets.storage.thumbnails import thumbnail_render
from tests.conftest import FIXTURES_DIR

MANIFEST = json.loads((FIXTURES_DIR / "MANIFEST.json").read_text())
DAMAGED = sorted(
    name
    for name, entry in MANIFEST.items()
    if entry.get("broken") and entry["expect_status"] == "created" and name != "broken/png-named.jpg"
)

pytestmark = pytest.mark.django_db


def ingested(name: str) -> Asset:
    [result] = ingest_paths([FIXTURES_DIR / name])
    assert result.status == "created", result.error
    assert result.warnings, f"{name} was kept without saying what is damaged"
    return Asset.objects.get(pk=result.asset_id)


def test_the_damaged_fixtures_are_the_ones_the_issue_names():
    assert set(DAMAGED) >= {
        "broken/truncated.jpg",
        "broken/fuzzed.jpg",
        "broken/truncated.flac",
        "broken/lost-sync.flac",
        "broken/broken-frames.mp3",
        "broken/malformed-page.ogg",
        "broken/broken-id3.mp3",
    }


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_media_goes_through_every_later_step(name, librarian, cms):
    asset = ingested(name)
    # The asset's JSON and JSON-LD documents answer.
    assert cms.get(f"/api/assets/{asset.pk}/").status_code == 200
    document = cms.get(f"/api/assets/{asset.pk}/", HTTP_ACCEPT="application/ld+json")
    assert document.status_code == 200 and document.json()["@type"] in ("ImageObject", "AudioObject")
    # Pictures get a thumbnail of what decodes; sound decodes for the encoders.
    if asset.kind == "image":
        assert thumbnail_render(asset.current_version_id)
        assert cms.get(f"/api/assets/{asset.pk}/thumbnail/").status_code == 200
    else:
        with blob_staged(asset.current_version.storage_name) as work:
            samples, rate = sound_samples(work)
        assert len(samples) / rate > 0.5
    # Write-back either writes a verified new version or fails with the reason, never raises.
    change = asset_metadata_update(asset, {"title": "Edited after damage"}, librarian, "admin")
    done = metadata_writeback(change.pk)
    assert done.status in (MetadataChange.Status.WRITTEN, MetadataChange.Status.FAILED)
    if done.status == MetadataChange.Status.FAILED:
        assert done.error.startswith("the file was not updated")
    else:
        assert Asset.objects.get(pk=asset.pk).current_version.metadata["title"] == "Edited after damage"
    assert cms.get(f"/api/assets/{asset.pk}/content/").status_code == 200
