"""Calendar periods in Asia/Shanghai, their comparisons, and reading them from a query string."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from portal.core.periods import Period, PeriodKind, last_months, period_from_query

TODAY = dt.date(2024, 5, 20)
D = dt.date


def test_calendar_periods_and_their_exclusive_end():
    assert Period.month(D(2024, 2, 14)) == Period(D(2024, 2, 1), D(2024, 3, 1), PeriodKind.MONTH)
    assert Period.month(D(2024, 12, 31)).end == D(2025, 1, 1)
    assert Period.quarter(D(2024, 5, 20)) == Period(D(2024, 4, 1), D(2024, 7, 1), "quarter")
    assert Period.year(D(2024, 5, 20)) == Period(D(2024, 1, 1), D(2025, 1, 1), "year")
    assert Period.custom(D(2024, 1, 5), D(2024, 1, 5)).days == 1


def test_bounds_are_local_midnights():
    start, end = Period.month(D(2024, 4, 1)).bounds()
    assert start.astimezone(dt.UTC) == dt.datetime(2024, 3, 31, 16, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2024, 4, 30, 16, tzinfo=dt.UTC)
    seven_local = dt.datetime(2024, 4, 1, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert start <= seven_local < end


def test_previous_period_huanbi():
    assert Period.month(D(2024, 1, 10)).previous() == Period.month(D(2023, 12, 1))
    assert Period.quarter(D(2024, 2, 1)).previous() == Period.quarter(D(2023, 11, 1))
    assert Period.year(D(2024, 2, 1)).previous() == Period.year(D(2023, 1, 1))
    custom = Period.custom(D(2024, 3, 1), D(2024, 3, 10))
    assert custom.previous() == Period(D(2024, 2, 20), D(2024, 3, 1))
    assert custom.next() == Period(D(2024, 3, 11), D(2024, 3, 21))


def test_same_period_a_year_earlier_tongbi():
    assert Period.month(D(2024, 2, 29)).year_earlier() == Period.month(D(2023, 2, 1))
    assert Period.quarter(D(2024, 5, 1)).year_earlier() == Period.quarter(D(2023, 5, 1))
    leap = Period.custom(D(2024, 2, 29), D(2024, 2, 29))
    assert leap.year_earlier() == Period.custom(D(2023, 2, 28), D(2023, 2, 28))


def test_last_months_and_months_of_a_period():
    months = last_months(12, D(2024, 6, 15))
    assert [m.start for m in (months[0], months[-1])] == [D(2023, 7, 1), D(2024, 6, 1)]
    assert len(Period.quarter(D(2024, 5, 1)).months()) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Period.quarter(TODAY)),
        ({"period": "month"}, Period.month(TODAY)),
        ({"period": "month", "anchor": "2023-02-10"}, Period.month(D(2023, 2, 1))),
        ({"period": "year", "anchor": "2022-07-01"}, Period.year(D(2022, 1, 1))),
        (
            {"period": "custom", "start": "2024-01-10", "end": "2024-02-09"},
            Period.custom(D(2024, 1, 10), D(2024, 2, 9)),
        ),
    ],
)
def test_period_from_query(params, expected):
    parsed = period_from_query(params, today=TODAY)
    assert parsed.period == expected
    assert parsed.errors == []
    assert period_from_query(expected.query(), today=TODAY).period == expected


@pytest.mark.parametrize(
    "params",
    [
        {"period": "week"},
        {"period": "custom"},
        {"period": "custom", "start": "2024-02-01", "end": "2024-01-01"},
        {"period": "custom", "start": "2010-01-01", "end": "2024-01-01"},
        {"period": "custom", "start": "2024-01-01", "end": "2024-13-01"},
        {"period": "custom", "start": "0001-01-01", "end": "2024-01-01"},
        {"period": "custom", "start": "2024-01-01\x00", "end": "9999-12-31"},
    ],
)
def test_unusable_parameters_give_this_quarter_and_a_message(params):
    parsed = period_from_query(params, today=TODAY)
    assert parsed.period == Period.quarter(TODAY)
    assert len(parsed.errors) == 1


def test_a_bad_anchor_keeps_the_kind_and_says_so():
    parsed = period_from_query({"period": "month", "anchor": "20/05/2024"}, today=TODAY)
    assert parsed.period == Period.month(TODAY)
    assert "20/05/2024" in parsed.errors[0]


@translation.override("en")
def test_labels():
    assert Period.month(D(2024, 5, 1)).label == "2024-05"
    assert Period.quarter(D(2024, 5, 1)).label == "Q2 2024"
    assert Period.year(D(2024, 5, 1)).label == "Year 2024"
    assert Period.custom(D(2024, 1, 1), D(2024, 1, 31)).label == "2024-01-01 to 2024-01-31"
