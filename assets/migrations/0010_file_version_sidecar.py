# The XMP sidecar that came with a file at folder ingest, kept as part of its file version.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0009_country_iso2'),
    ]

    operations = [
        migrations.AddField(
            model_name='fileversion',
            name='sidecar_name',
            field=models.CharField(blank=True, default='', help_text='Key of the stored XMP sidecar that came with the file.', max_length=255),
        ),
        migrations.AddField(
            model_name='fileversion',
            name='sidecar_sha256',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
    ]
