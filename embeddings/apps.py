from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    """Model registry, encoders and vector search. Depends on ``assets``, never the reverse."""

    name = "embeddings"

    def ready(self) -> None:
        from embeddings import checks, receivers  # noqa: F401  (registers checks and signal receivers)
