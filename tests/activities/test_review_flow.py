"""The reviewer's flow: after approving or returning, on to the next activity in their queue;
common comments to add when returning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityAction, ActivityStatus
from tests import factories
from tests.activities.test_detail import detail_url, make_activity, page
from tests.activities.test_transitions import committee_activity, post


@pytest.fixture
def cast(module_cast, db):
    return module_cast.fresh()


def submitted(cast, title: str, *, hours_ago: int, branch=None, by=None) -> Activity:
    """An activity submitted ``hours_ago`` hours ago (the queue's order is the submission's)."""
    branch = branch or cast.branch_a1
    secretary = by or (cast.secretary_a1 if branch == cast.branch_a1 else cast.secretary_a2)
    activity = make_activity(cast, by=secretary, branch=branch, title=title)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=secretary)
    Activity.objects.filter(pk=activity.pk).update(
        submitted_at=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    return activity


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(("slug", "comment"), [("approve", ""), ("return", "请补充共建单位")])
def test_after_a_decision_the_reviewer_goes_to_the_next_in_the_queue_order(cast, slug, comment):
    oldest = submitted(cast, "最早提交", hours_ago=30)
    middle = submitted(cast, "其次提交", hours_ago=20, branch=cast.branch_a2)
    submitted(cast, "最近提交", hours_ago=10)

    response = post(cast, cast.staff_a, oldest, slug, comment=comment)

    assert response.redirect_chain == [(detail_url(middle), 302)]
    done = "was approved" if slug == "approve" else "was returned to the organiser"
    assert messages_of(response) == [
        f"“最早提交” {done}" + (" with your comment." if comment else "."),
        "Next in your review queue: “其次提交”.",
    ]
    expected = ActivityStatus.APPROVED if slug == "approve" else ActivityStatus.RETURNED
    assert Activity.objects.get(pk=oldest.pk).status == expected


def test_the_last_decision_leads_back_to_the_queue(cast):
    only = submitted(cast, "唯一一项", hours_ago=5)

    response = post(cast, cast.staff_a, only, "approve")

    assert response.redirect_chain == [(reverse("activities:review_queue"), 302)]
    assert messages_of(response) == [
        "“唯一一项” was approved.",
        "Nothing else is waiting for your review.",
    ]


def test_the_next_one_skips_the_reviewers_own_work_and_other_committees(cast):
    """staff_a logged and submitted the committee's own activity: four eyes leave it to another
    reviewer. Committee B's submission is not in staff_a's queue."""
    first = submitted(cast, "先审这项", hours_ago=30)
    own = committee_activity(cast, created_by=cast.staff_a)
    Activity.objects.filter(pk=own.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=20))
    factories.ActivityFactory(
        committee=cast.committee_b,
        branch=cast.branch_b1,
        measure=factories.MeasureFactory(committee=cast.committee_b),
        status=ActivityStatus.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(hours=15),
        title="另一党委的活动",
    )
    after = submitted(cast, "之后这项", hours_ago=10, branch=cast.branch_a2)

    response = post(cast, cast.staff_a, first, "approve")

    assert response.redirect_chain == [(detail_url(after), 302)]


def test_submitting_still_leads_back_to_the_activity(cast):
    draft = make_activity(cast)
    submitted(cast, "别的待审活动", hours_ago=3, branch=cast.branch_a2)

    response = post(cast, cast.secretary_a1, draft, "submit")

    assert response.redirect_chain == [(detail_url(draft), 302)]


def test_an_outsider_cannot_approve_and_is_not_sent_anywhere(cast):
    activity = submitted(cast, "杭州的活动", hours_ago=3)

    response = post(cast, cast.secretary_a2, activity, "approve")

    assert response.status_code == 404
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.SUBMITTED


def test_the_return_box_offers_common_comments_and_works_without_them(cast):
    activity = submitted(cast, "待审活动", hours_ago=3)

    html = page(cast, cast.staff_a, activity)

    assert 'data-comment-phrases="return-comment"' in html
    assert 'data-phrase="Please add photos of the activity or its sign-in sheet."' in html
    assert "js/review-comments.js" in html
    # Hidden until the script shows them: without it the reviewer types in the box.
    assert 'data-comment-phrases="return-comment" hidden' in html
    assert 'name="comment" rows="3" required' in html


def test_the_organiser_is_offered_no_common_comments(cast):
    activity = submitted(cast, "待审活动", hours_ago=3)

    html = page(cast, cast.secretary_a1, activity)

    assert "data-comment-phrases" not in html
    assert "review-comments.js" not in html
