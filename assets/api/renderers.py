from rest_framework.renderers import JSONRenderer


class JSONLDRenderer(JSONRenderer):
    """schema.org documents as application/ld+json (also selected by the `.jsonld` suffix)."""

    media_type = "application/ld+json"
    format = "jsonld"
    charset = None
