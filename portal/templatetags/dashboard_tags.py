"""Small helpers of the dashboard templates: links to the activity list, rates and changes."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.formats import number_format

from activities.models import ActivityStatus
from portal.dashboards import Change
from portal.periods import Period

register = template.Library()


@register.simple_tag
def activities_url(period: Period, **filters: object) -> str:
    """The activity list narrowed to the approved activities of ``period`` and ``filters``
    (``branch``, ``measure``, ``goal``, ``partner``: objects or ids) — the rows a figure counts."""
    params: dict[str, object] = {
        "period": "custom",
        "date_from": period.start.isoformat(),
        "date_to": period.last_day.isoformat(),
        "status": ActivityStatus.APPROVED,
    }
    for name, value in filters.items():
        if value is not None and value != "":
            params[name] = getattr(value, "pk", value)
    return f"{reverse('activities:list')}?{urlencode(params)}"


@register.filter
def percent(rate: float | None) -> str:
    """0.6667 -> "66.7%"; no rate (nobody active) -> an em dash."""
    if rate is None:
        return "—"
    return f"{number_format(round(rate * 100, 1), 1)}%"


@register.filter
def signed(change: Change | None) -> str:
    """The difference with its sign: "+3", "−2", "0"; a relative change is added in brackets
    ("+3 (+300%)"). Rates: "+12.5 pp" is written by the template around it."""
    if change is None:
        return "—"
    value = round(change.difference, 1)
    # number_format cuts decimals off rather than rounding them: round first.
    number = number_format(abs(value), 1 if value % 1 else 0)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    text = f"{sign}{number}"
    if change.relative is not None:
        relative = change.relative * 100
        rsign = "+" if relative > 0 else "−" if relative < 0 else "±"
        text += f" ({rsign}{number_format(round(abs(relative)), 0)}%)"
    return text
