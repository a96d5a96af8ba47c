"""Edits land in the files: new verified versions, nothing else in the file changed, originals kept."""

import hashlib
import json
import subprocess

import numpy
import pytest
import soundfile
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from PIL import Image

from assets.editing import asset_metadata_update, metadata_writeback, metadata_writeback_retry
from assets.ingest import ingest_paths
from assets.models import Asset, FileVersion, MetadataChange, Term
from assets.staff_groups import LIBRARIAN, RIGHTS_MANAGER, VIEWER
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db

# Tags that change whenever ExifTool rewrites a file, whatever was edited.
BOOKKEEPING = {
    "System:FileSize",
    "File:CurrentIPTCDigest",
    "Photoshop:IPTCDigest",
    "IFD0:StripOffsets",
    "ExifTool:Warning",
}


def ingest(relative: str) -> Asset:
    [result] = ingest_paths([FIXTURES_DIR / relative])
    assert result.status == "created", result.error
    return Asset.objects.get(pk=result.asset_id)


def stored(version: FileVersion):
    return settings.DAM_MEDIA_DIR / version.storage_name


def full_dump(path) -> dict:
    output = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-n", str(path)], capture_output=True, text=True, check=True
    )
    record = json.loads(output.stdout)[0]
    return {k: v for k, v in record.items() if not k.startswith(("System:", "SourceFile", "ExifTool:ExifToolVersion"))}


IMAGE_EDIT = {
    "title": "Edited title, ü",
    "keywords": ["edited", "Zürich"],
    "creators": ["New Creator"],
    "city": "Tromsø",
    "latitude": 69.6496,
    "longitude": 18.956,
    "date_created": "2025-02-03T04:05:06+01:00",
}
# The tags each edited field may touch (everything else in the file must stay as it was).
EDITED_TAG_WORDS = (
    "Title",
    "ObjectName",
    "Subject",
    "Keywords",
    "Creator",
    "By-line",
    "Artist",
    "City",
    "GPS",
    "DateCreated",
    "TimeCreated",
    "DateTimeOriginal",
    "OffsetTimeOriginal",
    "DateTimeCreated",
)


@pytest.mark.parametrize("name", ["images/sample.jpg", "images/sample.png", "images/sample.tiff", "images/sample.webp"])
def test_image_edit_becomes_a_verified_new_version_and_nothing_else_changes(name, librarian):
    asset = ingest(name)
    original = asset.current_version
    original_bytes = stored(original).read_bytes()
    change = asset_metadata_update(asset, IMAGE_EDIT, librarian, MetadataChange.Source.ADMIN)
    assert change.status == "pending" and set(change.changes) == set(IMAGE_EDIT)
    assert change.changes["title"] == {"from": original.metadata["title"], "to": "Edited title, ü"}
    change = metadata_writeback(change.pk)
    assert change.status == "written", change.error
    asset = Asset.objects.get(pk=asset.pk)
    new = asset.current_version
    assert (new.number, new.origin, new.asset_id, change.file_version_id) == (2, "writeback", asset.id, new.pk)
    assert asset.id == original.asset_id  # the ID never changes
    # The old version is untouched, byte for byte.
    assert stored(original).read_bytes() == original_bytes
    assert hashlib.sha256(original_bytes).hexdigest() == original.sha256
    # The new file says what was edited…
    for field, value in IMAGE_EDIT.items():
        assert new.metadata[field] == value, field
    # …and nothing else: every other tag is as it was, and so are the pixels.
    before, after = full_dump(stored(original)), full_dump(stored(new))
    differing = {tag for tag in set(before) | set(after) if before.get(tag) != after.get(tag)}
    unexpected = {
        tag
        for tag in differing - BOOKKEEPING
        if not any(word in tag for word in EDITED_TAG_WORDS) and not tag.startswith("Composite:")
    }
    assert unexpected == set()
    with Image.open(stored(original)) as old_image, Image.open(stored(new)) as new_image:
        assert old_image.tobytes() == new_image.tobytes()


def test_mwg_writer_keeps_iim_and_xmp_in_step(librarian):
    asset = ingest("images/mwg-synced.jpg")
    change = asset_metadata_update(asset, {"title": "One title everywhere"}, librarian, "admin")
    new = metadata_writeback(change.pk).file_version
    dump = full_dump(stored(new))
    assert dump["IPTC:ObjectName"] == dump["XMP-dc:Title"] == "One title everywhere"
    assert dump["Photoshop:IPTCDigest"] == dump["File:CurrentIPTCDigest"]  # still in sync: readers trust XMP


AUDIO_EDIT = {
    "title": "Edited recording",
    "creators": ["New Artist"],
    "album": "New Album",
    "genre": "Jazz",
    "date_created": "2021",
    "comment": "edited in dam",
}


@pytest.mark.parametrize(
    ("name", "id3_version"),
    [
        ("audio/speech-id3v24.mp3", 4),
        ("audio/tone-id3v23.mp3", 3),
        ("audio/tone.flac", 4),
        ("audio/speech.ogg", 4),
        ("audio/tone.m4a", 4),
    ],
)
def test_audio_edit_becomes_a_new_version_with_identical_audio(name, id3_version, librarian):
    asset = ingest(name)
    original = asset.current_version
    with override_settings(DAM_ID3_VERSION=id3_version):
        change = metadata_writeback(asset_metadata_update(asset, AUDIO_EDIT, librarian, "admin").pk)
    assert change.status == "written", change.error
    new = Asset.objects.get(pk=asset.pk).current_version
    for field, value in AUDIO_EDIT.items():
        assert new.metadata[field] == value, field
    if not name.endswith(".m4a"):
        old_audio, _ = soundfile.read(stored(original), dtype="int16")
        new_audio, _ = soundfile.read(stored(new), dtype="int16")
        assert numpy.array_equal(old_audio, new_audio)
    if name.endswith("v23.mp3"):
        from mutagen.id3 import ID3

        assert ID3(stored(new)).version[:2] == (2, 3)  # old players keep reading it


def test_a_failed_write_leaves_the_asset_on_its_version_and_says_why(librarian, client, django_user_model):
    asset = ingest("images/sample.jpg")
    original = asset.current_version
    blob = stored(original)
    hidden = blob.with_name(blob.name + ".away")
    blob.rename(hidden)  # the stored file is unreachable: storage down, disk gone
    try:
        change = metadata_writeback(asset_metadata_update(asset, {"title": "Will fail"}, librarian, "admin").pk)
    finally:
        hidden.rename(blob)
    assert change.status == "failed" and "the file was not updated" in change.error
    asset = Asset.objects.get(pk=asset.pk)
    assert asset.current_version_id == original.pk and FileVersion.objects.filter(asset=asset).count() == 1
    admin_user = django_user_model.objects.create_superuser("boss", "b@example.org", "x")
    client.force_login(admin_user)
    page = client.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    assert "File update failed" in page and "the file was not updated" in page
    metadata_writeback_retry(change)  # the worker is not running here: run what it would run
    assert metadata_writeback(change.pk).status == "written"
    assert Asset.objects.get(pk=asset.pk).current_version.metadata["title"] == "Will fail"


def test_unchanged_values_make_no_change(librarian):
    asset = ingest("images/sample.jpg")
    assert asset_metadata_update(asset, {"title": asset.title}, librarian, "admin") is None
    assert MetadataChange.objects.count() == 0


def test_keywords_are_normalised_to_the_vocabulary(librarian):
    Term.objects.create(preferred_label="Harbours", aliases=["harbour", "port"])
    asset = ingest("images/sample.jpg")
    asset_metadata_update(asset, {"keywords": ["  PORT ", "harbour", "brand new word"]}, librarian, "admin")
    assert Asset.objects.get(pk=asset.pk).keywords == ["Harbours", "brand new word"]


def test_staff_groups_decide_which_fields_may_change(user_in_group):
    asset = ingest("images/sample.jpg")
    librarian = user_in_group(LIBRARIAN)
    rights_manager = user_in_group(RIGHTS_MANAGER)
    viewer = user_in_group(VIEWER)
    with pytest.raises(PermissionDenied):
        asset_metadata_update(asset, {"copyright_notice": "(c) me"}, librarian, "admin")
    with pytest.raises(PermissionDenied):
        asset_metadata_update(asset, {"embargo_until": None, "title": "x"}, rights_manager, "admin")
    with pytest.raises(PermissionDenied):
        asset_metadata_update(asset, {"title": "x"}, viewer, "admin")
    assert asset_metadata_update(asset, {"copyright_notice": "(c) Rights Desk"}, rights_manager, "admin")
    assert asset_metadata_update(asset, {"title": "Librarian title"}, librarian, "admin")


def test_invalid_values_are_refused_with_the_field_named(librarian):
    asset = ingest("images/sample.jpg")
    with pytest.raises(ValidationError, match="latitude"):
        asset_metadata_update(asset, {"latitude": 123.0, "longitude": 10.0}, librarian, "admin")
    with pytest.raises(ValidationError, match="go together"):
        asset_metadata_update(asset, {"latitude": None}, librarian, "admin")
    with pytest.raises(ValidationError, match="not an editable field"):
        asset_metadata_update(asset, {"width": 10}, librarian, "admin")


def test_the_position_rule_holds_for_every_caller_of_the_service(librarian):
    asset = ingest("images/sample.jpg")
    for position in ({"latitude": 0.0, "longitude": 0.0}, {"latitude": 0, "longitude": 0}):
        with pytest.raises(ValidationError, match="placeholder"):
            asset_metadata_update(asset, position, librarian, "bulk")
    with pytest.raises(ValidationError, match="longitude"):
        asset_metadata_update(asset, {"latitude": 10.0, "longitude": 181.0}, librarian, "api")
    assert MetadataChange.objects.count() == 0
    assert asset_metadata_update(asset, {"latitude": 0.0, "longitude": 9.5}, librarian, "api")


def test_a_value_the_file_cannot_hold_fails_verification_and_nothing_is_stored(librarian):
    # ID3v2.3 has no multi-value frames: one keyword containing ";" comes back as two.
    asset = ingest("audio/tone-id3v23.mp3")
    with override_settings(DAM_ID3_VERSION=3):
        change = asset_metadata_update(asset, {"keywords": ["rock; roll"]}, librarian, "admin")
        change = metadata_writeback(change.pk)
    assert change.status == "failed" and "does not read back as written" in change.error and "keywords" in change.error
    assert FileVersion.objects.filter(asset=asset).count() == 1
    assert Asset.objects.get(pk=asset.pk).current_version.number == 1


@pytest.mark.parametrize(("name", "version"), [("audio/tone-id3v23.mp3", (2, 3, 0)), ("audio/tone.wav", (2, 3, 0))])
def test_without_a_forced_version_each_file_keeps_its_id3_version(name, version, librarian):
    from mutagen import File

    asset = ingest(name)
    with override_settings(DAM_ID3_VERSION=None):  # "keep": the value dam/settings.py should default to
        change = metadata_writeback(asset_metadata_update(asset, {"title": "Kept version"}, librarian, "admin").pk)
    assert change.status == "written", change.error
    assert File(stored(Asset.objects.get(pk=asset.pk).current_version)).tags.version == version


@override_settings(DAM_WRITEBACK="embed")
def test_a_recording_whose_tags_ffmpeg_finds_in_latin1_is_kept_and_written(tmp_path, librarian):
    # ID3v1 is Latin-1; FFmpeg hands such tags of a WavPack file on as they are, which PyAV
    # refused to read (TagLib's tagged.wv), so ingest refused a good file and write-back crashed.
    path = tmp_path / "cafe.wv"
    v1 = b"TAG" + b"Caf\xe9 m\xfcsic".ljust(30, b"\0") + b"Artist".ljust(30, b"\0") + b"Album".ljust(30, b"\0")
    path.write_bytes((FIXTURES_DIR / "audio" / "tone.wv").read_bytes() + v1 + b"1999" + bytes(30) + b"\x0c")
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    asset = Asset.objects.get(pk=result.asset_id)
    assert asset.duration_seconds > 0.5
    change = asset_metadata_update(asset, {"title": "Café au lait"}, librarian, "admin")
    assert metadata_writeback(change.pk).status == MetadataChange.Status.WRITTEN
    assert Asset.objects.get(pk=asset.pk).title == "Café au lait"


@override_settings(DAM_WRITEBACK="embed")
def test_an_mp3_with_its_frames_cut_away_keeps_and_takes_edits_in_its_id3_tag(tmp_path, librarian):
    # Tag samples (ExifTool's MP3.mp3, TagLib's 005411.id3) are an ID3 tag with no MPEG frame
    # after it; mutagen's MP3 class cannot sync to a frame, but the tag is whole.
    from mutagen.id3 import ID3, TIT2, TPE1

    path = tmp_path / "tag-only.mp3"
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Only a tag"))
    tags.add(TPE1(encoding=3, text="Tag Sampler"))
    tags.save(path, v2_version=3)
    [result] = ingest_paths([path])
    assert result.status == "created", result.error
    assert not any("could not be read by mutagen" in warning for warning in result.warnings)
    asset = Asset.objects.get(pk=result.asset_id)
    assert (asset.title, asset.creators) == ("Only a tag", ["Tag Sampler"])
    change = asset_metadata_update(asset, {"title": "Still only a tag"}, librarian, "admin")
    assert metadata_writeback(change.pk).status == MetadataChange.Status.WRITTEN, change.error
    written = ID3(stored(Asset.objects.get(pk=asset.pk).current_version))
    assert (str(written["TIT2"]), str(written["TPE1"])) == ("Still only a tag", "Tag Sampler")
    assert written.version == (2, 3, 0)
