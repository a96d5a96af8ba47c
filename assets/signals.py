"""What the registry announces. Other apps (embeddings) listen; assets never imports them."""

from django.dispatch import Signal

# Sent after the transaction that created a file version commits. Argument: file_version_id.
file_version_created = Signal()
