"""What every page's navigation shows: the links the user has and the counts beside them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activities.access import activities_for
from activities.models import ActivityStatus
from branches.access import scope_for
from portal.core.periods import local_today
from portal.reminders.models import Reminder, iso_week


@dataclass(frozen=True)
class Navigation:
    logs_activities: bool
    reviews: bool
    #: submitted activities waiting for this reviewer
    review_count: int
    #: the user's branches' activities returned to them and not yet resubmitted
    returned_count: int
    #: the user holds a role that gets weekly reminders (secretary, committee staff or admin)
    reminded: bool = False
    #: the user's reminders of the current ISO week
    reminder_count: int = 0
    #: a committee admin or superuser: the audit log page
    reads_audit_log: bool = False


class RowCount(Subquery):
    """The number of rows of ``queryset``, as a scalar subquery: several counts in one query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet) -> None:
        super().__init__(queryset.order_by().values("pk"))


def _navigation(request: HttpRequest) -> Navigation | None:
    user = request.user
    if not user.is_authenticated:
        return None
    scope = scope_for(user)
    reviews = scope.is_committee_staff
    editable = scope.editable_branch_ids
    counts: dict[str, RowCount] = {}
    if reviews:
        waiting = Q(status=ActivityStatus.SUBMITTED)
        if not scope.everything:  # the review queue's rule (branches.access.reviewed)
            waiting &= Q(committee_id__in=scope.reviewed_committee_ids)
        counts["review_count"] = RowCount(activities_for(user).filter(waiting))
    if editable:
        counts["returned_count"] = RowCount(
            activities_for(user).filter(status=ActivityStatus.RETURNED, branch_id__in=editable)
        )
    # Reminders go to secretaries, committee staff and admins: to whom a count above applies.
    if counts:
        counts["reminder_count"] = RowCount(
            Reminder.objects.for_user(user).filter(week=iso_week(local_today()))
        )
    # All counts in one query, each a subquery with its own conditions (an index finds the few
    # rows of each instead of a scan of every activity).
    totals = {}
    if counts:
        totals = get_user_model().objects.filter(pk=user.pk).values(**counts).get()
    return Navigation(
        logs_activities=scope.is_branch_editor or reviews,
        reviews=reviews,
        review_count=totals.get("review_count", 0),
        returned_count=totals.get("returned_count", 0),
        reminded=bool(counts),
        reminder_count=totals.get("reminder_count", 0),
        reads_audit_log=scope.is_committee_admin,
    )


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav``: computed on first use only (pages without the header run no query for it)."""
    return {"nav": SimpleLazyObject(lambda: _navigation(request))}
