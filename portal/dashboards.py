"""Every number of the committee and branch dashboards — and of the periodic reports, which call
the same functions.

Rules that hold for every figure here:

* Only **approved** activities count (drafts, submissions waiting for review and returned
  activities never do), except in the review backlog, which is about the waiting ones.
* An activity belongs to a period by its **local start date** (``portal.periods``).
* A branch's activities are those it organised **or co-organised** — the same rule as the
  activity list's branch filter, so a matrix cell and the list it links to show the same number.
  A co-organised activity therefore counts in each of its branches' rows; committee totals count
  every activity once.
* **Participation rate** of a period: distinct members who attended at least one approved
  activity in the period ÷ members active in the committee on at least one day of the period
  (``active_from`` ≤ last day and ``active_to`` empty or ≥ first day). Both are counted among the
  same members, by the member's branch; a member attending several activities counts once.
* Everything is aggregated in SQL (conditional aggregation, ``GROUP BY``, scalar subqueries);
  Python only arranges the aggregated rows. Each function states its number of queries, which
  does not depend on how many activities, members or partners there are.

Functions take a committee (or branch) the caller is allowed to see: views resolve it through
``Committee.objects.for_user`` / ``Branch.objects.for_user`` (``portal.views_dashboards``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Activity, ActivityStatus, Goal, Honour, Measure
from branches.models import Branch, Committee, Member
from partnerships.models import PartnerOrganisation, Partnership
from portal.periods import Period, last_months, local_today

APPROVED = ActivityStatus.APPROVED
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

    @property
    def vs_previous(self) -> Change | None:
        return self._change(self.previous)

    @property
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


def _dated_in(period: Period, path: str) -> Q:
    return Q(**{f"{path}__gte": period.start, f"{path}__lt": period.end})


def _active_in(period: Period, prefix: str = "") -> Q:
    """Members in the committee on at least one day of ``period``."""
    return Q(**{f"{prefix}active_from__lt": period.end}) & (
        Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gte": period.start})
    )


def _any_of(periods: Iterable[Period], path: str = "starts_at") -> Q:
    condition = Q()
    for period in periods:
        condition |= _starting_in(period, path)
    return condition


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


def _approved(committee: Committee) -> QuerySet[Activity]:
    return Activity.objects.filter(committee=committee, status=APPROVED)


def _attendees(committee: Committee, period: Period) -> QuerySet:
    """Ids of the members who attended an approved activity of the committee in ``period``.

    Uncorrelated on purpose: used as ``pk__in``, PostgreSQL builds it once as a hashed subplan
    and probes it per member, instead of searching each member's attendance (an ``EXISTS`` per
    member and period made the twelve-month trend take seconds at group scale).
    """
    start, end = period.bounds()
    return Attendance.objects.filter(
        activity__committee=committee,
        activity__status=APPROVED,
        activity__starts_at__gte=start,
        activity__starts_at__lt=end,
    ).values("member_id")


def _attended_in(period: Period, member_ref: str = "pk") -> Exists:
    """The member (``OuterRef(member_ref)``) attended an approved activity in ``period``."""
    start, end = period.bounds()
    return Exists(
        Attendance.objects.filter(
            member_id=OuterRef(member_ref),
            activity__status=APPROVED,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
    )


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
    backlog: Backlog


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
    pass them when the page shows them anyway. The rest is one query: scalar subqueries of a
    single ``SELECT`` on the committee row.
    """
    now = now or timezone.now()
    measures = by_measure(committee, period) if measures is None else measures
    annotations: dict[str, object] = {}
    for name, window in _windows(period).items():
        annotations[f"partners_{name}"] = _scalar(
            ActivityPartner.objects.filter(
                _starting_in(window, "activity__starts_at"),
                activity__committee=committee,
                activity__status=APPROVED,
            ),
            Count("partnerorganisation_id", distinct=True),
        )
        annotations[f"partnerships_{name}"] = _scalar(
            Partnership.objects.filter(_dated_in(window, "starts_on"), committee=committee),
            Count("pk"),
        )
        annotations[f"honours_{name}"] = _scalar(
            Honour.objects.filter(_dated_in(window, "awarded_on"), committee=committee),
            Count("pk"),
        )
    waiting = Activity.objects.filter(committee=committee, status=ActivityStatus.SUBMITTED)
    week, month = (now - dt.timedelta(days=days) for days in BACKLOG_AGE_DAYS)
    annotations["backlog"] = _scalar(waiting, Count("pk"))
    annotations["backlog_week"] = _scalar(waiting.filter(submitted_at__lt=week), Count("pk"))
    annotations["backlog_month"] = _scalar(waiting.filter(submitted_at__lt=month), Count("pk"))
    annotations["backlog_oldest"] = Subquery(
        waiting.order_by()
        .annotate(_all=Value(1, output_field=IntegerField()))
        .values("_all")
        .annotate(value=Min("submitted_at"))
        .values("value"),
        output_field=DateTimeField(),
    )
    row = Committee.objects.filter(pk=committee.pk).annotate(**annotations).values(*annotations)[0]

    def compared(prefix: str) -> Compared:
        return Compared(*(row[f"{prefix}_{name}"] for name in WINDOWS))

    def total(figure: str) -> Compared:
        return Compared(
            *(sum(getattr(getattr(m, figure), window) for m in measures) for window in WINDOWS)
        )

    return Headline(
        approved=total("activities"),
        volunteers=total("volunteers"),
        beneficiaries=total("beneficiaries"),
        external_participants=total("external_participants"),
        partners_engaged=compared("partners"),
        new_partnerships=compared("partnerships"),
        honours=compared("honours"),
        backlog=Backlog(
            waiting=row["backlog"],
            oldest_submitted_at=row["backlog_oldest"],
            over_week=row["backlog_week"],
            over_month=row["backlog_month"],
        ),
    )


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


#: Head counts summed per measure or goal (and, through the measures, for the committee).
PEOPLE_FIGURES = ("volunteers", "beneficiaries", "external_participants")


def _item_figures(items: QuerySet, period: Period, *, people: bool = False) -> list[ItemFigures]:
    """``items`` (measures or goals) with conditional counts (and, with ``people``, sums) of
    their approved activities. One query: the join keeps only the approved activities of the
    three windows (``FilteredRelation``), so it does not grow with the years of history."""
    windows = _windows(period)
    items = items.annotate(
        counted=FilteredRelation(
            "activities",
            condition=Q(activities__status=APPROVED)
            & _any_of(windows.values(), "activities__starts_at"),
        )
    )
    aggregates: dict[str, object] = {}
    for name, window in windows.items():
        in_window = _starting_in(window, "counted__starts_at")
        aggregates[f"activities_{name}"] = Count("counted", filter=in_window)
        for figure in PEOPLE_FIGURES if people else ():
            aggregates[f"{figure}_{name}"] = Coalesce(
                Sum(f"counted__{figure}", filter=in_window), 0
            )
    rows = items.annotate(**aggregates).order_by("position")
    unknown = Compared(None, None, None)

    def compared(row: Measure | Goal, prefix: str) -> Compared:
        return Compared(*(getattr(row, f"{prefix}_{name}") for name in WINDOWS))

    return [
        ItemFigures(
            row,
            activities=compared(row, "activities"),
            **{f: compared(row, f) if people else unknown for f in PEOPLE_FIGURES},
        )
        for row in rows
    ]


def by_measure(committee: Committee, period: Period) -> list[ItemFigures]:
    """Each measure of the framework, in order, with its approved activities. One query."""
    return _item_figures(Measure.objects.filter(committee=committee), period, people=True)


def by_goal(committee: Committee, period: Period) -> list[ItemFigures]:
    """Each goal, in order, with the approved activities serving it (an activity serving two
    goals counts for both). One query."""
    return _item_figures(Goal.objects.filter(committee=committee), period)


# --- By branch: activities and participation --------------------------------------------


@dataclass(frozen=True)
class BranchFigures:
    branch: Branch
    #: approved activities the branch organised or co-organised
    activities: Compared
    #: members of the branch active in each window, and those of them who attended
    members_active: Compared
    members_attended: Compared

    @property
    def participation(self) -> Compared:
        return Compared(
            *(
                _rate(getattr(self.members_attended, w), getattr(self.members_active, w))
                for w in WINDOWS
            ),
            is_rate=True,
        )


def _branch_columns(**given: object) -> dict[str, object]:
    """The columns of the three grouped queries that ``branch_figures`` unites, in one order:
    what a query does not count is a constant 0."""
    zero = Value(0, output_field=IntegerField())
    names = [f"{k}_{w}" for k in ("activities", "active", "attended") for w in WINDOWS]
    return {name: given.get(name, zero) for name in names}


def branch_figures(committee: Committee, period: Period) -> list[BranchFigures]:
    """Every branch of the committee (in display order) with its approved activities (organised
    or co-organised) and its members' participation, each for the three windows.

    Two queries: the branches, and one ``UNION ALL`` of three grouped scans — activities by
    organising branch, co-organisations by branch, members by branch (the attendees of each
    window an uncorrelated subquery that PostgreSQL hashes once) — added up per branch.
    """
    windows = _windows(period)
    organised = (
        _approved(committee)
        .filter(_any_of(windows.values()), branch__isnull=False)
        .order_by()
        .values(row=F("branch_id"))
        .annotate(
            **_branch_columns(
                **{
                    f"activities_{n}": Count("pk", filter=_starting_in(w))
                    for n, w in windows.items()
                }
            )
        )
    )
    co_organised = (
        CoBranch.objects.filter(
            _any_of(windows.values(), "activity__starts_at"),
            activity__committee=committee,
            activity__status=APPROVED,
        )
        .exclude(activity__branch_id=F("branch_id"))
        .order_by()
        .values(row=F("branch_id"))
        .annotate(
            **_branch_columns(
                **{
                    f"activities_{n}": Count(
                        "activity_id", filter=_starting_in(w, "activity__starts_at")
                    )
                    for n, w in windows.items()
                }
            )
        )
    )
    member_counts: dict[str, object] = {}
    for name, window in windows.items():
        member_counts[f"active_{name}"] = Count("pk", filter=_active_in(window))
        member_counts[f"attended_{name}"] = Count(
            "pk", filter=_active_in(window) & Q(pk__in=_attendees(committee, window))
        )
    members = (
        Member.objects.filter(committee=committee)
        .order_by()
        .values(row=F("branch_id"))
        .annotate(**_branch_columns(**member_counts))
    )
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for counts in organised.union(co_organised, members, all=True):
        branch_sums = sums[counts.pop("row")]
        for column, value in counts.items():
            branch_sums[column] += value

    def compared(branch_id: int, prefix: str) -> Compared:
        return Compared(*(sums[branch_id][f"{prefix}_{name}"] for name in WINDOWS))

    return [
        BranchFigures(
            branch=branch,
            activities=compared(branch.pk, "activities"),
            members_active=compared(branch.pk, "active"),
            members_attended=compared(branch.pk, "attended"),
        )
        for branch in _branches(committee)
    ]


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


def _summed(querysets: Sequence[QuerySet]) -> dict[tuple[int, int], int]:
    """Run the grouped querysets as one ``UNION ALL`` and add up rows of the same cell."""
    union = querysets[0].union(*querysets[1:], all=True)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for row_id, column_id, n in union.values_list("row", "column", "n"):
        if row_id is not None and column_id is not None:
            counts[(row_id, column_id)] += n
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
    given."""
    branches = _branches(committee) if branches is None else branches
    if measures is None:
        measures = list(Measure.objects.filter(committee=committee).order_by("position"))
    in_period = _starting_in(period)
    organised = (
        _approved(committee)
        .filter(in_period, branch__isnull=False)
        .order_by()
        .values(row=F("branch_id"), column=F("measure_id"))
        .annotate(n=Count("pk"))
    )
    co_organised = (
        CoBranch.objects.filter(
            _starting_in(period, "activity__starts_at"),
            activity__committee=committee,
            activity__status=APPROVED,
        )
        .exclude(activity__branch_id=F("branch_id"))
        .order_by()
        .values(row=F("branch_id"), column=F("activity__measure_id"))
        .annotate(n=Count("activity_id"))
    )
    return _arrange(_summed([organised, co_organised]), branches, measures)


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
    if goals is None:
        goals = list(Goal.objects.filter(committee=committee).order_by("position"))
    organised = (
        ActivityGoal.objects.filter(
            _starting_in(period, "activity__starts_at"),
            activity__committee=committee,
            activity__status=APPROVED,
            activity__branch__isnull=False,
        )
        .order_by()
        .values(row=F("activity__branch_id"), column=F("goal_id"))
        .annotate(n=Count("activity_id"))
    )
    co_organised = (
        CoBranch.objects.filter(
            _starting_in(period, "activity__starts_at"),
            activity__committee=committee,
            activity__status=APPROVED,
            activity__goals__isnull=False,
        )
        .exclude(activity__branch_id=F("branch_id"))
        .order_by()
        .values(row=F("branch_id"), column=F("activity__goals__id"))
        .annotate(n=Count("activity_id"))
    )
    return _arrange(_summed([organised, co_organised]), branches, goals)


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
            filter=Q(activities__status=APPROVED) & _starting_in(month, "activities__starts_at"),
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

    @property
    def has_agreement_ending(self) -> bool:
        return any(line.ending_soon for line in self.partnerships)

    @property
    def last_activity_date(self) -> dt.date | None:
        if self.last_activity_at is None:
            return None
        return timezone.localtime(self.last_activity_at).date()


def partner_engagement(
    committee: Committee, period: Period, *, today: dt.date | None = None
) -> list[PartnerEngagement]:
    """Every partner organisation of the committee, by name, with its last approved joint
    activity (up to today), its approved joint activities in ``period`` and its partnerships.

    Two queries: the partners with their figures, and their partnerships.
    """
    today = today or local_today()
    _start, tomorrow = Period(today, today + dt.timedelta(days=1)).bounds()
    joint = ActivityPartner.objects.filter(
        partnerorganisation_id=OuterRef("pk"), activity__status=APPROVED
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
    rows = branch_figures(committee, period)
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
        coverage=matrix.rows[0],
        idle_members=list(idle),
        idle_since=this_year.start,
    )
