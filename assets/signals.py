"""What the registry announces. Other apps (embeddings) listen; assets never imports them."""

from django.dispatch import Signal

# Sent after the transaction that created a file version commits. Argument: file_version_id.
file_version_created = Signal()

# Sent after the transaction that changed an asset's metadata commits. Argument: asset_id.
asset_metadata_changed = Signal()
