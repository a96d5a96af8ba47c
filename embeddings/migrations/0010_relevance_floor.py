from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("embeddings", "0009_migration_event_actor")]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="relevance_floor",
            field=models.FloatField(
                blank=True,
                help_text="Cosine similarity that unrelated pairs of this version's own vectors seldom reach "
                "(their DAM_SEARCH_FLOOR_QUANTILE); search ignores neighbours below it. Calibrated from the "
                "stored vectors (`models calibrate`)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="modelversion",
            name="relevance_floor_pairs",
            field=models.PositiveIntegerField(default=0, help_text="Pairs the floor was calibrated on"),
        ),
    ]
