"""How the dashboards write their figures: links to the activity list, rates and changes. The
templates reach them through ``portal.templatetags.dashboard_tags``; the views and the reports
call them directly."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import get_format

from activities.models import ActivityStatus
from portal.core.periods import Period
from portal.dashboards.selectors import Change


class ActivityLinks:
    """Links to the activity list narrowed to the approved activities of ``period`` and some
    ``filters`` (``branch``, ``measure``, ``goal``, ``partner``: objects or ids) — the rows a
    figure counts. The list's URL and the period's part are built once, so the links of a
    matrix of hundreds of cells cost a string join each (views precompute them)."""

    def __init__(self, period: Period, status: str = ActivityStatus.APPROVED) -> None:
        params = {
            "period": "custom",
            "date_from": period.start.isoformat(),
            "date_to": period.last_day.isoformat(),
            "status": status,
        }
        self.base = f"{reverse('activities:list')}?{urlencode(params)}"

    def __call__(self, **filters: object) -> str:
        narrowed = {
            name: getattr(value, "pk", value)
            for name, value in filters.items()
            if value is not None and value != ""
        }
        return f"{self.base}&{urlencode(narrowed)}" if narrowed else self.base


def _decimal(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals and the active language's decimal separator
    (``number_format`` without its per-call cost: the matrices and tables call this a lot)."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", get_format("DECIMAL_SEPARATOR")) if decimals else text


def percent(rate: float | None) -> str:
    """0.6667 -> "66.7%"; no rate (nobody active) -> an em dash."""
    if rate is None:
        return "—"
    return f"{_decimal(round(rate * 100, 1), 1)}%"


def signed(change: Change | None) -> str:
    """The difference with its sign: "+3", "−2", "0"; a relative change is added in brackets
    ("+3 (+300%)"). Rates: "+12.5 pp" is written by the template around it."""
    if change is None:
        return "—"
    value = round(change.difference, 1)
    number = _decimal(abs(value), 1 if value % 1 else 0)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    text = f"{sign}{number}"
    if change.relative is not None:
        relative = change.relative * 100
        rsign = "+" if relative > 0 else "−" if relative < 0 else "±"
        text += f" ({rsign}{round(abs(relative))}%)"
    return text
