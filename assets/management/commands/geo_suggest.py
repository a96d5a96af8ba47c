"""python manage.py geo_suggest: offline GEO suggestions for every asset that lacks place or position."""

import sys

from django.core.management.base import BaseCommand
from django.db.models import Q
from tqdm import tqdm

from assets.geo.suggestions import geo_suggest
from assets.models import Asset


class Command(BaseCommand):
    help = "Suggest place names from GPS and GPS from place names (GeoNames data, offline), for review in the admin."

    def handle(self, *args, **options):
        candidates = Asset.objects.filter(
            Q(latitude__isnull=False, city="")
            | Q(latitude__isnull=False, country="")
            | Q(latitude__isnull=False, country_code="")
            | Q(latitude__isnull=False, province_state="")
            | (Q(latitude__isnull=True) & ~Q(city=""))
        ).order_by("pk")
        made = 0
        for asset in tqdm(candidates.iterator(chunk_size=500), total=candidates.count(), unit="asset", file=sys.stderr):
            made += geo_suggest(asset) is not None
        self.stderr.write(f"{made} suggestion(s) ready to review in the admin (GEO suggestions)")
