"""The navigation's counts (portal.home.context_processors): what waits for the user."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityStatus
from branches.models import CommitteeRoleKind
from branches.services import committee_role_grant
from tests import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _activity(committee, branch, status, **extra):
    return factories.ActivityFactory(
        committee=committee,
        branch=branch,
        measure=factories.MeasureFactory(committee=committee),
        status=status,
        submitted_at=timezone.now() if status == ActivityStatus.SUBMITTED else None,
        **extra,
    )


@pytest.fixture
def work(cast):
    a, b = cast.committee_a, cast.committee_b
    for _ in range(2):
        _activity(a, cast.branch_a1, ActivityStatus.SUBMITTED)
    _activity(a, cast.branch_a2, ActivityStatus.SUBMITTED)
    _activity(a, None, ActivityStatus.SUBMITTED)  # the committee's own
    _activity(b, cast.branch_b1, ActivityStatus.SUBMITTED)
    _activity(a, cast.branch_a1, ActivityStatus.RETURNED)
    _activity(a, cast.branch_a2, ActivityStatus.RETURNED)
    joint = _activity(a, cast.branch_a2, ActivityStatus.RETURNED)
    joint.co_branches.set([cast.branch_a1])  # A1 co-organises it but does not edit it
    for status in (ActivityStatus.DRAFT, ActivityStatus.APPROVED):
        _activity(a, cast.branch_a1, status)
    return cast


def nav_counts(client) -> dict[str, int | None]:
    """Link text -> the number in its badge (None when the link has no badge)."""
    content = client.get(reverse("home")).content.decode()
    nav = re.search(r'<nav class="site-nav".*?</nav>', content, re.S).group(0)
    counts: dict[str, int | None] = {}
    for href, inner in re.findall(r'<a class="site-nav__link" href="([^"]+)">(.*?)</a>', nav):
        badge = re.search(r'<span class="count-badge"[^>]*>\D*(\d+)\D*</span>', inner)
        counts[href] = int(badge.group(1)) if badge else None
    return counts


def queue_length(client) -> int:
    response = client.get(reverse("activities:review_queue"))
    assert response.status_code == 200
    return response.context["page"].paginator.count


REVIEW = reverse("activities:review_queue")
LIST = reverse("activities:list")


@pytest.mark.parametrize(("who", "expected"), [("staff_a", 4), ("admin_a", 4), ("admin_b", 1)])
def test_review_count_equals_the_activities_in_the_review_queue(work, who, expected):
    client = work.client_for(getattr(work, who))

    assert nav_counts(client)[REVIEW] == expected
    assert queue_length(client) == expected


def test_superuser_review_count_covers_every_committee(work):
    client = work.client_for(work.superuser)

    assert nav_counts(client)[REVIEW] == 5 == queue_length(client)


def test_no_badge_when_nothing_waits_for_review(cast):
    assert nav_counts(cast.client_for(cast.staff_a))[REVIEW] is None


def test_secretary_has_no_review_link_but_a_count_of_activities_returned_to_them(work):
    counts = nav_counts(work.client_for(work.secretary_a1))

    assert REVIEW not in counts
    # Only A1's own returned activity: A2's, and the one A1 merely co-organises, are not theirs
    # to fix.
    assert counts[LIST] == 1


def test_a_secretary_who_also_reviews_another_committee_counts_only_that_committee(work):
    committee_role_grant(
        user=work.secretary_a1, committee=work.committee_b, role=CommitteeRoleKind.STAFF
    )
    client = work.client_for(work.secretary_a1)

    counts = nav_counts(client)

    # A1's own submissions are not theirs to review; committee B's one is.
    assert counts[REVIEW] == 1 == queue_length(client)
    assert counts[LIST] == 1


def test_former_secretary_has_no_activity_links(work):
    counts = nav_counts(work.client_for(work.former_secretary_a1))

    assert LIST not in counts
    assert REVIEW not in counts


@pytest.mark.parametrize(
    ("who", "sees_it"),
    [
        ("admin_a", True),
        ("superuser", True),
        ("staff_a", False),
        ("secretary_a1", False),
    ],
)
def test_the_audit_log_link_is_shown_to_those_who_may_read_it(cast, who, sees_it):
    links = nav_counts(cast.client_for(getattr(cast, who)))
    assert (reverse("audit:list") in links) is sees_it
