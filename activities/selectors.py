"""Reads of activities for the list, the export, the review queue — and later the dashboards
and periodic reports, which reuse the same scoping, periods and row shapes.

Every function starts from ``access.activities_for(user)``: nothing here decides who may see
what. Querysets come back with what their pages show joined or prefetched, so that the number
of queries does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from activities.access import Organiser, activities_for, own_work_condition
from activities.models import (
    Activity,
    ActivityQuerySet,
    ActivityStatus,
    Attachment,
    CreateFormToken,
    Goal,
    PartnerCheck,
)
from branches.access import reviewed, scope_for
from branches.models import Branch, Member
from partnerships.models import PartnerOrganisation
from portal.core.periods import Period
from portal.partners.models import PartnerAnswer

User = AbstractBaseUser | AnonymousUser


# --- Periods -------------------------------------------------------------------------------
# Calendar periods are the committee's (Asia/Shanghai, the project's TIME_ZONE): an activity
# belongs to the period of its local start date, so one at 07:00 on the 1st of a month is in
# that month although it started on the last day of the previous month in UTC.


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware datetime at which ``day`` begins in the portal's time zone."""
    return Period.custom(day, day).bounds()[0]


#: preset key -> (label, the period for a given local "today"); the periods are the
#: dashboards' (``portal.core.periods``), so a list and a dashboard agree on what "last quarter" is.
PERIOD_PRESETS = {
    "this_month": (_("This month"), Period.month),
    "last_month": (_("Last month"), lambda today: Period.month(today).previous()),
    "this_quarter": (_("This quarter"), Period.quarter),
    "last_quarter": (_("Last quarter"), lambda today: Period.quarter(today).previous()),
    "this_year": (_("This year"), Period.year),
    "last_year": (_("Last year"), lambda today: Period.year(today).previous()),
}


def preset_period(preset: str, today: dt.date | None = None) -> Period:
    """The period named ``preset`` (a key of ``PERIOD_PRESETS``) around ``today`` (local)."""
    _label, compute = PERIOD_PRESETS[preset]
    return compute(today or timezone.localdate())


def starting_in(queryset: ActivityQuerySet, period: Period) -> ActivityQuerySet:
    """Activities whose local start date falls in ``period``."""
    return queryset.starting_between(*period.bounds())


# --- Narrowing helpers shared by the list filters and the dashboards' links ----------------


def involving_branch(queryset: ActivityQuerySet, branch: Branch | int) -> ActivityQuerySet:
    """Activities the branch organised or co-organised (each once)."""
    branch_id = getattr(branch, "pk", branch)
    co_organised = Activity.co_branches.through.objects.filter(
        activity=OuterRef("pk"), branch_id=branch_id
    )
    return queryset.filter(Q(branch_id=branch_id) | Exists(co_organised))


def matching_text(queryset: ActivityQuerySet, text: str) -> ActivityQuerySet:
    """Activities whose title, summary or one of whose partners' names contains ``text``.

    Partner names are matched in an ``EXISTS`` subquery, so an activity with two matching
    partners is still one row.
    """
    text = text.strip()
    if not text:
        return queryset
    partner_named = Activity.partners.through.objects.filter(
        activity=OuterRef("pk"), partnerorganisation__name__icontains=text
    )
    return queryset.filter(
        Q(title__icontains=text) | Q(summary__icontains=text) | Exists(partner_named)
    )


def partner_check_is(queryset: ActivityQuerySet, state: str) -> ActivityQuerySet:
    """Activities whose partner confirmation (``PartnerCheck``) is ``state``. "Not asked" means
    activities with partner organisations that nobody asked yet: one without partners has
    nobody to ask (its row shows no confirmation at all)."""
    queryset = queryset.filter(partner_check=state)
    if state == PartnerCheck.NOT_ASKED:
        has_partners = Activity.partners.through.objects.filter(activity=OuterRef("pk"))
        queryset = queryset.filter(Exists(has_partners))
    return queryset


# --- Rows ------------------------------------------------------------------------------------


def _attendee_count() -> Coalesce:
    """Members attending, counted in a subquery (a join would multiply the rows)."""
    attendances = (
        Activity.attendees.through.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(attendances, output_field=IntegerField()), Value(0))


def with_row_details(queryset: ActivityQuerySet) -> ActivityQuerySet:
    """What a row of the list shows: organiser, measure, partners (by name), attendee count."""
    return (
        queryset.select_related("committee", "branch", "measure")
        .prefetch_related(
            Prefetch("partners", queryset=PartnerOrganisation.objects.order_by("name", "pk"))
        )
        .annotate(attendee_count=_attendee_count())
    )


def activity_list(user: User) -> ActivityQuerySet:
    """The activities ``user`` may read, newest first, with what a list row shows.

    Narrow it with ``activities.filters.ActivityFilter`` (or ``starting_in``,
    ``involving_branch``, ``matching_text``); the joins and prefetches survive filtering.
    """
    return with_row_details(activities_for(user)).order_by("-starts_at", "-pk")


def activity_ids(user: User) -> ActivityQuerySet:
    """The activities ``user`` may read, newest first, and nothing joined: what the list's
    filters narrow, its count counts and its page is cut from (see ``ActivityPaginator``)."""
    return activities_for(user).order_by("-starts_at", "-pk")


#: The list counts at most this many activities; beyond it the page says "10,000+".
LIST_COUNT_CAP = 10_000


class ActivityPaginator(Paginator):
    """Pages of a narrow activity queryset (``activity_ids`` plus filters).

    * The page's rows are one query: the ids of the page are cut from the narrow queryset
      (an index range on ``-starts_at, -id``) in a subquery, and only those rows are joined
      with their organiser and measure and get their attendee count ("deferred join"):
      nothing is computed for the rows skipped by the offset.
    * ``count`` stops at ``count_cap`` + 1 rows (``count_is_capped`` then says "more than
      ``count_cap``"): counting every approved activity of a group is what made the list
      slow. Pages up to the cap are numbered as usual, with a "next" after the last of them;
      only asking for a page beyond the cap counts exactly.
    """

    def __init__(
        self,
        object_list: ActivityQuerySet,
        per_page: int,
        *,
        count_cap: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count_cap = LIST_COUNT_CAP if count_cap is None else count_cap
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by().values("pk")[: self.count_cap + 1].count()
        if counted > self.count_cap:
            self.count_is_capped = True
            return self.count_cap
        return counted

    @cached_property
    def num_pages(self) -> int:
        pages = super().num_pages
        # More rows exist than counted: one more page, whose own "next" is decided when the
        # page beyond the cap is asked for (then counted exactly).
        return pages + 1 if self.count_is_capped else pages

    def _count_exactly_beyond_the_cap(self, number) -> None:
        """Asked for a page past the counted ones: count every row (only then)."""
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return
        if self.count and self.count_is_capped and wanted > self.count_cap // self.per_page:
            self._count_exactly()

    def get_page(self, number) -> Page:
        self._count_exactly_beyond_the_cap(number)
        return super().get_page(number)

    def _count_exactly(self) -> None:
        self.count = self.object_list.order_by().values("pk").count()
        self.count_is_capped = False
        self.__dict__.pop("num_pages", None)
        self.__dict__.pop("page_range", None)

    def page(self, number) -> Page:
        self._count_exactly_beyond_the_cap(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.count_is_capped and top + self.orphans >= self.count:
            top = self.count
        ordering = self.object_list.query.order_by or Activity._meta.ordering
        page_ids = self.object_list[bottom:top].values("pk")
        rows = with_row_details(Activity.objects.filter(pk__in=page_ids)).order_by(*ordering)
        return self._get_page(rows, number, self)


# --- The partner units' confirmation of a row ----------------------------------------------

#: The states in which a row tells who confirmed the record, and when: the confirmation
#: stands (已确认), or stood until the record was changed (确认后已修改).
CONFIRMATION_TOLD = frozenset({PartnerCheck.CONFIRMED, PartnerCheck.SUPERSEDED})


def with_partner_confirmation(queryset: ActivityQuerySet) -> ActivityQuerySet:
    """Each activity with its latest confirmation: ``confirmed_by_contact`` and
    ``confirmed_by_partner`` (names) and ``confirmed_at``, read in correlated subqueries on the
    answers' ``(activity, answered_at)`` index — no query per row. ``told_confirmation`` says
    whether a row shows them."""
    latest = PartnerAnswer.objects.filter(activity_id=OuterRef("pk")).confirmations()
    return queryset.annotate(
        confirmed_by_contact=Subquery(latest.values("contact__name")[:1]),
        confirmed_by_partner=Subquery(latest.values("partner__name")[:1]),
        confirmed_at=Subquery(latest.values("answered_at")[:1]),
    )


@dataclass(frozen=True)
class Confirmation:
    """Who confirmed an activity's record (a partner's contact and unit), and when."""

    contact: str
    partner: str
    at: dt.datetime


def told_confirmation(activity: Activity) -> Confirmation | None:
    """The confirmation a row of ``with_partner_confirmation`` tells, or None: nobody
    confirmed it, or the state is not one of ``CONFIRMATION_TOLD`` (a confirmation given and
    then overruled by another partner's correction is not told as if it stood)."""
    if activity.partner_check not in CONFIRMATION_TOLD or activity.confirmed_at is None:
        return None
    return Confirmation(
        activity.confirmed_by_contact or "",
        activity.confirmed_by_partner or "",
        activity.confirmed_at,
    )


def activity_ledger(user: User) -> ActivityQuerySet:
    """``activity_list`` plus everything the Excel ledger (台账) has a column for: attendees
    by name (their phones are not read), the evidence files by name and the partner units'
    latest confirmation (``with_partner_confirmation``)."""
    return (
        with_partner_confirmation(activity_list(user))
        .select_related("partnership")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
            Prefetch("co_branches", queryset=Branch.objects.order_by("sort_order", "name", "pk")),
            Prefetch(
                "attendees", queryset=Member.objects.only("pk", "name").order_by("name", "pk")
            ),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.only(
                    "pk", "activity_id", "kind", "caption", "original_name", "file"
                ).order_by("kind", "pk"),
            ),
        )
    )


# --- Review ------------------------------------------------------------------------------


def reviews_activities(user: User) -> bool:
    """Whether ``user`` reviews any committee's activities (staff, admins, a superuser)."""
    return scope_for(user).is_committee_staff


def review_queue(user: User) -> ActivityQuerySet:
    """Submitted activities of the committees ``user`` reviews, longest waiting first.

    A branch editor's own branches' submissions are not in it (they cannot approve them),
    unless they also review that committee. The navigation's count is this queryset's count.
    Each row says whether four eyes leave it to another reviewer (``own_work``: the user's own
    work, in a committee that does not allow self-review).
    """
    queue = reviewed(activities_for(user), user, "committee").filter(
        status=ActivityStatus.SUBMITTED
    )
    others_review = Q(committee__allow_self_review=False) & own_work_condition(user)
    return (
        with_row_details(queue)
        .annotate(own_work=Case(When(others_review, then=True), default=False))
        .order_by(F("submitted_at").asc(nulls_first=True), "pk")
    )


def next_to_review(user: User) -> Activity | None:
    """The activity the reviewer goes on to after approving or returning one: the first of
    their review queue (in the queue page's order) that four eyes leave to them."""
    return review_queue(user).filter(own_work=False).first()


# --- The create form's token ---------------------------------------------------------------


def activity_of_create_form(user: User, token: str) -> Activity | None:
    """The activity that ``user``'s create form with ``token`` made, if it made one (and
    ``user`` may still read it): where a form sent twice lands."""
    if not token or not user.is_authenticated:
        return None
    made = CreateFormToken.objects.filter(user_id=user.pk, token=token).values("activity_id")
    return activities_for(user).filter(pk__in=made).first()


# --- The activity form's helpers ----------------------------------------------------------
#: How many of the organiser's activities "copy a previous activity" offers.
COPY_SOURCES = 12
#: How many members one search of the committee's roster answers with.
MEMBER_SEARCH_LIMIT = 20


def _organised_by(user: User, organiser: Organiser) -> ActivityQuerySet:
    """The activities the organiser itself organised (not those it only co-organised)."""
    activities = activities_for(user).filter(committee=organiser.committee)
    if organiser.branch is None:
        return activities.filter(branch__isnull=True)
    return activities.filter(branch=organiser.branch)


def usual_location(user: User, organiser: Organiser) -> str:
    """Where the organiser usually meets: the place of its most recent activity."""
    return (
        _organised_by(user, organiser)
        .exclude(location="")
        .order_by("-starts_at", "-pk")
        .values_list("location", flat=True)
        .first()
        or ""
    )


def copy_sources(user: User, organiser: Organiser) -> list[Activity]:
    """The organiser's latest activities, to start a new record from one of them."""
    return list(
        _organised_by(user, organiser)
        .select_related("measure")
        .only("pk", "title", "starts_at", "measure__code", "measure__committee_id")
        .order_by("-starts_at", "-pk")[:COPY_SOURCES]
    )


def copy_source(user: User, organiser: Organiser, pk: int | None) -> Activity | None:
    """One of the organiser's own activities to copy; None for anything else (an outsider's
    activity, another branch's, a wrong id), so that a link cannot leak another record."""
    if pk is None:
        return None
    return (
        _organised_by(user, organiser)
        .prefetch_related("partners", "goals", "co_branches")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class PartnerRanking:
    """How the form offers the roster: ``order`` (the units of the organiser's partnerships,
    then those it worked with most often, then the rest by name) and ``frequent`` (those of
    the first two kinds, shown open; the rest is folded behind a search box)."""

    order: list[int]
    frequent: set[int]


def partner_ranking(organiser: Organiser, partner_ids: Iterable[int]) -> PartnerRanking:
    """Rank ``partner_ids`` for the organiser's form. One query."""
    branch = organiser.branch
    own_activity = Q(activities__archived_at__isnull=True) & (
        Q(activities__branch=branch) if branch else Q(activities__branch__isnull=True)
    )
    own_partnership = Q(partnerships__archived_at__isnull=True) & (
        Q(partnerships__branch=branch) if branch else Q(partnerships__branch__isnull=True)
    )
    rows = (
        PartnerOrganisation.all_objects.filter(pk__in=list(partner_ids))
        .annotate(
            bound=Count("partnerships", filter=own_partnership, distinct=True),
            used=Count("activities", filter=own_activity, distinct=True),
        )
        .order_by(Case(When(bound__gt=0, then=Value(0)), default=Value(1)), "-used", "name")
        .values_list("pk", "bound", "used")
    )
    order, frequent = [], set()
    for pk, bound, used in rows:
        order.append(pk)
        if bound or used:
            frequent.add(pk)
    return PartnerRanking(order=order, frequent=frequent)


def member_search(user: User, organiser: Organiser, text: str) -> list[Member]:
    """Current members of the organiser's committee whose name matches ``text`` (at most
    ``MEMBER_SEARCH_LIMIT``), for ticking members of other branches as attendees."""
    text = text.strip()
    if not text:
        return []
    return list(
        Member.objects.for_user(user)
        .current()
        .filter(committee=organiser.committee, name__icontains=text[:50])
        .select_related("branch")
        .only("pk", "name", "branch_id", "branch__name", "committee_id")
        .order_by("branch__sort_order", "branch__name", "name")[:MEMBER_SEARCH_LIMIT]
    )
