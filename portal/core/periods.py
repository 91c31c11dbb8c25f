"""Calendar periods of the dashboards and reports: a month, a quarter, a year or a custom range.

Periods are the committee's calendar (Asia/Shanghai, the project's ``TIME_ZONE``): an activity
belongs to the period of its *local* start date, so one that starts at 07:00 on the 1st of a
month is in that month although it is still the last day of the previous month in UTC.
``Period.bounds()`` turns a period into the aware datetimes that SQL compares ``starts_at`` with.

A period's ``end`` is exclusive (the day after its last day), so that consecutive periods meet
without a gap and lengths are a subtraction. Query strings carry the last day (``end=``) because
that is what people type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: Dates outside these years are refused as typing mistakes (and keep date arithmetic safe).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
#: A custom range longer than this is refused: the dashboards compare like with like.
MAX_CUSTOM_DAYS = 366 * 5


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    CUSTOM = "custom", _("Custom range")


DEFAULT_KIND = PeriodKind.QUARTER


def local_today() -> dt.date:
    """Today in the committee's calendar (the project's time zone, whatever is activated)."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _year_earlier(day: dt.date) -> dt.date:
    """The same date a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """Local calendar days ``start`` ≤ day < ``end``."""

    start: dt.date
    end: dt.date
    kind: str = PeriodKind.CUSTOM

    # --- Construction ------------------------------------------------------------------------

    @classmethod
    def month(cls, day: dt.date) -> Period:
        first = day.replace(day=1)
        return cls(first, _add_months(first, 1), PeriodKind.MONTH)

    @classmethod
    def quarter(cls, day: dt.date) -> Period:
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return cls(first, _add_months(first, 3), PeriodKind.QUARTER)

    @classmethod
    def year(cls, day: dt.date) -> Period:
        return cls(dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1), PeriodKind.YEAR)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        """The calendar month, quarter or year that contains ``day``."""
        return {
            PeriodKind.MONTH: cls.month,
            PeriodKind.QUARTER: cls.quarter,
            PeriodKind.YEAR: cls.year,
        }[kind](day)

    @classmethod
    def custom(cls, first_day: dt.date, last_day: dt.date) -> Period:
        """Both days included."""
        return cls(first_day, last_day + dt.timedelta(days=1), PeriodKind.CUSTOM)

    # --- Facts -------------------------------------------------------------------------------

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def is_calendar(self) -> bool:
        return self.kind != PeriodKind.CUSTOM

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes: the local midnights that begin ``start`` and ``end``."""
        tz = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=tz),
        )

    @property
    def label(self) -> str:
        """How the period is named on a page, in the active language."""
        if self.kind == PeriodKind.MONTH:
            return gettext("%(year)d-%(month)02d") % {
                "year": self.start.year,
                "month": self.start.month,
            }
        if self.kind == PeriodKind.QUARTER:
            return gettext("Q%(quarter)d %(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.kind == PeriodKind.YEAR:
            return gettext("Year %(year)d") % {"year": self.start.year}
        return gettext("%(first)s to %(last)s") % {
            "first": self.start.isoformat(),
            "last": self.last_day.isoformat(),
        }

    def __str__(self) -> str:
        return self.label

    # --- Comparisons ---------------------------------------------------------------------------

    def previous(self) -> Period:
        """The period just before (环比): the previous month, quarter or year, or the range of
        the same length that ends where this one starts."""
        if self.is_calendar:
            return Period.containing(self.kind, self.start - dt.timedelta(days=1))
        return Period(self.start - (self.end - self.start), self.start, self.kind)

    def next(self) -> Period:
        if self.is_calendar:
            return Period.containing(self.kind, self.end)
        return Period(self.end, self.end + (self.end - self.start), self.kind)

    def year_earlier(self) -> Period:
        """The same period a year earlier (同比)."""
        if self.is_calendar:
            return Period.containing(self.kind, _year_earlier(self.start))
        return Period(_year_earlier(self.start), _year_earlier(self.last_day) + dt.timedelta(1))

    def months(self) -> list[Period]:
        """The calendar months the period touches, in order."""
        months, first = [], self.start.replace(day=1)
        while first < self.end:
            months.append(Period.month(first))
            first = _add_months(first, 1)
        return months

    # --- Links -------------------------------------------------------------------------------

    def query(self) -> dict[str, str]:
        """Query parameters that ``period_from_query`` reads back as this period."""
        if self.is_calendar:
            return {"period": self.kind, "anchor": self.start.isoformat()}
        return {
            "period": PeriodKind.CUSTOM,
            "start": self.start.isoformat(),
            "end": self.last_day.isoformat(),
        }


def last_months(count: int, ending: dt.date) -> list[Period]:
    """``count`` calendar months, oldest first, the last one containing ``ending``."""
    last = ending.replace(day=1)
    return [Period.month(_add_months(last, -i)) for i in reversed(range(count))]


@dataclass(frozen=True)
class ParsedPeriod:
    """The period asked for, and why another one is shown if the request was unusable."""

    period: Period
    errors: list[str]


def _parse_day(raw: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def default_period(today: dt.date | None = None) -> Period:
    return Period.containing(DEFAULT_KIND, today or local_today())


def period_from_query(params: Mapping[str, str], today: dt.date | None = None) -> ParsedPeriod:
    """Read ``period`` (month / quarter / year / custom), ``anchor`` (a day inside the calendar
    period, default today) and ``start`` / ``end`` (a custom range, both days included).

    Anything unusable gives the default period (this quarter) and a message saying what was
    wrong, never an exception.
    """
    today = today or local_today()
    fallback = default_period(today)
    kind = (params.get("period") or "").strip()
    if not kind:
        return ParsedPeriod(fallback, [])
    if kind not in PeriodKind.values:
        return ParsedPeriod(
            fallback,
            [gettext("Unknown period “%(value)s”: showing this quarter.") % {"value": kind[:20]}],
        )
    if kind != PeriodKind.CUSTOM:
        raw_anchor = (params.get("anchor") or "").strip()
        if not raw_anchor:
            return ParsedPeriod(Period.containing(kind, today), [])
        anchor = _parse_day(raw_anchor)
        if anchor is None:
            return ParsedPeriod(
                Period.containing(kind, today),
                [
                    gettext(
                        "“%(value)s” is not a date between %(first)s and %(last)s: "
                        "showing the current period."
                    )
                    % {"value": raw_anchor[:20], "first": EARLIEST_YEAR, "last": LATEST_YEAR}
                ],
            )
        return ParsedPeriod(Period.containing(kind, anchor), [])

    raw_start, raw_end = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    start, end = _parse_day(raw_start), _parse_day(raw_end)
    if start is None or end is None:
        return ParsedPeriod(
            fallback,
            [gettext("A custom range needs a valid start and end date: showing this quarter.")],
        )
    if end < start:
        return ParsedPeriod(
            fallback, [gettext("The end date is before the start date: showing this quarter.")]
        )
    period = Period.custom(start, end)
    if period.days > MAX_CUSTOM_DAYS:
        return ParsedPeriod(
            fallback,
            [gettext("A custom range can cover at most five years: showing this quarter.")],
        )
    return ParsedPeriod(period, [])
