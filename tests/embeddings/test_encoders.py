"""The encoder registry: one class per model family, registered by defining it, and the one
guard that says what to install when a family's libraries are missing."""

import io

import pytest
from django.core.management import call_command

from embeddings.encoders import ENCODERS, Encoder, EncoderError
from embeddings.encoders.asr import SpeechRecogniser
from embeddings.encoders.clap import ClapEncoder
from embeddings.encoders.imagebind import LICENCE, ImageBindEncoder
from embeddings.encoders.open_clip import OpenClipEncoder
from embeddings.encoders.text import TextEncoder
from embeddings.encoders.whisper import WhisperEncoder
from embeddings.models import ModelVersion


def test_every_family_module_registers_its_class_and_the_model_s_choices_follow():
    assert ENCODERS == {
        "open_clip": OpenClipEncoder,
        "clap": ClapEncoder,
        "whisper_encoder": WhisperEncoder,
        "imagebind": ImageBindEncoder,
        "text": TextEncoder,
        "asr": SpeechRecogniser,
    }
    choices = ModelVersion._meta.get_field("family").choices
    assert choices == [(family, encoder.label) for family, encoder in ENCODERS.items()]
    assert ImageBindEncoder.licence == LICENCE and not TextEncoder.licence


@pytest.mark.django_db
def test_the_registry_s_choices_need_no_schema_migration():
    out = io.StringIO()
    call_command("makemigrations", "embeddings", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_a_second_class_for_a_registered_family_is_refused():
    with pytest.raises(TypeError, match="two encoders for the 'clap' family"):

        class OtherClap(Encoder):
            family = "clap"

            def embed_texts(self, texts):
                return []

    assert ENCODERS["clap"] is ClapEncoder


def test_missing_libraries_are_reported_once_for_every_family_with_what_to_install():
    class Missing(Encoder):  # not registered: its family is set after the class is made
        def __init__(self, version, directory):
            super().__init__(version, directory)
            with self.libraries():
                import dam_no_such_library  # noqa: F401

        def embed_texts(self, texts):
            return []

    Missing.family = "example"
    with pytest.raises(EncoderError, match=r"the example encoder needs the ml extra: pip install '\.\[ml\]'"):
        Missing(None, None)
    assert "example" not in ENCODERS
    Missing.missing_libraries = ImageBindEncoder.missing_libraries
    with pytest.raises(EncoderError, match="ImageBind is optional and not installed"):
        Missing(None, None)
