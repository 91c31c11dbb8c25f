"""The to-do home page (待办): what each role has to do, worked out when the page opens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityStatus
from branches.models import AuditAction, AuditEntry
from portal.reminders.models import Reminder
from tests import factories


@pytest.fixture
def cast(module_cast, db):
    return module_cast.fresh()


def _activity(cast, branch, status, *, committee=None, days_ago=3, **extra):
    committee = committee or cast.committee_a
    now = timezone.now()
    return factories.ActivityFactory(
        committee=committee,
        branch=branch,
        measure=extra.pop("measure", None) or cast.measures[0],
        status=status,
        starts_at=now - dt.timedelta(days=days_ago),
        submitted_at=now - dt.timedelta(days=days_ago) if status != ActivityStatus.DRAFT else None,
        reviewed_at=now - dt.timedelta(days=1) if status == ActivityStatus.RETURNED else None,
        **extra,
    )


@pytest.fixture
def work(cast):
    """Committee A with six measures: A1 has a returned activity, a draft, an approved one under
    M1 this quarter and a pairing ending in 40 days; A2 a returned one of its own; one
    submission of A1 waits for review; committee B has a submission of its own."""
    today = timezone.localdate()
    cast.measures = [
        factories.MeasureFactory(committee=cast.committee_a, position=n, code=f"M{n}")
        for n in range(1, 7)
    ]
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    in_quarter = (today - quarter_start).days // 2  # days ago, within this quarter
    cast.returned = _activity(
        cast,
        cast.branch_a1,
        ActivityStatus.RETURNED,
        title="退回的联学活动",
        review_comment="请补充活动照片或签到表",
    )
    cast.draft = _activity(cast, cast.branch_a1, ActivityStatus.DRAFT, title="未提交的草稿")
    _activity(
        cast,
        cast.branch_a1,
        ActivityStatus.APPROVED,
        title="本季度通过的活动",
        days_ago=in_quarter,
        measure=cast.measures[0],
    )
    cast.waiting = _activity(
        cast, cast.branch_a1, ActivityStatus.SUBMITTED, title="等待审核的活动", days_ago=10
    )
    _activity(cast, cast.branch_a2, ActivityStatus.RETURNED, title="宿迁退回的活动")
    cast.b_waiting = _activity(
        cast,
        cast.branch_b1,
        ActivityStatus.SUBMITTED,
        committee=cast.committee_b,
        title="另一党委的待审活动",
        measure=factories.MeasureFactory(committee=cast.committee_b),
    )
    cast.ending = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="杭州—春江街道结对共建",
        ends_on=today + dt.timedelta(days=40),
    )
    factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="明年才到期的协议",
        ends_on=today + dt.timedelta(days=90),
    )
    factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a2,
        title="宿迁的结对协议",
        ends_on=today + dt.timedelta(days=20),
    )
    factories.PartnershipFactory(
        committee=cast.committee_b,
        branch=cast.branch_b1,
        title="另一党委的协议",
        ends_on=today + dt.timedelta(days=10),
    )
    return cast


def _home_html(cast, user) -> str:
    response = cast.client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_anonymous_visitor_is_sent_to_the_login_page(client, cast):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_secretary_sees_the_returned_activity_with_the_comment_and_where_to_fix_it(work):
    html = _section(_home_html(work, work.secretary_a1), "branch-todos-heading")

    assert "退回的联学活动" in html
    assert "请补充活动照片或签到表" in html
    assert reverse("activities:edit", args=[work.returned.pk]) in html
    assert "未提交的草稿" in html
    assert reverse("activities:edit", args=[work.draft.pk]) in html
    # A2's returned activity is not A1's to fix; the waiting one is not a to-do of the branch.
    assert "宿迁退回的活动" not in html
    assert "等待审核的活动" not in html


def test_secretary_is_offered_to_log_each_measure_not_covered_this_quarter(work):
    html = _section(_home_html(work, work.secretary_a1), "branch-todos-heading")
    create = reverse("activities:create")

    for measure in work.measures[1:]:
        assert f"{create}?organiser=b{work.branch_a1.pk}&amp;measure={measure.pk}" in html
    # M1 has an approved activity of A1 this quarter.
    assert f'measure={work.measures[0].pk}"' not in html
    assert "本季度尚未覆盖的举措" in html


def test_secretary_sees_their_branchs_agreements_ending_within_60_days(work):
    html = _section(_home_html(work, work.secretary_a1), "branch-todos-heading")

    assert "杭州—春江街道结对共建" in html
    assert "还有 40 天" in html
    assert "明年才到期的协议" not in html
    assert "宿迁的结对协议" not in html


def test_another_branchs_secretary_sees_none_of_a1s_to_dos(work):
    html = _home_html(work, work.secretary_a2)

    assert "宿迁退回的活动" in html
    assert "宿迁的结对协议" in html
    for a1_item in ("退回的联学活动", "未提交的草稿", "杭州—春江街道结对共建", "请补充活动照片"):
        assert a1_item not in html
    assert "review-todos-heading" not in html
    assert "admin-todos-heading" not in html


def test_staff_see_the_review_queue_with_waiting_times_and_the_branches_with_gaps(work):
    html = _home_html(work, work.staff_a)
    review = _section(html, "review-todos-heading")

    assert "等待审核的活动" in review
    assert "已等待 10 天" in review
    assert reverse("activities:detail", args=[work.waiting.pk]) in review
    assert "另一党委的待审活动" not in review
    # Gaps: A1 covered only M1; A2 has nothing approved at all.
    assert "杭州项目公司党支部" in review
    assert "未覆盖举措</span> M2" in review
    assert "宿迁项目公司党支部" in review
    assert "本季度尚无审核通过的活动" in review
    assert reverse("dashboards:branch", args=[work.branch_a2.pk]) in review
    # Not a branch officer, not an admin.
    assert "branch-todos-heading" not in html
    assert "admin-todos-heading" not in html


def test_a_reviewer_of_another_committee_sees_only_their_queue(work):
    review = _section(_home_html(work, work.admin_b), "review-todos-heading")

    assert "另一党委的待审活动" in review
    assert "等待审核的活动" not in review
    assert "杭州项目公司党支部" not in review


def test_admin_sees_agreements_ending_and_logins_to_look_at(work):
    AuditEntry.objects.create(
        committee=work.committee_a,
        action=AuditAction.LOCKOUT,
        object_type="user",
        object_id=str(work.secretary_a2.pk),
        object_repr="secretary_a2",
    )
    AuditEntry.objects.create(
        committee=work.committee_b,
        action=AuditAction.LOCKOUT,
        object_type="user",
        object_id=str(work.admin_b.pk),
        object_repr="admin_b",
    )
    html = _home_html(work, work.admin_a)
    admin = _section(html, "admin-todos-heading")

    # Every agreement of the committee ending within 60 days, the branches' and its own.
    assert "杭州—春江街道结对共建" in admin
    assert "宿迁的结对协议" in admin
    assert reverse("admin:partnerships_partnership_change", args=[work.ending.pk]) in admin
    assert "明年才到期的协议" not in admin
    assert "另一党委的协议" not in admin
    # Locked out this week; office holders who never logged in (the test logins never did,
    # except whoever opened a page).
    assert "secretary_a2" in admin
    assert f"{reverse('audit:list')}?action=lockout&amp;q=secretary_a2" in admin
    assert "admin_b" not in admin
    assert "从未登录" in admin
    assert "secretary_a1本人" in admin
    # An admin reviews too.
    assert "等待审核的活动" in _section(html, "review-todos-heading")


def test_staff_do_not_see_the_admins_to_dos(work):
    assert "admin-todos-heading" not in _home_html(work, work.staff_a)


def test_the_to_dos_need_no_reminder_job(work):
    assert not Reminder.objects.exists()
    html = _home_html(work, work.secretary_a1)

    assert "退回的联学活动" in html
    assert "本周没有需要提醒的事项" not in html


def test_empty_to_do_lists_read_naturally(cast):
    secretary = _section(_home_html(cast, cast.secretary_a1), "branch-todos-heading")
    review = _section(_home_html(cast, cast.admin_b), "review-todos-heading")
    admin = _section(_home_html(cast, cast.admin_b), "admin-todos-heading")

    assert "没有待办事项" in secretary
    assert "没有等待审核的活动" in review
    assert "未来 60 天内没有到期的共建关系" in admin


def test_the_header_names_the_users_roles(work):
    html = _home_html(work, work.secretary_a1)

    assert "杭州项目公司党支部 · 书记" in html
    assert "宿迁项目公司党支部 · 书记" not in html
    assert "党委工作人员" in _home_html(work, work.staff_a)


def test_the_framework_moved_to_its_own_page_linked_from_the_navigation(work):
    html = _home_html(work, work.secretary_a1)

    assert f'href="{reverse("framework")}"' in html
    assert "main-line" not in html


def test_the_navigation_badges_say_what_they_count(work):
    secretary = _home_html(work, work.secretary_a1)
    staff = _home_html(work, work.staff_a)

    assert re.search(r'<span class="count-badge">\s*已退回 1\s*</span>', secretary)
    assert re.search(r'<span class="count-badge">\s*待审核 1\s*</span>', staff)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


#: The home page's queries by role, the navigation's one included: pinned, whatever the rows.
HOME_QUERIES = {"secretary_a1": 12, "staff_a": 12, "admin_a": 17}


@pytest.mark.parametrize(("who", "expected"), HOME_QUERIES.items())
def test_the_home_pages_queries_are_pinned_and_do_not_grow_with_the_rows(work, who, expected):
    client = work.client_for(getattr(work, who))
    client.get(reverse("home"))  # the login's first page records the login time
    assert _queries(client) == expected

    today = timezone.localdate()
    for n in range(4):
        _activity(work, work.branch_a1, ActivityStatus.RETURNED, title=f"又一项退回{n}")
        _activity(work, work.branch_a1, ActivityStatus.DRAFT, title=f"又一份草稿{n}")
        _activity(work, work.branch_a2, ActivityStatus.SUBMITTED, title=f"又一项待审{n}")
        factories.PartnershipFactory(
            committee=work.committee_a,
            branch=work.branch_a1,
            ends_on=today + dt.timedelta(days=5 + n),
        )
        branch = factories.BranchFactory(committee=work.committee_a, name=f"新增党支部{n}")
        factories.MemberFactory(branch=branch)

    assert _queries(client) == expected
