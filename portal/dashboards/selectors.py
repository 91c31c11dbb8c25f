"""Every number of the committee and branch dashboards — and of the periodic reports, which call
the same functions.

Rules that hold for every figure here:

* Only **approved** activities count (drafts, submissions waiting for review and returned
  activities never do), except in the review backlog, which is about the waiting ones.
* An activity belongs to a period by its **local start date** (``portal.core.periods``).
* A branch's activities are those it organised **or co-organised** — the same rule as the
  activity list's branch filter, so a matrix cell and the list it links to show the same number.
  A co-organised activity therefore counts in each of its branches' rows; committee totals count
  every activity once.
* **Participation rate** of a period: distinct members who attended at least one approved
  activity in the period ÷ members active in the committee on at least one day of the period
  (``active_from`` ≤ last day and ``active_to`` empty or ≥ first day). Both are counted among the
  same members, by the member's branch; a member attending several activities counts once.
* **Partner confirmation** counts the approved activities **with partner organisations**
  (those a partner could confirm): how many stand confirmed (已确认, ``PartnerCheck``), on how
  many a partner asked for a correction (at any time, whether corrected since or not), and the
  partners' evaluations — each contact's latest about each activity
  (``PartnerAnswerQuerySet.evaluations``). The confirmed share is confirmed ÷ with partners.
* Everything is aggregated in SQL (conditional aggregation, ``GROUP BY``, scalar subqueries);
  Python only arranges the aggregated rows. Each function states its number of queries, which
  does not depend on how many activities, members or partners there are. The period figures of
  the committee dashboard and the coverage matrices (``_window_figures``, ``_cell_counts``) are
  written as portable SQL: built with the ORM they cost more to compile than to run.

Functions take a committee (or branch) the caller is allowed to see: views resolve it through
``Committee.objects.for_user`` / ``Branch.objects.for_user`` (``portal.dashboards.views``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityStatus,
    Goal,
    Honour,
    Measure,
    PartnerCheck,
    condition_sql,
    counted_as_done,
    counted_as_done_sql,
    waiting_for_review,
)
from branches.models import Branch, Committee, Member
from partnerships.models import PartnerOrganisation, Partnership
from portal.core.periods import Period, last_months, local_today
from portal.partners.models import PartnerAnswer, Rating, Verdict

#: Agreements ending within this many days are highlighted on the partner page.
AGREEMENT_ENDING_DAYS = 30
#: Review backlog: submissions waiting longer than these many days are counted separately.
BACKLOG_AGE_DAYS = (7, 30)
#: Matrix cells are shaded in this many steps (0 is a gap).
INTENSITY_LEVELS = 4

Attendance = Activity.attendees.through
CoBranch = Activity.co_branches.through
ActivityGoal = Activity.goals.through
ActivityPartner = Activity.partners.through


# --- Comparing a figure with the previous period and the year before -------------------------


@dataclass(frozen=True)
class Change:
    """``current`` against an earlier value: the difference, and the relative change when the
    earlier value is not zero (for rates, the difference is in percentage points)."""

    difference: float
    relative: float | None

    @property
    def direction(self) -> str:
        if self.difference > 0:
            return "up"
        if self.difference < 0:
            return "down"
        return "flat"


@dataclass(frozen=True)
class Compared:
    """One figure for the period, the previous period (环比) and a year earlier (同比).

    Rates are fractions (0.25 = 25 %) or ``None`` when nobody was active.
    """

    current: float | None
    previous: float | None
    year_ago: float | None
    is_rate: bool = False

    def _change(self, other: float | None) -> Change | None:
        if self.current is None or other is None:
            return None
        if self.is_rate:
            # In percentage points between the rates as shown (one decimal), so that the
            # change always matches the two figures beside it.
            return Change(round(round(self.current * 100, 1) - round(other * 100, 1), 1), None)
        difference = self.current - other
        return Change(difference, difference / other if other else None)

    # Cached: a template reads each change several times (its direction, its text).
    @cached_property
    def vs_previous(self) -> Change | None:
        return self._change(self.previous)

    @cached_property
    def vs_year_ago(self) -> Change | None:
        return self._change(self.year_ago)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


#: The three windows every compared figure is computed for, in ``Compared`` order.
WINDOWS = ("current", "previous", "year_ago")


def _windows(period: Period) -> dict[str, Period]:
    return {"current": period, "previous": period.previous(), "year_ago": period.year_earlier()}


def _starting_in(period: Period, path: str = "starts_at") -> Q:
    start, end = period.bounds()
    return Q(**{f"{path}__gte": start, f"{path}__lt": end})


def _active_in(period: Period, prefix: str = "") -> Q:
    """Members in the committee on at least one day of ``period``."""
    return Q(**{f"{prefix}active_from__lt": period.end}) & (
        Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gte": period.start})
    )


def _scalar(queryset: QuerySet, aggregate: object, output_field: object = None) -> Coalesce:
    """A correlated or plain scalar subquery: ``aggregate`` over all rows of ``queryset``.

    Grouping by a constant yields exactly one row (or none, hence the ``Coalesce``).
    """
    rows = (
        queryset.order_by()
        .annotate(_all=Value(1, output_field=IntegerField()))
        .values("_all")
        .annotate(value=aggregate)
        .values("value")
    )
    output_field = output_field or IntegerField()
    return Coalesce(Subquery(rows, output_field=output_field), Value(0), output_field=output_field)


def _attendees(committee: Committee, period: Period) -> QuerySet:
    """Ids of the members who attended an approved activity of the committee in ``period``.

    Uncorrelated on purpose: used as ``pk__in``, PostgreSQL builds it once as a hashed subplan
    and probes it per member, instead of searching each member's attendance (an ``EXISTS`` per
    member and period made the twelve-month trend take seconds at group scale).
    """
    start, end = period.bounds()
    return Attendance.objects.filter(
        counted_as_done("activity__"),
        activity__committee=committee,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    ).values("member_id")


def _attended_in(period: Period, member_ref: str = "pk") -> Exists:
    """The member (``OuterRef(member_ref)``) attended an approved activity in ``period``."""
    start, end = period.bounds()
    return Exists(
        Attendance.objects.filter(
            counted_as_done("activity__"),
            member_id=OuterRef(member_ref),
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
    )


# --- Partner confirmation ------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmations:
    """What the partner units said about the approved activities with partner organisations,
    for the three windows: ``partnered`` such activities, ``confirmed`` of them standing
    confirmed (已确认), ``corrected`` of them on which a partner asked for a correction, and
    the partners' evaluations (``satisfied`` 满意, ``fair`` 基本满意, ``unsatisfied`` 不满意:
    each contact's latest about each activity)."""

    partnered: Compared
    confirmed: Compared
    corrected: Compared
    satisfied: Compared
    fair: Compared
    unsatisfied: Compared

    @cached_property
    def share(self) -> Compared:
        """Confirmed ÷ with partners (``None`` without any activity with partners)."""
        return Compared(
            *(_rate(getattr(self.confirmed, w), getattr(self.partnered, w)) for w in WINDOWS),
            is_rate=True,
        )

    @property
    def evaluated(self) -> int:
        """Evaluations given in the period, of every rating."""
        return sum(int(getattr(self, f).current or 0) for f in RATING_FIGURES)

    @property
    def by_rating(self) -> list[tuple[str, Compared]]:
        """(满意, its figures), (基本满意, …), (不满意, …), in that order."""
        return [(Rating(f).label, getattr(self, f)) for f in RATING_FIGURES]


def _confirmations(sums: dict[str, int]) -> Confirmations:
    return Confirmations(**{figure: _compared(sums, figure) for figure in CONFIRMATION_FIGURES})


# --- Headline figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    """Submissions waiting for review now (not a period figure)."""

    waiting: int
    oldest_submitted_at: dt.datetime | None
    over_week: int
    over_month: int

    def oldest_days(self, today: dt.date | None = None) -> int | None:
        if self.oldest_submitted_at is None:
            return None
        today = today or local_today()
        return (today - timezone.localtime(self.oldest_submitted_at).date()).days


@dataclass(frozen=True)
class Headline:
    approved: Compared
    volunteers: Compared
    beneficiaries: Compared
    external_participants: Compared
    partners_engaged: Compared
    new_partnerships: Compared
    honours: Compared
    confirmations: Confirmations
    backlog: Backlog


def backlog(committee: Committee, *, now: dt.datetime | None = None) -> Backlog:
    """Submissions of the committee waiting for review now. One query."""
    now = now or timezone.now()
    week, month = (now - dt.timedelta(days=days) for days in BACKLOG_AGE_DAYS)
    row = Activity.objects.filter(committee=committee, status=ActivityStatus.SUBMITTED).aggregate(
        waiting=Count("pk"),
        over_week=Count("pk", filter=Q(submitted_at__lt=week)),
        over_month=Count("pk", filter=Q(submitted_at__lt=month)),
        oldest_submitted_at=Min("submitted_at"),
    )
    return Backlog(**row)


def _headline(
    figures: WindowFigures, measures: Sequence[ItemFigures], waiting: Backlog
) -> Headline:
    def committee_wide(dimension: str) -> Compared:
        return _compared(figures[dimension].get(0, _NO_FIGURES), "count")

    def total(figure: str) -> Compared:
        return Compared(
            *(sum(getattr(getattr(m, figure), window) for m in measures) for window in WINDOWS)
        )

    return Headline(
        approved=total("activities"),
        volunteers=total("volunteers"),
        beneficiaries=total("beneficiaries"),
        external_participants=total("external_participants"),
        partners_engaged=committee_wide(PARTNERS),
        new_partnerships=committee_wide(PARTNERSHIPS),
        honours=committee_wide(HONOURS),
        confirmations=_confirmations(figures[CONFIRMATION].get(COMMITTEE_WIDE, _NO_FIGURES)),
        backlog=waiting,
    )


def headline(
    committee: Committee,
    period: Period,
    *,
    measures: Sequence[ItemFigures] | None = None,
    now: dt.datetime | None = None,
) -> Headline:
    """The committee's headline figures for ``period`` and its two comparison periods.

    Activities, volunteers, beneficiaries and external participants are the sums of the
    ``by_measure`` rows (every activity has exactly one measure of its committee's framework):
    pass them when you have them. Two queries (the partners, partnerships, honours and partner
    confirmations of the three windows; the backlog), and the measures' two when not given.
    """
    dimensions = [PARTNERS, PARTNERSHIPS, HONOURS, CONFIRMATION]
    figures = _window_figures(committee, period, dimensions)
    if measures is None:
        measures = by_measure(committee, period)
    return _headline(figures, measures, backlog(committee, now=now))


#: Head counts summed per measure (and, through the measures, for the committee).
PEOPLE_FIGURES = ("volunteers", "beneficiaries", "external_participants")


# --- One pass: the period's approved activities by measure, goal, branch and partner ----------
#
# ``_window_figures`` reads the committee's approved activities of the three windows once (a
# common table expression: an index range per window, never the committee's whole history)
# and groups them as many ways as the page needs, in one ``UNION ALL``, each window counted
# with a conditional aggregate. It is written in SQL rather than built with the ORM: the ORM
# took longer to compile the dozens of conditional aggregates than PostgreSQL took to run
# them. The SQL is portable (PostgreSQL and SQLite); values are passed as parameters,
# adapted like the ORM adapts them. Every part has the same columns: its dimension, a key (a
# measure, goal, branch or partner id, 0 for committee-wide rows) and, per window, the
# figures of ``_FIGURES`` (0 where a part has none).

MEASURE, GOAL, BRANCH, MEMBERS = "measure", "goal", "branch", "members"
PARTNERS, PARTNERSHIPS, HONOURS = "partners", "partnerships", "honours"
#: The partner units' answers about the approved activities with partners: keyed by branch
#: (organised or co-organised, as ``BRANCH``) and ``COMMITTEE_WIDE`` (each activity once).
CONFIRMATION = "confirmation"
#: The key of the rows about the whole committee (no branch, measure … has id 0).
COMMITTEE_WIDE = 0
#: ``count``: approved activities; for ``MEMBERS`` rows the members active in the window, for
#: ``PARTNERS`` the distinct partner organisations of the activities, for ``PARTNERSHIPS`` and
#: ``HONOURS`` those that started or were awarded in it. ``attended`` (``MEMBERS`` only): the
#: active members who attended at least one approved activity of the window.
#: ``CONFIRMATION`` rows: ``CONFIRMATION_FIGURES`` (see ``Confirmations``).
RATING_FIGURES = tuple(Rating.values)  # satisfied, fair, unsatisfied
CONFIRMATION_FIGURES = ("partnered", "confirmed", "corrected", *RATING_FIGURES)
_FIGURES = ("count", "attended", *PEOPLE_FIGURES, *CONFIRMATION_FIGURES)
_COLUMNS = tuple(f"{figure}_{window}" for figure in _FIGURES for window in WINDOWS)
_NO_FIGURES = dict.fromkeys(_COLUMNS, 0)

#: dimension -> key -> column -> value
WindowFigures = dict[str, dict[int, dict[str, int]]]


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _moments(period: Period) -> list[object]:
    """``period.bounds()`` as the database compares them with ``starts_at``."""
    return [connection.ops.adapt_datetimefield_value(moment) for moment in period.bounds()]


def _days(period: Period) -> list[object]:
    return [connection.ops.adapt_datefield_value(day) for day in (period.start, period.end)]


#: SQL text and its parameters, in order
Sql = tuple[str, list[object]]


class _Select:
    """One part of the ``UNION ALL``: ``columns`` maps a column of ``_COLUMNS`` to its SQL
    (with its parameters, if any); the others are 0."""

    def __init__(self, dimension: str, key: str, source: Sql, **columns: str | Sql) -> None:
        self.dimension, self.key, self.source, self.columns = dimension, key, source, columns

    def sql(self) -> Sql:
        values, params = [], []
        for name in _COLUMNS:
            column = self.columns.get(name, "0")
            text, column_params = (column, []) if isinstance(column, str) else column
            values.append(text)
            params += column_params
        source, source_params = self.source
        return f"SELECT '{self.dimension}', {self.key}, {', '.join(values)} {source}", [
            *params,
            *source_params,
        ]


def _window_figures(
    committee: Committee, period: Period, dimensions: Iterable[str]
) -> WindowFigures:
    """The figures of ``dimensions`` for the three windows of ``period``. One query.

    ``BRANCH`` rows: a co-organised activity counts for its organiser and for each co-organising
    branch (the organiser once even if also listed as co-organiser), the rule of the activity
    list's branch filter; ``GOAL`` rows count an activity under each goal it serves.
    ``CONFIRMATION`` rows (per branch by the same rule, and ``COMMITTEE_WIDE``) sum a second
    table, ``checked`` (``_checked_sql``): the windowed activities with partners and what their
    partners said, one row each.
    """
    dimensions = set(dimensions)
    windows = _windows(period)
    # The windows may overlap (a custom range longer than a year): one flag per window.
    flags, params = [], []
    for name, window in windows.items():
        flags.append(
            f"CASE WHEN a.starts_at >= %s AND a.starts_at < %s THEN 1 ELSE 0 END in_{name}"
        )
        params += _moments(window)
    ranges = " OR ".join("(a.starts_at >= %s AND a.starts_at < %s)" for _ in windows)
    # One contiguous range around the three windows as well: with it the read is one range of
    # the ``(committee, status, starts_at)`` index, the OR of the windows only a filter on it
    # (the OR alone made PostgreSQL read every activity of the committee and discard most).
    earliest = min(window.start for window in windows.values())
    latest = max(window.end for window in windows.values())
    done, done_params = counted_as_done_sql("a")
    params += [committee.pk, *done_params, *_moments(Period(earliest, latest))]
    for window in windows.values():
        params += _moments(window)
    # Only code constants, compiled conditions and table names are interpolated below; values
    # are parameters.
    windowed = (
        "SELECT a.id, a.branch_id, a.measure_id, a.volunteers, a.beneficiaries,"  # noqa: S608
        f" a.external_participants, a.partner_check, {', '.join(flags)} FROM {_table(Activity)} a"
        f" WHERE a.committee_id = %s AND {done} AND a.starts_at >= %s AND a.starts_at < %s"
        f" AND ({ranges})"
    )

    def counts(expression: str = "SUM(w.in_{})") -> dict[str, str]:
        return {f"count_{n}": expression.format(n) for n in WINDOWS}

    def joined(model: type[models.Model], alias: str, rest: str = "") -> Sql:
        return (
            f"FROM windowed w JOIN {_table(model)} {alias} ON {alias}.activity_id = w.id {rest}",
            [],
        )

    parts: list[_Select] = []
    if MEASURE in dimensions:
        people = {f"{f}_{n}": f"SUM(w.in_{n} * w.{f})" for f in PEOPLE_FIGURES for n in WINDOWS}
        source = ("FROM windowed w GROUP BY w.measure_id", [])
        parts.append(_Select(MEASURE, "w.measure_id", source, **counts(), **people))
    if GOAL in dimensions:
        parts.append(
            _Select(GOAL, "g.goal_id", joined(ActivityGoal, "g", "GROUP BY g.goal_id"), **counts())
        )
    if BRANCH in dimensions:
        source = ("FROM windowed w WHERE w.branch_id IS NOT NULL GROUP BY w.branch_id", [])
        parts.append(_Select(BRANCH, "w.branch_id", source, **counts()))
        # Only the committee's branches (the only rows the dashboards show): PostgreSQL then
        # reads their co-organiser rows through the ``branch_id`` index instead of hashing
        # the whole co-organiser table.
        co_organised = joined(
            CoBranch,
            "cb",
            f"JOIN {_table(Branch)} b ON b.id = cb.branch_id AND b.committee_id = %s"
            " WHERE w.branch_id IS NULL OR cb.branch_id <> w.branch_id GROUP BY cb.branch_id",
        )
        co_organised = (co_organised[0], [committee.pk])
        parts.append(_Select(BRANCH, "cb.branch_id", co_organised, **counts()))
    if PARTNERS in dimensions:
        distinct = counts("COUNT(DISTINCT CASE WHEN w.in_{} = 1 THEN p.partnerorganisation_id END)")
        live_partner = (
            f"JOIN {_table(PartnerOrganisation)} po"
            " ON po.id = p.partnerorganisation_id AND po.archived_at IS NULL"
        )
        parts.append(_Select(PARTNERS, "0", joined(ActivityPartner, "p", live_partner), **distinct))
    for dimension, model, day in (
        (PARTNERSHIPS, Partnership, "starts_on"),
        (HONOURS, Honour, "awarded_on"),
    ):
        if dimension in dimensions:
            dated = {
                f"count_{n}": (f"COUNT(CASE WHEN {day} >= %s AND {day} < %s THEN 1 END)", _days(w))
                for n, w in windows.items()
            }
            live = " AND archived_at IS NULL" if model is Partnership else ""
            source = (f"FROM {_table(model)} WHERE committee_id = %s{live}", [committee.pk])
            parts.append(_Select(dimension, "0", source, **dated))
    if MEMBERS in dimensions:
        columns: dict[str, Sql] = {}
        for name, window in windows.items():
            is_active = "m.active_from < %s AND (m.active_to IS NULL OR m.active_to >= %s)"
            end_start = _days(window)[::-1]
            columns[f"count_{name}"] = (f"COUNT(CASE WHEN {is_active} THEN 1 END)", end_start)
            columns[f"attended_{name}"] = (
                f"COUNT(CASE WHEN {is_active} AND t.in_{name} = 1 THEN 1 END)",
                end_start,
            )
        # The attendance of the windows' activities is read once and reduced to one row per
        # member with a flag per window (a member attending several activities counts once),
        # then joined to the committee's members (three hashed subqueries read it three times).
        flags = ", ".join(f"MAX(w.in_{name}) in_{name}" for name in WINDOWS)
        source = (
            f"FROM {_table(Member)} m LEFT JOIN (SELECT t.member_id, {flags}"  # noqa: S608
            f" FROM windowed w JOIN {_table(Attendance)} t ON t.activity_id = w.id"
            " GROUP BY t.member_id) t ON t.member_id = m.id"
            " WHERE m.committee_id = %s GROUP BY m.branch_id",
            [committee.pk],
        )
        parts.append(_Select(MEMBERS, "m.branch_id", source, **columns))
    ctes = f"windowed AS ({windowed})"
    if CONFIRMATION in dimensions:
        checked, checked_params = _checked_sql(committee)
        ctes += f", checked AS ({checked})"
        params += checked_params
        # Per window: the activities with partners, and of them the confirmed, the corrected
        # and the evaluations.
        sums = {
            f"{figure}_{n}": f"SUM(c.in_{n} * c.{figure})"
            for figure in CONFIRMATION_FIGURES[1:]
            for n in WINDOWS
        }
        sums.update({f"partnered_{n}": f"SUM(c.in_{n})" for n in WINDOWS})
        parts.append(_Select(CONFIRMATION, str(COMMITTEE_WIDE), ("FROM checked c", []), **sums))
        source = ("FROM checked c WHERE c.branch_id IS NOT NULL GROUP BY c.branch_id", [])
        parts.append(_Select(CONFIRMATION, "c.branch_id", source, **sums))
        co_organised = (
            f"FROM checked c JOIN {_table(CoBranch)} cb ON cb.activity_id = c.id"
            f" JOIN {_table(Branch)} b ON b.id = cb.branch_id AND b.committee_id = %s"
            " WHERE c.branch_id IS NULL OR cb.branch_id <> c.branch_id GROUP BY cb.branch_id",
            [committee.pk],
        )
        parts.append(_Select(CONFIRMATION, "cb.branch_id", co_organised, **sums))
    figures: WindowFigures = {dimension: {} for dimension in dimensions}
    if not parts:
        return figures
    selects = []
    for part in parts:
        text, part_params = part.sql()
        selects.append(text)
        params += part_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {' UNION ALL '.join(selects)}", params)
        rows = cursor.fetchall()
    for dimension, key, *values in rows:
        sums = figures[dimension].setdefault(key, dict(_NO_FIGURES))
        for column, value in zip(_COLUMNS, values, strict=True):
            # int(): PostgreSQL sums a bigint to a numeric (a Decimal here), which a report's
            # stored JSON content refuses.
            sums[column] += int(value or 0)
    return figures


def _checked_sql(committee: Committee) -> Sql:
    """The ``checked`` table of ``_window_figures``: the windowed activities with partner
    organisations, each with its window flags, whether it stands confirmed, whether a partner
    ever asked for a correction, and how many standing evaluations of each rating it has."""
    answers = _table(PartnerAnswer)
    # The evaluations rule compiled from its queryset, as ``counted_as_done_sql`` is.
    evaluations, evaluation_params = (
        PartnerAnswer.objects.filter(committee_id=committee.pk)
        .evaluations()
        .order_by()
        .values("activity_id", "rating")
        .query.sql_with_params()
    )
    ratings = ", ".join(
        f"SUM(CASE WHEN r.rating = %s THEN 1 ELSE 0 END) {figure}" for figure in RATING_FIGURES
    )
    rated = ", ".join(f"COALESCE(e.{figure}, 0) {figure}" for figure in RATING_FIGURES)
    flags = ", ".join(f"w.in_{name}" for name in WINDOWS)
    sql = (
        f"SELECT w.id, w.branch_id, {flags},"  # noqa: S608 (names and compiled conditions only)
        " CASE WHEN w.partner_check = %s THEN 1 ELSE 0 END confirmed,"
        # The committee's own answers only: PostgreSQL hashes them once (without the
        # committee, the whole group's corrections).
        f" CASE WHEN EXISTS (SELECT 1 FROM {answers} x WHERE x.activity_id = w.id"
        " AND x.committee_id = %s AND x.verdict = %s) THEN 1 ELSE 0 END corrected,"
        f" {rated} FROM windowed w LEFT JOIN (SELECT r.activity_id, {ratings}"
        f" FROM ({evaluations}) r WHERE r.activity_id IN (SELECT id FROM windowed)"
        " GROUP BY r.activity_id) e ON e.activity_id = w.id"
        f" WHERE EXISTS (SELECT 1 FROM {_table(ActivityPartner)} p WHERE p.activity_id = w.id)"
    )
    params = [
        PartnerCheck.CONFIRMED.value,
        committee.pk,
        Verdict.CORRECTION.value,
        *RATING_FIGURES,
        *evaluation_params,
    ]
    return sql, params


def _compared(sums: dict[str, int], figure: str) -> Compared:
    return Compared(*(sums[f"{figure}_{window}"] for window in WINDOWS))


# --- By measure, by goal ------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFigures:
    """A measure or goal and its approved activities in the three windows, with the people
    those activities counted (measures only; unknown for goals: an activity serves several)."""

    item: Measure | Goal
    activities: Compared
    volunteers: Compared
    beneficiaries: Compared
    external_participants: Compared


def _item_rows(
    items: Iterable[Measure | Goal], figures: dict[int, dict[str, int]], *, people: bool
) -> list[ItemFigures]:
    unknown = Compared(None, None, None)
    rows = []
    for item in items:
        sums = figures.get(item.pk, _NO_FIGURES)
        rows.append(
            ItemFigures(
                item,
                activities=_compared(sums, "count"),
                **{f: _compared(sums, f) if people else unknown for f in PEOPLE_FIGURES},
            )
        )
    return rows


def _measures(committee: Committee) -> list[Measure]:
    return list(Measure.objects.filter(committee=committee).order_by("position"))


def _goals(committee: Committee) -> list[Goal]:
    return list(Goal.objects.filter(committee=committee).order_by("position"))


def by_measure(committee: Committee, period: Period) -> list[ItemFigures]:
    """Each measure of the framework, in order, with its approved activities and the people
    they counted. Two queries: the measures, their figures."""
    figures = _window_figures(committee, period, [MEASURE])
    return _item_rows(_measures(committee), figures[MEASURE], people=True)


def by_goal(committee: Committee, period: Period) -> list[ItemFigures]:
    """Each goal, in order, with the approved activities serving it (an activity serving two
    goals counts for both). Two queries: the goals, their figures."""
    figures = _window_figures(committee, period, [GOAL])
    return _item_rows(_goals(committee), figures[GOAL], people=False)


# --- By branch: activities and participation --------------------------------------------


@dataclass(frozen=True)
class BranchFigures:
    branch: Branch
    #: approved activities the branch organised or co-organised
    activities: Compared
    #: members of the branch active in each window, and those of them who attended
    members_active: Compared
    members_attended: Compared
    #: the partner units' answers about the branch's approved activities with partners
    confirmations: Confirmations

    @cached_property
    def participation(self) -> Compared:
        return Compared(
            *(
                _rate(getattr(self.members_attended, w), getattr(self.members_active, w))
                for w in WINDOWS
            ),
            is_rate=True,
        )


#: What a branch row needs of ``_window_figures``.
BRANCH_DIMENSIONS = (BRANCH, MEMBERS, CONFIRMATION)


def _branch_rows(branches: Iterable[Branch], figures: WindowFigures) -> list[BranchFigures]:
    rows = []
    for branch in branches:
        activities = figures[BRANCH].get(branch.pk, _NO_FIGURES)
        members = figures[MEMBERS].get(branch.pk, _NO_FIGURES)
        checked = figures[CONFIRMATION].get(branch.pk, _NO_FIGURES)
        rows.append(
            BranchFigures(
                branch=branch,
                activities=_compared(activities, "count"),
                members_active=_compared(members, "count"),
                members_attended=_compared(members, "attended"),
                confirmations=_confirmations(checked),
            )
        )
    return rows


def branch_figures(committee: Committee, period: Period) -> list[BranchFigures]:
    """Every branch of the committee (in display order) with its approved activities (organised
    or co-organised), its members' participation and its partners' confirmations, each for
    the three windows.

    Two queries: the branches, and their figures (``_window_figures``: the attendees of each
    window are an uncorrelated subquery that PostgreSQL hashes once).
    """
    figures = _window_figures(committee, period, BRANCH_DIMENSIONS)
    return _branch_rows(_branches(committee), figures)


def participation_overall(rows: Sequence[BranchFigures]) -> Compared:
    """The committee's participation rate from its branches' rows (every member belongs to
    exactly one branch, so the sums are the committee's distinct members). No query."""
    rates = []
    for window in WINDOWS:
        attended = sum(getattr(r.members_attended, window) for r in rows)
        active = sum(getattr(r.members_active, window) for r in rows)
        rates.append(_rate(attended, active))
    return Compared(*rates, is_rate=True)


def branch_average(rows: Sequence[BranchFigures]) -> Compared:
    """Approved activities per branch, averaged over the committee's branches. No query."""
    if not rows:
        return Compared(None, None, None)
    return Compared(*(sum(getattr(r.activities, w) for r in rows) / len(rows) for w in WINDOWS))


# --- The committee dashboard in one go ------------------------------------------------------


@dataclass(frozen=True)
class CommitteeOverview:
    headline: Headline
    measures: list[ItemFigures]
    goals: list[ItemFigures]
    branches: list[BranchFigures]
    participation: Compared


def committee_overview(
    committee: Committee, period: Period, *, now: dt.datetime | None = None
) -> CommitteeOverview:
    """Everything the committee dashboard shows. Five queries: the measures, the goals, the
    branches, all their figures (one ``UNION ALL``: ``_window_figures``) and the backlog."""
    figures = _window_figures(
        committee,
        period,
        [MEASURE, GOAL, *BRANCH_DIMENSIONS, PARTNERS, PARTNERSHIPS, HONOURS],
    )
    measures = _item_rows(_measures(committee), figures[MEASURE], people=True)
    branches = _branch_rows(_branches(committee), figures)
    return CommitteeOverview(
        headline=_headline(figures, measures, backlog(committee, now=now)),
        measures=measures,
        goals=_item_rows(_goals(committee), figures[GOAL], people=False),
        branches=branches,
        participation=participation_overall(branches),
    )


# --- Coverage matrices ----------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    row: Branch
    column: Measure | Goal
    count: int
    #: 0 for a gap, else 1..INTENSITY_LEVELS relative to the fullest cell
    level: int

    @property
    def is_gap(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class MatrixRow:
    branch: Branch
    cells: list[MatrixCell]

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)

    @property
    def gaps(self) -> list[Measure | Goal]:
        return [cell.column for cell in self.cells if cell.is_gap]


@dataclass(frozen=True)
class Matrix:
    """Branches × measures (or goals): approved activities of the period per cell."""

    columns: list[Measure | Goal]
    rows: list[MatrixRow]
    maximum: int = 0
    #: per column: how many branches have at least one activity in it
    covered_by: list[int] = field(default_factory=list)

    @property
    def gap_count(self) -> int:
        return sum(len(row.gaps) for row in self.rows)

    def row_for(self, branch: Branch | int) -> MatrixRow | None:
        branch_id = getattr(branch, "pk", branch)
        return next((row for row in self.rows if row.branch.pk == branch_id), None)


def intensity(count: int, maximum: int) -> int:
    """0 for none; otherwise 1..INTENSITY_LEVELS, the fullest cell being the darkest."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, -(-count * INTENSITY_LEVELS // maximum))


def _arrange(
    counts: dict[tuple[int, int], int], branches: list[Branch], columns: list[Measure | Goal]
) -> Matrix:
    maximum = max(counts.values(), default=0)
    rows = [
        MatrixRow(
            branch,
            [
                MatrixCell(branch, column, n, intensity(n, maximum))
                for column in columns
                for n in [counts.get((branch.pk, column.pk), 0)]
            ],
        )
        for branch in branches
    ]
    covered_by = [sum(1 for row in rows if row.cells[i].count) for i in range(len(columns))]
    return Matrix(columns=columns, rows=rows, maximum=maximum, covered_by=covered_by)


def _cell_counts(
    committee: Committee, period: Period, *, waiting: bool = False
) -> dict[str, dict[tuple[int, int], int]]:
    """Approved activities of ``period`` per branch and measure (``MEASURE``) and per branch and
    goal (``GOAL``): ``{matrix: {(branch id, column id): n}}``. One query, in SQL for the reason
    given at ``_window_figures``: the period's activities are read once, then each counts for
    its organising branch and each co-organising one (the organiser once), and under each goal
    it serves. ``waiting``: the submissions waiting for review instead of the approved ones."""
    if waiting:
        done, done_params = condition_sql(waiting_for_review(), "a")
    else:
        done, done_params = counted_as_done_sql("a")
    sql = (
        "WITH counted AS ("  # noqa: S608 (only table names and compiled conditions)
        f" SELECT a.id, a.branch_id, a.measure_id FROM {_table(Activity)} a"
        f" WHERE a.committee_id = %s AND {done} AND a.starts_at >= %s AND a.starts_at < %s"
        "), involved AS ("
        " SELECT c.id, c.branch_id, c.measure_id FROM counted c WHERE c.branch_id IS NOT NULL"
        " UNION ALL"
        f" SELECT c.id, cb.branch_id, c.measure_id FROM counted c JOIN {_table(CoBranch)} cb"
        " ON cb.activity_id = c.id WHERE c.branch_id IS NULL OR cb.branch_id <> c.branch_id"
        f") SELECT '{MEASURE}', i.branch_id, i.measure_id, COUNT(*) FROM involved i"
        " GROUP BY i.branch_id, i.measure_id"
        f" UNION ALL SELECT '{GOAL}', i.branch_id, g.goal_id, COUNT(*) FROM involved i"
        f" JOIN {_table(ActivityGoal)} g ON g.activity_id = i.id GROUP BY i.branch_id, g.goal_id"
    )
    counts: dict[str, dict[tuple[int, int], int]] = {MEASURE: {}, GOAL: {}}
    with connection.cursor() as cursor:
        cursor.execute(sql, [committee.pk, *done_params, *_moments(period)])
        for matrix, row_id, column_id, n in cursor.fetchall():
            counts[matrix][(row_id, column_id)] = n
    return counts


def _branches(committee: Committee) -> list[Branch]:
    return list(Branch.objects.filter(committee=committee).order_by("sort_order", "name"))


def coverage_matrix(
    committee: Committee,
    period: Period,
    *,
    branches: list[Branch] | None = None,
    measures: list[Measure] | None = None,
) -> Matrix:
    """Branches × measures: the approved activities each branch organised or co-organised in
    ``period`` under each measure. One query, plus one each for branches and measures when not
    given. The intensity is relative to the committee's fullest cell, whichever branches are
    shown."""
    branches = _branches(committee) if branches is None else branches
    measures = _measures(committee) if measures is None else measures
    return _arrange(_cell_counts(committee, period)[MEASURE], branches, measures)


def goal_matrix(
    committee: Committee,
    period: Period,
    *,
    branches: list[Branch] | None = None,
    goals: list[Goal] | None = None,
) -> Matrix:
    """Branches × goals, as ``coverage_matrix`` (an activity serving two goals is in both
    columns). One query, plus one each for branches and goals when not given."""
    branches = _branches(committee) if branches is None else branches
    goals = _goals(committee) if goals is None else goals
    return _arrange(_cell_counts(committee, period)[GOAL], branches, goals)


def waiting_cells(committee: Committee, period: Period) -> dict[tuple[int, int], int]:
    """Submissions of ``period`` waiting for review per (branch id, measure id), counted as the
    coverage matrix counts approved ones: shown beside them, never added to them. One query."""
    return _cell_counts(committee, period, waiting=True)[MEASURE]


@dataclass(frozen=True)
class Coverage:
    measures: Matrix
    goals: Matrix


def coverage(committee: Committee, period: Period) -> Coverage:
    """Both matrices of the coverage page. Four queries: branches, measures, goals, and the
    cells of both matrices."""
    branches = _branches(committee)
    counts = _cell_counts(committee, period)
    return Coverage(
        measures=_arrange(counts[MEASURE], branches, _measures(committee)),
        goals=_arrange(counts[GOAL], branches, _goals(committee)),
    )


# --- Trends ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureTrend:
    measure: Measure
    counts: list[int]


@dataclass(frozen=True)
class MonthParticipation:
    month: Period
    active: int
    attended: int

    @property
    def rate(self) -> float | None:
        return _rate(self.attended, self.active)


@dataclass(frozen=True)
class Trends:
    months: list[Period]
    measures: list[MeasureTrend]
    participation: list[MonthParticipation]

    @property
    def totals(self) -> list[int]:
        """Approved activities per month, all measures."""
        return [sum(t.counts[i] for t in self.measures) for i in range(len(self.months))]

    @property
    def rows(self) -> list[tuple[Period, list[int], int]]:
        """Per month: the month, its count per measure (in order) and its total — a table."""
        totals = self.totals
        return [
            (month, [t.counts[i] for t in self.measures], totals[i])
            for i, month in enumerate(self.months)
        ]


def activity_trend(committee: Committee, months: Sequence[Period]) -> list[MeasureTrend]:
    """Approved activities per measure per month. One query (conditional counts)."""
    counts = {
        f"m{i}": Count(
            "activities",
            filter=counted_as_done("activities__") & _starting_in(month, "activities__starts_at"),
        )
        for i, month in enumerate(months)
    }
    rows = Measure.objects.filter(committee=committee).annotate(**counts).order_by("position")
    return [MeasureTrend(row, [getattr(row, f"m{i}") for i in range(len(months))]) for row in rows]


def participation_trend(committee: Committee, months: Sequence[Period]) -> list[MonthParticipation]:
    """Participation (active members, those who attended) per month. One query."""
    members = Member.objects.filter(committee=committee)
    aggregates: dict[str, Count] = {}
    for i, month in enumerate(months):
        aggregates[f"active{i}"] = Count("pk", filter=_active_in(month))
        aggregates[f"attended{i}"] = Count(
            "pk", filter=_active_in(month) & Q(pk__in=_attendees(committee, month))
        )
    row = members.aggregate(**aggregates)
    return [
        MonthParticipation(month, row[f"active{i}"], row[f"attended{i}"])
        for i, month in enumerate(months)
    ]


def trends(committee: Committee, ending: dt.date, months: int = 12) -> Trends:
    """The ``months`` calendar months up to the one containing ``ending``. Two queries."""
    window = last_months(months, ending)
    return Trends(
        months=window,
        measures=activity_trend(committee, window),
        participation=participation_trend(committee, window),
    )


# --- Partner engagement ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartnershipLine:
    partnership: Partnership
    ending_soon: bool


@dataclass(frozen=True)
class PartnerEngagement:
    partner: PartnerOrganisation
    last_activity_id: int | None
    last_activity_title: str
    last_activity_at: dt.datetime | None
    in_period: int
    partnerships: list[PartnershipLine]
    #: no approved joint activity for ``PARTNER_QUIET_DAYS`` days (or never); active partners only
    is_quiet: bool
    #: of ``in_period``: those this partner confirmed that stand confirmed, those on which it
    #: asked for a correction
    confirmed: int = 0
    corrected: int = 0
    #: its contacts' evaluations of the period's approved joint activities (the latest of each)
    satisfied: int = 0
    fair: int = 0
    unsatisfied: int = 0

    @property
    def confirmed_share(self) -> float | None:
        return _rate(self.confirmed, self.in_period)

    @property
    def evaluated(self) -> int:
        return self.satisfied + self.fair + self.unsatisfied

    @property
    def by_rating(self) -> list[tuple[str, int]]:
        """(满意, n), (基本满意, n), (不满意, n), in that order."""
        return [(Rating(f).label, getattr(self, f)) for f in RATING_FIGURES]

    @property
    def has_agreement_ending(self) -> bool:
        return any(line.ending_soon for line in self.partnerships)

    @property
    def last_activity_date(self) -> dt.date | None:
        if self.last_activity_at is None:
            return None
        return timezone.localtime(self.last_activity_at).date()


def partner_answers(committee: Committee, period: Period) -> dict[int, dict[str, int]]:
    """What each partner said about its approved joint activities of ``period``: ``{partner id:
    {confirmed, corrected, satisfied, fair, unsatisfied}}`` (partners that said nothing are
    left out). Confirmed: activities it confirmed that stand confirmed (已确认); corrected:
    activities on which it asked for a correction; the evaluations that stand. (A partner taken
    off an activity's record after answering keeps its answer here: changing the partners
    supersedes a confirmation, so only another partner's new confirmation makes one count.)

    One query: the committee's answers about the period's approved activities, grouped by
    partner (a scalar subquery per partner and figure cost five times the partner page's
    query at group scale)."""
    stands_confirmed = Q(verdict=Verdict.CONFIRMED, activity__partner_check=PartnerCheck.CONFIRMED)
    rows = (
        PartnerAnswer.objects.filter(
            counted_as_done("activity__"),
            _starting_in(period, "activity__starts_at"),
            # Both ways: PostgreSQL reads the committee's answers by their index and the
            # period's activities by theirs (one alone, and it read every answer of the group).
            committee=committee,
            activity__committee=committee,
        )
        .with_standing_evaluation()
        .order_by()
        .values("partner_id")
        .annotate(
            confirmed=Count("activity_id", filter=stands_confirmed, distinct=True),
            corrected=Count("activity_id", filter=Q(verdict=Verdict.CORRECTION), distinct=True),
            **{
                figure: Count("pk", filter=Q(evaluation_stands=True, rating=figure))
                for figure in RATING_FIGURES
            },
        )
    )
    return {row.pop("partner_id"): row for row in rows}


def partner_engagement(
    committee: Committee, period: Period, *, today: dt.date | None = None
) -> list[PartnerEngagement]:
    """Every partner organisation of the committee, by name, with its last approved joint
    activity (up to today), its approved joint activities in ``period`` with what it said about
    them (confirmed, corrections asked, evaluations) and its partnerships.

    Three queries: the partners with their figures, what they said (``partner_answers``) and
    their partnerships.
    """
    today = today or local_today()
    _start, tomorrow = Period(today, today + dt.timedelta(days=1)).bounds()
    joint = ActivityPartner.objects.filter(
        counted_as_done("activity__"), partnerorganisation_id=OuterRef("pk")
    )
    last = joint.filter(activity__starts_at__lt=tomorrow).order_by("-activity__starts_at", "-pk")
    partners = (
        PartnerOrganisation.objects.filter(committee=committee)
        .annotate(
            last_activity_id=Subquery(last.values("activity_id")[:1]),
            last_activity_title=Subquery(last.values("activity__title")[:1]),
            last_activity_at=Subquery(last.values("activity__starts_at")[:1]),
            in_period=_scalar(
                joint.filter(_starting_in(period, "activity__starts_at")), Count("activity_id")
            ),
        )
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.order_by(
                    F("ends_on").asc(nulls_last=True), "starts_on", "pk"
                ),
            )
        )
        .order_by("name", "pk")
    )
    quiet_since = today - dt.timedelta(days=settings.PARTNER_QUIET_DAYS)
    ending_by = today + dt.timedelta(days=AGREEMENT_ENDING_DAYS)
    said = partner_answers(committee, period)
    result = []
    for partner in partners:
        last_at = partner.last_activity_at
        last_day = timezone.localtime(last_at).date() if last_at else None
        result.append(
            PartnerEngagement(
                partner=partner,
                last_activity_id=partner.last_activity_id,
                last_activity_title=partner.last_activity_title or "",
                last_activity_at=last_at,
                in_period=partner.in_period,
                partnerships=[
                    PartnershipLine(p, p.ends_on is not None and today <= p.ends_on <= ending_by)
                    for p in partner.partnerships.all()
                ],
                is_quiet=partner.is_active and (last_day is None or last_day < quiet_since),
                **said.get(partner.pk, {}),
            )
        )
    return result


# --- Branch dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class BranchDashboard:
    branch: Branch
    period: Period
    own: BranchFigures
    committee_average: Compared
    committee_participation: Compared
    #: the partner units' answers about the whole committee's approved activities with partners
    committee_confirmations: Confirmations
    coverage: MatrixRow
    #: current members who attended no approved activity this calendar year (so far)
    idle_members: list[Member]
    idle_since: dt.date


def branch_dashboard(
    branch: Branch, period: Period, *, today: dt.date | None = None
) -> BranchDashboard:
    """A secretary's view of their branch against the committee. Five queries: the committee's
    branches and their figures, the measures and the branch's coverage of them, and the members
    who have attended nothing this year."""
    today = today or local_today()
    committee = branch.committee
    figures = _window_figures(committee, period, BRANCH_DIMENSIONS)
    rows = _branch_rows(_branches(committee), figures)
    own = next(row for row in rows if row.branch.pk == branch.pk)
    measures = list(Measure.objects.filter(committee=committee).order_by("position"))
    matrix = coverage_matrix(committee, period, branches=[own.branch], measures=measures)
    this_year = Period.year(today)
    idle = (
        Member.objects.active_on(today)
        .filter(branch=branch)
        .exclude(_attended_in(this_year))
        .order_by("name", "pk")
    )
    return BranchDashboard(
        branch=own.branch,
        period=period,
        own=own,
        committee_average=branch_average(rows),
        committee_participation=participation_overall(rows),
        committee_confirmations=_confirmations(
            figures[CONFIRMATION].get(COMMITTEE_WIDE, _NO_FIGURES)
        ),
        coverage=matrix.rows[0],
        idle_members=list(idle),
        idle_since=this_year.start,
    )
