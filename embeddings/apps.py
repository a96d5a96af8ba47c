from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    """Model registry, encoders and vector search. Depends on ``assets``, never the reverse."""

    name = "embeddings"

    def ready(self) -> None:
        from embeddings import checks  # noqa: F401  (registers the system checks)
