"""The embeddings app listens to the registry; the registry never calls it."""

from django.dispatch import receiver

from assets.signals import asset_metadata_changed, file_version_created


@receiver(file_version_created)
def embed_new_version(sender, file_version_id: int, **kwargs) -> None:
    from assets.models import FileVersion
    from embeddings.enqueue import embed_enqueue

    version = FileVersion.objects.filter(pk=file_version_id).select_related("asset").first()
    if version is not None:
        embed_enqueue([version.asset_id], version.asset.kind)


@receiver(asset_metadata_changed)
def embed_changed_metadata(sender, asset_id: str, **kwargs) -> None:
    from embeddings.enqueue import embed_enqueue

    embed_enqueue([asset_id], roles=("asset_text",))  # pixels and sound did not change
