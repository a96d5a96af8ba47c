from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from assets import checks, receivers  # noqa: F401  (registers checks and signal receivers)

        # Pillow refuses images over twice this size by itself; dam refuses them at this size.
        Image.MAX_IMAGE_PIXELS = settings.DAM_MAX_IMAGE_PIXELS
