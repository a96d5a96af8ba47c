"""System checks of the registry: problems reported by `manage.py check`, not by stack traces."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from assets.metadata.exiftool import MINIMUM_VERSION, exiftool_version

INSTALL_HINT = (
    "Install it with `apt-get install libimage-exiftool-perl` (Debian/Ubuntu) or set DAM_EXIFTOOL to its path."
)


@register("dam")
def exiftool_check(app_configs=None, **kwargs):
    version = exiftool_version(settings.DAM_EXIFTOOL)
    wanted = ".".join(map(str, MINIMUM_VERSION))
    if version is None:
        return [
            Error(
                f"ExifTool ({settings.DAM_EXIFTOOL!r}) is not installed or does not run.",
                hint=INSTALL_HINT,
                id="assets.E001",
            )
        ]
    if version < MINIMUM_VERSION:
        found = ".".join(map(str, version))
        return [
            Error(f"ExifTool {found} is too old: dam needs {wanted} or newer.", hint=INSTALL_HINT, id="assets.E002")
        ]
    return []
