"""What every page's navigation shows: the links the user has and the counts beside them."""

from __future__ import annotations

from dataclasses import dataclass

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
    review_count = 0
    if reviews:
        reviewed = activities_for(user).filter(status=ActivityStatus.SUBMITTED)
        if not scope.everything:
            reviewed = reviewed.filter(
                committee_id__in=scope.staff_committee_ids | scope.admin_committee_ids
            )
        review_count = reviewed.count()
    returned_count = 0
    if scope.editable_branch_ids:
        returned_count = (
            activities_for(user)
            .filter(status=ActivityStatus.RETURNED, branch_id__in=scope.editable_branch_ids)
            .count()
        )
    return Navigation(
        logs_activities=scope.is_branch_editor or reviews,
        reviews=reviews,
        review_count=review_count,
        returned_count=returned_count,
    )


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav``: computed on first use only (pages without the header run no query for it)."""
    return {"nav": SimpleLazyObject(lambda: _navigation(request))}
