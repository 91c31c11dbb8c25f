"""Helpers of the report templates (the portal page and the PDF), which read the stored content
dict of ``portal.reports.content``: its figures become the dashboards' ``Compared`` so that
changes (环比, 同比) are written exactly as on the dashboards, and its ISO dates become dates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from portal.dashboards.selectors import RATING_FIGURES, Compared
from portal.reports import labels
from portal.reports.content import HEADLINE_LABELS

register = template.Library()


@register.filter
def compared(figures: dict, kind: str = "") -> Compared:
    """``{current, previous, year_ago}`` of the content as a ``Compared``; ``|compared:"rate"``
    for a rate (its changes are in percentage points)."""
    return Compared(
        figures.get("current"),
        figures.get("previous"),
        figures.get("year_ago"),
        is_rate=kind == "rate",
    )


@register.filter
def participation_compared(participation: dict) -> Compared:
    """The committee's participation rate of the content (``rate``, ``previous_rate``,
    ``year_ago_rate``) as a ``Compared`` rate."""
    return Compared(
        participation.get("rate"),
        participation.get("previous_rate"),
        participation.get("year_ago_rate"),
        is_rate=True,
    )


@register.filter
def branch_participation(branch: dict) -> Compared:
    """A branch row's participation rate against the previous period (no year-ago figure)."""
    return Compared(branch.get("participation"), branch.get("participation_previous"), None, True)


@register.filter
def confirmed_share(figures: dict) -> Compared:
    """The content's ``confirmations`` as the confirmed share (``labels.confirmed_share``)."""
    return labels.confirmed_share(figures)


@register.filter
def share_of(confirmed: int, partnered: int) -> float | None:
    """``confirmed|share_of:partnered``: the fraction, or None when there is nothing to share."""
    return labels.share_of(confirmed, partnered)


@register.filter
def ratings(figures: dict) -> list[tuple[str, int]]:
    """(满意, n), (基本满意, n), (不满意, n) of a branch's or partner's current figures."""
    return [
        (label, figures.get(figure) or 0)
        for label, figure in zip(labels.rating_labels(), RATING_FIGURES, strict=True)
    ]


@register.simple_tag
def rating_labels() -> list[str]:
    """满意, 基本满意, 不满意: the evaluations' column headers."""
    return labels.rating_labels()


@register.filter
def confirmation_text(activity: dict) -> str:
    """An activity row's partner confirmation in one line (``labels.confirmation_text``)."""
    return labels.confirmation_text(activity)


@register.filter
def column_total(rows: list[dict], path: str) -> int | float:
    """The sum of one figure over the rows: ``rows|column_total:"activities.current"``."""
    total: int | float = 0
    for row in rows:
        value = row
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        total += value or 0
    return total


@register.filter
def headline_label(key: str) -> str:
    return str(HEADLINE_LABELS.get(key, key))


@register.filter
def iso_date(value: str | None) -> dt.date | dt.datetime | None:
    """ "2024-06-30" -> a date, "2024-07-01T09:00:00+08:00" -> a datetime, for ``|date``."""
    if not value:
        return None
    if "T" in value:
        return dt.datetime.fromisoformat(value)
    return dt.date.fromisoformat(value)


@register.filter
def joined(names: list[str]) -> str:
    """Names in one line with the language's list separator ("、" in Chinese)."""
    return pgettext("list separator", ", ").join(names) if names else ""


@register.simple_tag
def page_footer_css() -> SafeString:
    """The PDF's page-number footer: "第 N 页 / 共 M 页" in Chinese. The translated sentence is
    cut at its placeholders into CSS strings around ``counter(page)`` and ``counter(pages)``,
    so the words stay translatable while WeasyPrint fills in the numbers."""
    sentence = gettext("Page %(page)s of %(pages)s")
    parts: list[str] = []
    rest = sentence
    while rest:
        positions = [
            (rest.find(token), token, counter)
            for token, counter in (("%(page)s", "counter(page)"), ("%(pages)s", "counter(pages)"))
            if token in rest
        ]
        if not positions:
            parts.append(_css_string(rest))
            break
        index, token, counter = min(positions)
        if index:
            parts.append(_css_string(rest[:index]))
        parts.append(counter)
        rest = rest[index + len(token) :]
    # Safe inside <style>: the strings below escape quotes, backslashes and "<".
    return mark_safe(" ".join(parts))  # noqa: S308


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\5C ").replace('"', "\\22 ").replace("<", "\\3C ")
    return '"' + escaped.replace("\n", " ") + '"'
