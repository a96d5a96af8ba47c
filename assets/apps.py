from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate
        from PIL import Image

        from assets import checks, receivers  # noqa: F401  (registers checks and signal receivers)
        from assets.staff_groups import staff_groups_ensure

        post_migrate.connect(staff_groups_ensure, sender=self)

        # Pillow refuses images over twice this size by itself; dam refuses them at this size.
        Image.MAX_IMAGE_PIXELS = settings.DAM_MAX_IMAGE_PIXELS
        try:  # HEIC decoding (pillow-heif is a dependency; guarded for slimmed-down installs)
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # pragma: no cover - depends on the installation
            pass
