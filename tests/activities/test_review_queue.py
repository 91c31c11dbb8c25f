"""The review queue: committee staff see the submissions of the committees they review,
the longest waiting first; branch secretaries are refused."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import selectors
from activities.access import is_own_work
from activities.models import Activity, ActivityAction, ActivityEvent, ActivityStatus
from branches.access import forget_scope
from branches.models import RoleKind
from branches.services import branch_role_assign
from tests import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def submitted(committee, branch, title, *, waited: dt.timedelta, measure=None) -> Activity:
    activity = factories.ActivityFactory(
        committee=committee,
        branch=branch,
        title=title,
        status=ActivityStatus.SUBMITTED,
        submitted_at=timezone.now() - waited,
        **({"measure": measure} if measure else {}),
    )
    return activity


@pytest.fixture
def queue(cast):
    measure = factories.MeasureFactory(committee=cast.committee_a, code="M1", title_en="Study")
    partner = factories.PartnerFactory(committee=cast.committee_a, name="西湖区社区党委")
    recent = submitted(
        cast.committee_a,
        cast.branch_a1,
        "刚提交的活动",
        waited=dt.timedelta(hours=3),
        measure=measure,
    )
    recent.partners.set([partner])
    recent.attendees.set([cast.member_a1])
    submitted(
        cast.committee_a,
        cast.branch_a2,
        "等了五天的活动",
        waited=dt.timedelta(days=5, hours=1),
        measure=measure,
    )
    submitted(
        cast.committee_a,
        None,
        "党委自己的活动",
        waited=dt.timedelta(days=1, hours=2),
        measure=measure,
    )
    submitted(cast.committee_b, cast.branch_b1, "另一党委的活动", waited=dt.timedelta(days=9))
    for status in (ActivityStatus.DRAFT, ActivityStatus.APPROVED, ActivityStatus.RETURNED):
        factories.ActivityFactory(
            committee=cast.committee_a,
            branch=cast.branch_a1,
            measure=measure,
            title=f"不在队列 {status}",
            status=status,
        )
    return cast


TITLE = re.compile(r'<h2 class="review-item__title"><a href="[^"]+">([^<]*)</a></h2>')


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [html.unescape(t) for t in TITLE.findall(response.content.decode())]


def get_queue(client, **params):
    return client.get(reverse("activities:review_queue"), params)


def test_anonymous_visitor_is_sent_to_the_login_page(client, queue):
    response = get_queue(client)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('activities:review_queue')}"


@pytest.mark.parametrize("who", ["secretary_a1", "secretary_a2", "former_secretary_a1"])
def test_branch_secretaries_are_refused(queue, who):
    response = get_queue(queue.client_for(getattr(queue, who)))

    assert response.status_code == 403
    assert "刚提交的活动" not in response.content.decode()


@pytest.mark.parametrize("who", ["staff_a", "admin_a"])
def test_committee_staff_see_their_committee_submissions_longest_waiting_first(queue, who):
    titles = shown(get_queue(queue.client_for(getattr(queue, who))))

    assert titles == ["等了五天的活动", "党委自己的活动", "刚提交的活动"]


def test_admin_of_another_committee_sees_only_their_own(queue):
    assert shown(get_queue(queue.client_for(queue.admin_b))) == ["另一党委的活动"]


def test_superuser_sees_every_committee_submissions(queue):
    titles = shown(get_queue(queue.client_for(queue.superuser)))

    assert titles == ["另一党委的活动", "等了五天的活动", "党委自己的活动", "刚提交的活动"]


def test_each_item_says_how_long_it_has_waited_and_links_to_the_activity(queue):
    response = get_queue(queue.client_for(queue.staff_a))
    content = " ".join(html.unescape(response.content.decode()).split())  # also splits on nbsp
    five_days = Activity.objects.get(title="等了五天的活动")

    assert "Waiting 5 days, 1 hour" in content
    assert "Waiting 3 hours" in content
    assert reverse("activities:detail", args=[five_days.pk]) in content
    assert "西湖区社区党委" in content
    assert "3 activities waiting for review" in content


def test_an_empty_queue_says_nothing_is_waiting(cast):
    response = get_queue(cast.client_for(cast.staff_a))

    assert response.status_code == 200
    assert "Nothing waiting for review" in response.content.decode()


def test_the_queue_is_paginated_with_the_oldest_first(queue, settings):
    settings.ACTIVITY_PAGE_SIZE = 2
    client = queue.client_for(queue.staff_a)

    assert shown(get_queue(client)) == ["等了五天的活动", "党委自己的活动"]
    assert shown(get_queue(client, page=2)) == ["刚提交的活动"]


def test_queue_queries_do_not_grow_with_the_rows(queue):
    client = queue.client_for(queue.staff_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get_queue(client)
        return len(captured)

    before = queries()
    measure = Activity.objects.get(title="刚提交的活动").measure
    for n in range(8):
        extra = submitted(
            queue.committee_a,
            queue.branch_a1,
            f"又一个{n}",
            waited=dt.timedelta(days=n),
            measure=measure,
        )
        extra.partners.set(Activity.objects.get(title="刚提交的活动").partners.all())
        extra.attendees.set([queue.member_a1])

    assert queries() == before
    assert len(shown(get_queue(client))) == 11


# --- Four eyes: the reviewer's own work is left to another ------------------------------------

OWN_WORK = "Your own work: another reviewer approves or returns it."


def own_marked(response) -> list[str]:
    """The titles of the items marked as the reviewer's own work."""
    items = response.content.decode().split('<li class="card review-item">')[1:]
    return [html.unescape(TITLE.search(item).group(1)) for item in items if OWN_WORK in item]


def test_the_reviewers_own_work_is_marked_for_another_reviewer(queue):
    """staff_a logged the committee's own activity; staff_a also holds an office in A2 (the
    login that is both), so A2's submission is theirs too: both are left to another reviewer."""
    Activity.objects.filter(title="党委自己的活动").update(created_by=queue.staff_a)
    member = factories.MemberFactory(branch=queue.branch_a2, user=queue.staff_a)
    branch_role_assign(branch=queue.branch_a2, member=member, role=RoleKind.PUBLICITY)
    forget_scope(queue.staff_a)

    staff = get_queue(queue.client_for(queue.staff_a))
    assert shown(staff) == ["等了五天的活动", "党委自己的活动", "刚提交的活动"]  # all still listed
    assert own_marked(staff) == ["等了五天的活动", "党委自己的活动"]
    assert own_marked(get_queue(queue.client_for(queue.admin_a))) == []

    queue.committee_a.allow_self_review = True
    queue.committee_a.save()
    assert own_marked(get_queue(queue.client_for(queue.staff_a))) == []


def test_the_queue_and_the_activity_page_agree_on_what_is_own_work(queue):
    """The rule is stated twice (for one activity, and as SQL for the list): same answers."""
    ActivityEvent.objects.create(  # changed by staff_a before it was submitted
        activity=Activity.objects.get(title="刚提交的活动"),
        action=ActivityAction.EDITED,
        actor=queue.staff_a,
    )
    Activity.objects.filter(title="党委自己的活动").update(created_by=queue.staff_a)
    for user in (queue.staff_a, queue.admin_a, queue.superuser):
        rows = selectors.review_queue(user)
        assert {a.title: a.own_work for a in rows} == {
            a.title: is_own_work(user, a) for a in rows
        }, user
