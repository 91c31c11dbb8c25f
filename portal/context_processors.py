"""What every page's navigation shows: the links the user has and the counts beside them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activities.access import activities_for
from activities.models import ActivityStatus
from branches.access import scope_for


@dataclass(frozen=True)
class Navigation:
    logs_activities: bool
    reviews: bool
    #: submitted activities waiting for this reviewer
    review_count: int
    #: the user's branches' activities returned to them and not yet resubmitted
    returned_count: int


def _navigation(request: HttpRequest) -> Navigation | None:
    user = request.user
    if not user.is_authenticated:
        return None
    scope = scope_for(user)
    reviews = scope.is_committee_staff
    editable = scope.editable_branch_ids
    counts: dict[str, Q] = {}
    if reviews:
        waiting = Q(status=ActivityStatus.SUBMITTED)
        if not scope.everything:  # the review queue's rule (branches.access.reviewed)
            waiting &= Q(committee_id__in=scope.reviewed_committee_ids)
        counts["review_count"] = waiting
    if editable:
        counts["returned_count"] = Q(status=ActivityStatus.RETURNED, branch_id__in=editable)
    # Both counts in one query, over the activities the user may read. The conditions go in
    # WHERE too, so that an index finds the few rows instead of a scan of every activity.
    totals = {}
    if counts:
        any_counted = Q()
        for condition in counts.values():
            any_counted |= condition
        totals = (
            activities_for(user)
            .filter(any_counted)
            .aggregate(
                **{name: Count("pk", filter=condition) for name, condition in counts.items()}
            )
        )
    return Navigation(
        logs_activities=scope.is_branch_editor or reviews,
        reviews=reviews,
        review_count=totals.get("review_count", 0),
        returned_count=totals.get("returned_count", 0),
    )


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav``: computed on first use only (pages without the header run no query for it)."""
    return {"nav": SimpleLazyObject(lambda: _navigation(request))}
