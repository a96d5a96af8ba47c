from django.db import migrations


def vector_extension_create(apps, schema_editor):
    from dam.checks import pgvector_status

    problem = pgvector_status(schema_editor.connection)
    if problem:
        raise RuntimeError(
            f"dam needs pgvector, but {problem}. Install pgvector 0.8+ on the server, or unset DATABASE_URL "
            "to use dam's embedded PostgreSQL, which includes it."
        )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS vector")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(vector_extension_create, migrations.RunPython.noop)]
