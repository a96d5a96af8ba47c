"""The three staff groups of the admin and the API, as Django groups with their permissions.

- viewer: reads what the rights allow (the admin list is filtered like the API);
- librarian: edits descriptive metadata and the vocabulary, sees every asset;
- rights manager: edits rights metadata and restrictions, sees every asset and the exact position
  of location-sensitive ones (``view_exact_location``; everyone else gets it coarsened, see
  assets/locations.py).

The groups are created (or completed) after every ``migrate``; their names are data that users
see in the admin, so they stay as they are. ("Role" is the word for a search role in embeddings.)
"""

from __future__ import annotations

VIEWER, LIBRARIAN, RIGHTS_MANAGER = "viewer", "librarian", "rights manager"

_READ = ["view_asset", "view_fileversion", "view_originalname", "view_ingestrecord", "view_term", "view_metadatachange"]
GROUP_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: _READ,
    LIBRARIAN: [
        *_READ,
        "view_all_assets",
        "change_asset",
        "edit_metadata",
        "add_term",
        "change_term",
        "delete_term",
        "view_geosuggestion",
        "change_geosuggestion",
    ],
    RIGHTS_MANAGER: [
        *_READ,
        "view_all_assets",
        "change_asset",
        "edit_rights",
        "view_exact_location",
        "view_accessprofile",
        "add_accessprofile",
        "change_accessprofile",
    ],
}


def staff_groups_ensure(sender=None, **kwargs) -> None:
    """post_migrate receiver: create the groups and give them their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="assets", codename__in=codenames)
        group.permissions.add(*permissions)
