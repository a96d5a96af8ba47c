"""Fetching a hub model end to end, against a loopback stand-in for the hub: the pinned revision is
asked for, every file is hash-checked, a changed file is refused, an interrupted download resumes,
and nothing is registered after a failure."""

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from embeddings.defaults import IMAGE
from embeddings.models import ModelVersion, Role
from embeddings.registry import RegistryError, model_version_register, weights_sha256

pytestmark = pytest.mark.django_db

REVISION = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"


class StandInHub(ThreadingHTTPServer):
    """The hub's file list and resolve URLs for one repository at one revision."""

    def __init__(self, files: dict[str, bytes]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.cut_after: dict[str, int] = {}  # file -> bytes sent before the connection drops, once
        self.served_instead: dict[str, bytes] = {}  # file -> other bytes than the ones it states

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        hub = self.server
        hub.requests.append((self.path, self.headers.get("Range")))
        if self.path == f"/api/models/example/tiny-clip/revision/{REVISION}":
            body = json.dumps({"sha": REVISION, "siblings": [{"rfilename": name} for name in sorted(hub.files)]})
            return self._send(200, body.encode(), {"Content-Type": "application/json"})
        prefix = f"/example/tiny-clip/resolve/{REVISION}/"
        name = self.path[len(prefix) :]
        if not self.path.startswith(prefix) or name not in hub.files:
            return self._send(404, b"not found", {})
        stated = hashlib.sha256(hub.files[name]).hexdigest()
        data = hub.served_instead.get(name, hub.files[name])
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-"))
        status = 206 if start else 200
        headers = {"X-Linked-Etag": f'"{stated}"', "Content-Length": str(len(data) - start)}
        cut = hub.cut_after.pop(name, None)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data[start : cut if cut is not None else None])
        if cut is not None:
            self.close_connection = True

    def _send(self, status, body, headers):
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hub(tiny_clip_directory, settings, tmp_path):
    from embeddings import hub as client

    files = {path.name: path.read_bytes() for path in tiny_clip_directory.iterdir() if path.is_file()}
    server = StandInHub(files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DAM_MODEL_DOWNLOADS = True
    settings.DAM_MODEL_HUB_ENDPOINT = server.endpoint
    settings.DAM_MODEL_DIR = tmp_path / "models"
    client._unreachable.clear()
    yield server
    server.shutdown()
    client._unreachable.clear()


@pytest.fixture
def hub_spec(tiny_clip_directory):
    return {
        **IMAGE,
        "name": "dam-tiny-clip",
        "source": "example/tiny-clip",
        "revision": REVISION,
        "dimension": 64,
        "files": [],
        "weights_sha256": weights_sha256(tiny_clip_directory),
    }


def folder(settings):
    return settings.DAM_MODEL_DIR / "example--tiny-clip" / REVISION


def test_a_hub_model_is_fetched_at_its_pinned_revision_checked_and_loads(hub, hub_spec, settings):
    from embeddings.encoders.loading import encoder_for

    version, created = model_version_register(hub_spec)
    assert created and version.weights_sha256 == hub_spec["weights_sha256"]
    assert hub.requests and all(REVISION in path for path, _ in hub.requests)
    assert sorted(p.name for p in folder(settings).iterdir()) == sorted(hub.files)
    assert encoder_for(version).embed_texts(["a red fox"]).shape == (1, 64)


def test_a_file_that_does_not_match_its_hash_is_refused_and_nothing_is_registered(hub, hub_spec, settings):
    weights = next(name for name in hub.files if name.endswith(".pt"))
    hub.served_instead[weights] = hub.files[weights][:-10] + b"0123456789"
    refused = f"{weights} of example/tiny-clip@{REVISION[:12]} does not match its SHA-256"
    with pytest.raises(RegistryError, match=refused):
        model_version_register(hub_spec)
    assert not ModelVersion.objects.exists()
    assert not folder(settings).exists()
    assert not list(settings.DAM_MODEL_DIR.rglob("*.incomplete"))  # the bad bytes are gone


def test_files_that_hash_to_other_weights_than_the_pinned_ones_are_refused(hub, hub_spec, settings):
    with pytest.raises(RegistryError, match="do not hash to the pinned"):
        model_version_register({**hub_spec, "weights_sha256": "e" * 64})
    assert not ModelVersion.objects.exists()
    assert not folder(settings).exists()


def test_an_interrupted_download_resumes_where_it_stopped(hub, hub_spec, settings):
    weights = next(name for name in hub.files if name.endswith(".pt"))
    half = len(hub.files[weights]) // 2
    hub.cut_after[weights] = half
    with pytest.raises(RegistryError, match=f"the download of {weights} stopped after {half} bytes"):
        model_version_register(hub_spec)
    assert not ModelVersion.objects.exists() and not folder(settings).exists()
    hub.requests.clear()
    version, _ = model_version_register(hub_spec)
    assert (f"/example/tiny-clip/resolve/{REVISION}/{weights}", f"bytes={half}-") in hub.requests
    assert weights_sha256(folder(settings)) == version.weights_sha256


def test_an_unreachable_hub_is_said_in_one_line_and_setup_carries_on(settings, tmp_path, capsys):
    from embeddings import hub as client

    client._unreachable.clear()
    settings.DAM_MODEL_DOWNLOADS = True
    settings.DAM_MODEL_HUB_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.DAM_MODEL_DIR = tmp_path / "models"
    started = time.monotonic()
    call_command("models", "setup")
    assert time.monotonic() - started < 30
    out = capsys.readouterr().out
    assert "active roles: asset_text" in out
    for role in ("image", "audio"):
        [line] = [line for line in out.splitlines() if line.startswith(f"no {role!r} model")]
        assert "the model hub at http://127.0.0.1:9 cannot be reached" in line
    assert not Role.objects.filter(name__in=["image", "audio"]).exists()
    assert not ModelVersion.objects.filter(source_kind="hub").exists()
    client._unreachable.clear()
