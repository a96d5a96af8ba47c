"""python manage.py embedded status|stop: the embedded PostgreSQL server."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dam import runtime


class Command(BaseCommand):
    help = "Show or stop dam's embedded PostgreSQL server (used when DATABASE_URL is not set)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if not settings.EMBEDDED:
            raise CommandError("DATABASE_URL is set: dam is not using its embedded PostgreSQL")
        if action == "status":
            self.stdout.write(f"embedded PostgreSQL running, data in {runtime.state_dir() / 'pgdata'}")
            self.stdout.write(f"DATABASE_URL={settings.DATABASE_URL}")
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('shared_buffers'), current_setting('effective_cache_size')")
                shared, cache = cursor.fetchone()
            self.stdout.write(
                f"shared_buffers={shared} effective_cache_size={cache} (DAM_DB_SHARED_BUFFERS sets the first)"
            )
        elif runtime.embedded_postgres_stop():
            self.stdout.write("embedded PostgreSQL stopped")
        else:
            self.stdout.write("embedded PostgreSQL was not running")
