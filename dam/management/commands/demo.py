"""python manage.py demo: the whole service on one machine, on the embedded default.

Applies migrations, creates an admin login, starts a real Celery worker process, ingests what
is new in fixtures/ (a second start with nothing new ingests and transcribes nothing), prints a
status block, and serves the admin and the API on localhost until interrupted.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from dam import runtime
from dam.demo_data import demo_vocabulary_install
from dam.demo_media import media_survey, refusals_remember
from dam.demo_status import embedding_progress, embedding_waiting, status_block

DEMO_USER = "admin"


class Command(BaseCommand):
    help = "Run dam on this machine: database, worker, sample media and the web admin/API."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("DAM_PORT", "8000")))
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="set everything up and ingest the fixtures, then stop (no web server)",
        )
        parser.add_argument(
            "--fixtures",
            type=Path,
            nargs="+",
            default=[runtime.PROJECT_DIR / "fixtures" / folder for folder in ("images", "audio", "broken")],
            help="files or folders to ingest (default: the sample media in fixtures/, broken files included)",
        )

    def handle(self, *args, port: int, no_serve: bool, fixtures: list[Path], **options):
        # Ctrl-C and a plain `kill` both end in the clean-up below (stop the worker and the database).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        self.stderr.write(f"dam state folder: {runtime.state_dir()}")
        self.stderr.write("applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        password = self._demo_login()
        demo_vocabulary_install()  # before the ingest, so the sample keywords are normalised
        from embeddings.defaults import default_models_register

        roles = default_models_register()
        self.stderr.write(f"embedding models active for: {', '.join(roles) or 'none (the ml extra is not installed)'}")
        self._embedding_catch_up()
        worker = self._worker_start()
        try:
            self._worker_wait(worker)
            survey = media_survey(fixtures)
            self.stderr.write(survey.summary())
            if survey.new:
                call_command("ingest", *[str(path) for path in survey.new], stdout=self.stderr, stderr=self.stderr)
                refusals_remember(survey)
            if no_serve:
                self._workers_wait()
                self.stdout.write("\n" + status_block())
                return
            port = _free_port(port)
            token = Token.objects.get_or_create(user=get_user_model().objects.get(username=DEMO_USER))[0].key
            self.stdout.write(
                "\n"
                f"  dam is running at   http://127.0.0.1:{port}/admin/\n"
                f"  log in as           {DEMO_USER} / {password}\n"
                f"  REST API            http://127.0.0.1:{port}/api/assets/\n"
                f"  API token           curl -H 'Authorization: Token {token}' http://127.0.0.1:{port}/api/assets/\n"
                f"  semantic search     curl -H 'Authorization: Token {token}' -H 'Content-Type: application/json' "
                f'-d \'{{"text": "boats in a harbour"}}\' http://127.0.0.1:{port}/api/search/\n'
                f"  worker log          {self._worker_log}\n"
                f"{status_block()}\n"
                "  stop with Ctrl-C\n"
            )
            if embedding_waiting():
                threading.Thread(target=self._embedding_watch, daemon=True, name="embedding-watch").start()
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)
        except KeyboardInterrupt:
            pass  # Ctrl-C or a plain `kill`: the clean stop below, without a traceback
        finally:
            # Stopping takes a few seconds (the worker finishes its task); another Ctrl-C must
            # not leave the worker or the database running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.stderr.write("stopping the worker…")
            self._worker_stop(worker)
            if settings.EMBEDDED and os.environ.get("DAM_DEMO_KEEP_DATABASE") != "1":
                self.stderr.write("stopping the database…")
                runtime.embedded_postgres_stop()
            self.stderr.write("dam stopped.")

    def _embedding_watch(self, interval: float = 5.0) -> None:
        """Say once when the workers have embedded everything that was waiting."""
        from django.db import connection

        try:
            while embedding_waiting():
                time.sleep(interval)
            self.stdout.write("\nthe workers have finished embedding: every asset is searchable by each active role\n")
        except Exception:  # the database stopping under us at Ctrl-C: nothing to say
            pass
        finally:
            connection.close()

    def _embedding_catch_up(self) -> None:
        """Queue what earlier starts left unembedded (a start stopped before its workers were done,
        assets ingested while a role was off), exactly once: the embedding tasks still in the demo's
        own broker are dropped first, before a worker can take them. What this start ingests is
        queued by the ingest itself."""
        waiting = [each for each in embedding_progress() if each.waiting]
        if not waiting:
            return
        if settings.EMBEDDED and settings.CELERY_BROKER_URL.startswith("filesystem://"):
            from dam.celery import app

            with app.connection_for_write() as connection:
                for queue in ("embed_cpu", "embed_gpu"):
                    connection.default_channel.queue_purge(queue)
        self.stderr.write("embedding what the last start left unfinished:")
        for each in waiting:
            call_command("embed", "--role", each.role, "--missing-only", stdout=self.stderr, stderr=self.stderr)

    def _demo_login(self) -> str:
        """The admin user, with a password generated once and kept in the state folder."""
        password_file = runtime.state_dir() / "demo-admin-password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12))
            password_file.chmod(0o600)
        password = password_file.read_text().strip()
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USER, defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return password

    def _worker_start(self) -> subprocess.Popen:
        self._worker_log = runtime.state_dir() / "worker.log"
        self.stderr.write(f"starting a Celery worker (log: {self._worker_log})…")
        env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL") or settings.DATABASE_URL}
        if settings.EMBEDDED:
            env.pop("DATABASE_URL")  # the worker finds the embedded server the same way we did
        with open(self._worker_log, "ab") as log:
            return subprocess.Popen(
                runtime.celery_worker_command(f"demo-{os.getpid()}", concurrency=2),
                cwd=runtime.PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _worker_wait(self, worker: subprocess.Popen, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise SystemExit(f"the Celery worker exited (code {worker.returncode}); see {self._worker_log}")
            if b" ready." in self._worker_log.read_bytes()[-20000:]:
                return
            time.sleep(0.2)
        raise SystemExit(f"the Celery worker did not start within {timeout:.0f} s; see {self._worker_log}")

    def _workers_wait(self, timeout: float = 180) -> None:
        """Wait for the worker to render thumbnails and embed what waits (--no-serve stops after)."""
        from assets.models import FileVersion

        deadline = time.monotonic() + timeout
        pending = FileVersion.objects.filter(asset__kind="image", thumbnail_name="")
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.stderr.write(f"thumbnails rendered by the worker ({pending.count()} still pending)")
        while embedding_waiting() and time.monotonic() < deadline:
            time.sleep(0.5)
        waiting = embedding_waiting()
        self.stderr.write(
            f"the workers have not finished embedding: {waiting} assets still queued"
            if waiting
            else "the workers have finished embedding"
        )

    def _worker_stop(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            # The main process stops its pool itself (warm shutdown); signalling the pool too hangs it.
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _free_port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no free port between {preferred} and {preferred + 49}; set DAM_PORT")
