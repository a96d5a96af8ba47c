"""The canonical country column: ISO 3166-1 alpha-2, derived from each asset's country code or name."""

from django.db import migrations, models


def countries_derive(apps, schema_editor):
    from assets.models import asset_country_iso2

    Asset = apps.get_model("assets", "Asset")
    assets = Asset.objects.exclude(country_code="", country="").only("pk", "country_code", "country")
    for asset in assets.iterator(chunk_size=2000):
        code = asset_country_iso2(asset.country_code, asset.country)
        if code:
            Asset.objects.filter(pk=asset.pk).update(country_iso2=code)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0008_fulltext_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="country_iso2",
            field=models.CharField(
                blank=True,
                db_index=True,
                default="",
                editable=False,
                help_text="Derived by dam from the country code or, failing that, the country name.",
                max_length=2,
                verbose_name="Country (ISO 3166-1 alpha-2)",
            ),
        ),
        migrations.RunPython(countries_derive, migrations.RunPython.noop),
    ]
