from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    """Model registry, encoders and vector search. Depends on ``assets``, never the reverse."""

    name = "embeddings"
