"""Embeddings' roles, one row each: what every part of the app knows about a role.

A role is one purpose search serves; a ``Role`` row (``embeddings.models``) points it at its
active model version, and this table says what the role is: the asset kinds that take part,
what of an asset its model reads, which queries it answers, and the pipeline function that writes
its vectors (``asr`` has none: it makes the transcripts that ``transcript`` embeds). The pipeline,
search, the ``embed`` and ``models`` commands and the re-embedding migrations read it. A new role
is one row here and its pipeline function in ``embeddings.role_pipelines``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assets.models import Kind
from embeddings import role_pipelines
from embeddings.models import Role

IMAGE, AUDIO = Kind.IMAGE.value, Kind.AUDIO.value


@dataclass(frozen=True)
class EmbeddingRole:
    name: str
    kinds: tuple[str, ...]
    """The asset kinds that take part (its pipeline sees only these)."""
    embeds: str
    """What of an asset its model reads: ``text`` (metadata or a transcript), ``image`` (pixels) or ``audio``."""
    answers: tuple[str, ...]
    """The queries it answers: ``text`` (typed), ``image`` or ``audio`` (an uploaded file)."""
    pipeline: Callable[..., int] | None
    """``(version, assets) -> vectors written``; None for a role that makes no vectors."""
    evidence: str = ""
    """The kind of evidence its matches are in search (``metadata``, ``visual``, ``acoustic``,
    ``spoken``): each kind counts once per asset, whatever the roles behind it."""

    @property
    def text_queries(self) -> bool:
        """Whether a text query is embedded by this role's active version (when that version
        embeds text at all: Whisper's encoder, for one, embeds audio only)."""
        return "text" in self.answers


ROLES: dict[str, EmbeddingRole] = {
    role.name: role
    for role in (
        EmbeddingRole("asset_text", (IMAGE, AUDIO), "text", ("text",), role_pipelines.asset_texts_embed, "metadata"),
        EmbeddingRole("image", (IMAGE,), "image", ("text", "image"), role_pipelines.images_embed, "visual"),
        EmbeddingRole("audio", (AUDIO,), "audio", ("text", "audio"), role_pipelines.audio_embed, "acoustic"),
        EmbeddingRole("transcript", (AUDIO,), "text", ("text",), role_pipelines.transcripts_embed, "spoken"),
        EmbeddingRole("asr", (AUDIO,), "audio", (), None),
    )
}


def roles_with_vectors(kind: str | None = None) -> list[EmbeddingRole]:
    """The roles that write vectors for assets of ``kind`` (of any kind when None), by name."""
    return [
        role
        for role in sorted(ROLES.values(), key=lambda role: role.name)
        if role.pipeline is not None and (kind is None or kind in role.kinds)
    ]


def role_for_uploads(modality: str) -> EmbeddingRole:
    """The one role that answers an uploaded ``image`` or ``audio`` file as a query."""
    [role] = [role for role in ROLES.values() if modality in role.answers]
    return role


def roles_active(names: Iterable[str]) -> list[Role]:
    """The ``Role`` rows among ``names`` that have an active version, with it, by name."""
    return list(Role.objects.filter(name__in=set(names)).select_related("model_version").order_by("name"))


def role_active(name: str) -> Role | None:
    """The ``Role`` row of ``name`` with its active version, or None when it has none."""
    return Role.objects.select_related("model_version").filter(name=name).first()
