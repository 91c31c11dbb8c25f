"""The dashboard templates' tags and filters (``portal.dashboards.formatting`` writes them)."""

from __future__ import annotations

from django import template

from portal.core.periods import Period
from portal.dashboards.formatting import ActivityLinks, percent, signed

register = template.Library()
register.filter("percent", percent)
register.filter("signed", signed)


@register.simple_tag
def activities_url(period: Period, **filters: object) -> str:
    """The activity list showing what a figure of ``period`` counts (see ``ActivityLinks``)."""
    return ActivityLinks(period)(**filters)
