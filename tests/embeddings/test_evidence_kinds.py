"""The search page says which kinds of evidence are on, and search by file says in words which
model is missing and who turns it on (no command line for a librarian)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from embeddings.defaults import default_models_register
from embeddings.evidence_kinds import evidence_kinds_status, file_search_refusal
from tests.conftest import FIXTURES_DIR

pytest.importorskip("sentence_transformers", reason="the ml extra is not installed")
pytestmark = pytest.mark.django_db
SEARCH = "/admin/embeddings/modelversion/search/"


@pytest.fixture
def librarian_client(client, librarian):
    client.force_login(librarian)
    return client


def test_with_only_the_packaged_models_the_page_lists_what_is_on_and_what_is_off(librarian_client):
    default_models_register()
    kinds = {kind["evidence"]: kind for kind in evidence_kinds_status()}
    assert kinds["the meaning of titles, descriptions and keywords"]["on"]
    assert kinds["what is said in recordings"]["on"]
    assert not kinds["what pictures show"]["on"] and not kinds["what recordings sound like"]["on"]
    page = librarian_client.get(SEARCH).content.decode()
    assert 'id="dam-evidence-kinds"' in page
    assert "<b>What pictures show</b>: off: it needs the image model (OpenCLIP ViT-B-32)" in page
    assert "what is already in dam is embedded in the background" in page
    assert "by sentence-transformers/all-MiniLM-L6-v2" in page


def test_search_by_file_names_the_missing_model_in_words(librarian_client):
    default_models_register()
    picture = SimpleUploadedFile("query.jpg", (FIXTURES_DIR / "images/sample.jpg").read_bytes())
    page = librarian_client.post(SEARCH, {"file": picture}).content.decode()
    message = file_search_refusal("image")
    assert "Search by file cannot compare pictures here: it needs an image model (OpenCLIP ViT-B-32)" in message
    assert "Whoever runs dam can let dam download it" in message and "search by words finds pictures" in message
    assert message.replace("'", "&#x27;") in page
    assert "manage.py" not in page and "python " not in page
    clip = SimpleUploadedFile("query.flac", (FIXTURES_DIR / "audio/tone.flac").read_bytes())
    page = librarian_client.post(SEARCH, {"file": clip}).content.decode()
    assert "cannot compare recordings here: it needs an audio model (CLAP" in page


def test_with_no_model_at_all_search_by_words_says_so_in_words(librarian_client):
    page = librarian_client.get(SEARCH, {"q": "harbour"}).content.decode()
    assert "Search by words needs a model that reads meaning, and none is set up here." in page
    assert "manage.py" not in page


def test_an_active_image_model_lets_search_by_file_through(image_role):
    assert file_search_refusal("image") is None
    assert file_search_refusal("audio") is not None
