from django.db import migrations


def vector_extension_create(apps, schema_editor):
    # Self-contained on purpose: a schema migration must run the same way whatever the live code
    # becomes (embeddings.checks.pgvector_status asks the same question for the system check).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        available = cursor.fetchone() is not None
    if not available:
        raise RuntimeError(
            "dam needs pgvector, but the PostgreSQL server has no pgvector extension installed. Install "
            "pgvector 0.8+ on the server, or unset DATABASE_URL to use dam's embedded PostgreSQL, which includes it."
        )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS vector")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(vector_extension_create, migrations.RunPython.noop)]
