"""The reviewer sees the agreement's state on the activity page (issue 18): the partnership
in force, ended or renewed, and the plan item fulfilled with its plan's progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityStatus
from partnerships.services import partnership_renew
from tests import factories
from tests.activities.test_detail import detail_url, make_activity, measure_of

pytestmark = pytest.mark.django_db


def _page(cast, user, activity) -> str:
    response = cast.client_for(user).get(detail_url(activity))
    assert response.status_code == 200
    return response.content.decode()


def test_the_reviewer_sees_the_partnership_in_force_and_the_plan_items_progress(cast):
    year = timezone.localdate().year
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="春江社区结对共建",
        starts_on=dt.date(year - 1, 1, 1),
        ends_on=dt.date(year + 1, 12, 31),
    )
    plan = factories.YearPlanFactory(partnership=partnership, year=year)
    study, _drill, _third = (
        factories.PlanItemFactory(plan=plan, title=title, measure=measure_of(cast), period=n)
        for n, title in enumerate(("联学党课", "消防演练", "志愿服务"), start=1)
    )
    done = make_activity(cast, partnership=partnership, plan_item=study, title="已完成的联学")
    Activity.objects.filter(pk=done.pk).update(status=ActivityStatus.APPROVED)
    activity = make_activity(cast, partnership=partnership, plan_item=study)
    page = _page(cast, cast.staff_a, activity)
    assert "春江社区结对共建" in page
    assert "生效中" in page
    assert f"{year - 1}-01-01 – {year + 1}-12-31" in page
    assert "联学党课" in page
    assert f"{year}年计划：已完成 1 项，共 3 项" in page
    assert "不在协议期限内" not in page


def test_the_reviewer_sees_an_ended_and_renewed_agreement(cast):
    old = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="旧城街道结对共建",
        starts_on=dt.date(2021, 1, 1),
        ends_on=dt.date(2022, 12, 31),
    )
    activity = make_activity(
        cast,
        partnership=old,
        starts_at=timezone.make_aware(dt.datetime(2022, 6, 1, 9)),
        ends_at=timezone.make_aware(dt.datetime(2022, 6, 1, 11)),
    )
    page = _page(cast, cast.staff_a, activity)
    assert "已结束" in page
    assert "已续签为" not in page
    partnership_renew(
        old,
        by=cast.admin_a,
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    page = _page(cast, cast.staff_a, activity)
    assert "已续签为 旧城街道结对共建" in page


def test_an_activity_outside_the_term_from_before_the_rule_is_pointed_out(cast):
    ended = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="旧城街道结对共建",
        starts_on=dt.date(2021, 1, 1),
        ends_on=dt.date(2022, 12, 31),
    )
    activity = make_activity(cast)
    Activity.objects.filter(pk=activity.pk).update(partnership=ended)  # written before the rule
    assert "活动日期不在协议期限内。" in _page(cast, cast.staff_a, activity)
