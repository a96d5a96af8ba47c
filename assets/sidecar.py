"""XMP sidecars: an asset's metadata as a standalone .xmp file, from the database.

For formats that cannot hold XMP (audio), files dam never writes (camera raw), and libraries that
never want originals touched (``DAM_WRITEBACK=sidecar``). Written by ExifTool with the same field
table and the same arguments as embedded write-back, restricted to XMP. Where a sidecar came with
the file (``FileVersion.sidecar_name``), dam's values are written into a copy of it, so every
property dam does not keep (an editor's develop settings, ratings, history) stays as it was.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings

from assets.locations import values_shown
from assets.metadata.exiftool import exiftool_session
from assets.metadata.image_write import image_write_arguments
from assets.metadata.mwg import IptcState
from assets.models import Asset
from assets.storage.blobs import blob_open

EMPTY_PACKET = (
    "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>\n<?xpacket end='w'?>"
)


def sidecar_xmp(asset: Asset, exact_location: bool = False) -> bytes:
    """The asset's canonical metadata as an XMP sidecar document; the position of a
    location-sensitive asset coarsened or left out unless ``exact_location``."""
    values = values_shown(asset, _xmp_fields(), exact_location)
    arguments = image_write_arguments(values, values, IptcState(present=False, in_sync=True), has_exif=False)
    xmp_only = [arg for arg in arguments if not arg.startswith("-") or arg.startswith(("-XMP", "-n"))]
    staging = Path(settings.DAM_STAGING_DIR)
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / f"{uuid.uuid4().hex}.xmp"
    try:
        path.write_bytes(_starting_packet(asset))
        exiftool_session().write(path, [arg for arg in xmp_only if arg != "-charset" and arg != "iptc=UTF8"])
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _starting_packet(asset: Asset) -> bytes:
    version = asset.current_version
    if version is not None and version.sidecar_name:
        with blob_open(version.sidecar_name) as handle:
            return handle.read()
    return EMPTY_PACKET.encode("utf-8")


def _xmp_fields() -> list[str]:
    from assets.fields import FIELDS

    return [f.name for f in FIELDS if f.xmp] + ["date_created", "latitude", "longitude", "altitude"]
