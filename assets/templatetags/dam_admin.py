from django import template

from assets.vocabulary.report import geo_completeness

register = template.Library()


@register.simple_tag
def dam_geo_completeness():
    """GEO completeness per kind, for the admin index."""
    return geo_completeness()
