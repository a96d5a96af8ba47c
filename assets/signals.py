"""What the registry announces. Other apps (embeddings) listen; assets never imports them."""

from django.dispatch import Signal

# Sent after the transaction that created a file version commits, for every new version: an
# ingested one and one written back by a metadata edit. Arguments: file_version_id; for a
# write-back also origin=FileVersion.Origin.WRITEBACK and previous_file_version_id, the version
# whose tags were rewritten (the new one has its pixels and its sound: only tags changed).
# Ingest sends file_version_id alone; a listener may read the version's ``origin`` either way.
file_version_created = Signal()

# Sent after the transaction that changed an asset's metadata commits. Argument: asset_id.
asset_metadata_changed = Signal()
