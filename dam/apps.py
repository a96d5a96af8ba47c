from django.apps import AppConfig


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "dam"

    def ready(self) -> None:
        from dam import checks  # noqa: F401  (registers the system checks)
