from django.db import migrations, models


def actors_from_users(apps, schema_editor):
    """Earlier events: the user's name where a person acted; otherwise unknown (left empty)."""
    MigrationEvent = apps.get_model("embeddings", "MigrationEvent")
    for event in MigrationEvent.objects.filter(user__isnull=False).select_related("user"):
        event.actor = event.user.username
        event.save(update_fields=["actor"])


class Migration(migrations.Migration):
    dependencies = [
        ("embeddings", "0007_transcriptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="migrationevent",
            name="actor",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.RunPython(actors_from_users, migrations.RunPython.noop),
    ]
