"""What the API serves for an asset's bytes: which object, attachment or not, for how long."""

import hashlib

import pytest

from assets.ingest import ingest_paths
from assets.models import Asset
from assets.serving import asset_content_open, asset_thumbnail_open, file_version_download
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(make_jpeg):
    [result] = ingest_paths([make_jpeg("served.jpg", seed=1700)])
    return Asset.objects.select_related("current_version").get(pk=result.asset_id)


def test_a_file_version_is_an_attachment_named_for_the_asset(image):
    served = file_version_download(image, 1)
    with served.stream as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == image.current_version.sha256
    assert served.filename == f"{image.pk}-v1.jpg" and served.content_type == "image/jpeg"
    assert served.redirect_url is None and served.cache_control is None
    assert file_version_download(image, 2) is None


def test_content_and_thumbnail_are_cacheable_inline(image):
    content = asset_content_open(image)
    thumbnail = asset_thumbnail_open(image)
    for served in (content, thumbnail):
        served.stream.close()
        assert served.filename is None and served.redirect_url is None
    assert content.content_type == "image/jpeg" and content.cache_control == "private, max-age=3600"
    assert thumbnail.content_type == "image/jpeg" and "immutable" in thumbnail.cache_control


def test_audio_has_no_thumbnail():
    [result] = ingest_paths([FIXTURES_DIR / "audio" / "tone.wav"])
    assert asset_thumbnail_open(Asset.objects.get(pk=result.asset_id)) is None
