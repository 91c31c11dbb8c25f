"""The activity form and the agreements' terms (issue 18): only the partnerships in force on
the activity's day are offered (one it already serves stays chosen), an activity outside its
partnership's term is refused with the reason, and the items of the offered partnerships'
plans for the activity's year are offered, grouped by partnership."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from tests import factories
from tests.activities.test_create_edit import _data, _local

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:create")


@pytest.fixture
def setting(cast):
    """Branch A1's pairing in force (with this year's plan of two items and last year's of
    one), its ended pairing (2021–2022), and branch A2's pairing with a plan of its own."""
    year = timezone.localdate().year
    measure = factories.MeasureFactory(committee=cast.committee_a, code="M1")
    current = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="春江社区结对共建",
        starts_on=dt.date(year - 1, 1, 1),
        ends_on=dt.date(year + 1, 12, 31),
    )
    ended = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="旧城街道结对共建",
        starts_on=dt.date(2021, 1, 1),
        ends_on=dt.date(2022, 12, 31),
    )
    plan = factories.YearPlanFactory(partnership=current, year=year)
    study = factories.PlanItemFactory(plan=plan, title="联学党课", measure=measure, period=1)
    drill = factories.PlanItemFactory(plan=plan, title="消防演练", measure=measure, period=4)
    last_year = factories.YearPlanFactory(partnership=current, year=year - 1)
    old_item = factories.PlanItemFactory(plan=last_year, title="去年的事项", measure=measure)
    other = factories.PartnershipFactory(
        committee=cast.committee_a, branch=cast.branch_a2, title="二支部结对共建"
    )
    other_item = factories.PlanItemFactory(
        plan=factories.YearPlanFactory(partnership=other, year=year),
        title="二支部的事项",
        measure=measure,
    )
    foreign = factories.PartnershipFactory(committee=cast.committee_b, title="乙方结对共建")
    foreign_item = factories.PlanItemFactory(
        plan=factories.YearPlanFactory(partnership=foreign, year=year), title="乙方事项"
    )
    return {
        "framework": {"measures": [measure]},
        "current": current,
        "ended": ended,
        "study": study,
        "drill": drill,
        "old_item": old_item,
        "other": other,
        "other_item": other_item,
        "foreign_item": foreign_item,
    }


def _options(page: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    return match.group(0) if match else ""


def _post(cast, setting, user=None, **overrides):
    client = cast.client_for(user or cast.secretary_a1)
    return client.post(CREATE, _data(setting["framework"], **overrides))


def test_the_owner_is_offered_partnerships_in_force_and_their_plan_items(cast, setting):
    page = cast.client_for(cast.secretary_a1).get(CREATE).content.decode()
    partnerships = _options(page, "partnership")
    assert "春江社区结对共建" in partnerships
    assert "旧城街道结对共建" not in partnerships  # ended: not offered on a new activity
    items = _options(page, "plan_item")
    assert '<optgroup label="春江社区结对共建">' in items
    assert "联学党课" in items
    assert "消防演练" in items
    assert "去年的事项" not in items  # last year's plan: not this activity's year
    assert "二支部的事项" not in items
    assert "乙方事项" not in items


def test_an_outsider_sees_none_of_the_branchs_partnerships_or_items(cast, setting):
    page = cast.client_for(cast.secretary_a2).get(CREATE).content.decode()
    assert "春江社区结对共建" not in page
    assert "联学党课" not in page
    assert "消防演练" not in page
    assert "二支部的事项" in _options(page, "plan_item")  # its own partnership's plan


def test_an_activity_fulfils_an_item_and_choosing_it_names_the_partnership(cast, setting):
    response = _post(cast, setting, plan_item=str(setting["study"].pk))
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.get()
    assert activity.plan_item == setting["study"]
    assert activity.partnership == setting["current"]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("other_item", "请选择所选共建关系年度计划中的事项。"),  # another branch's partnership
        ("foreign_item", "请选择所选共建关系年度计划中的事项。"),  # another committee's
    ],
)
def test_an_item_the_organiser_may_not_fulfil_is_refused_with_a_message(
    cast, setting, item, message
):
    response = _post(cast, setting, plan_item=str(setting[item].pk))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors["plan_item"]
    assert not Activity.objects.exists()


def test_an_item_of_another_partnership_of_the_branch_is_refused(cast, setting):
    plan = factories.YearPlanFactory(partnership=setting["ended"], year=2022)
    item = factories.PlanItemFactory(plan=plan, measure=setting["study"].measure)
    response = _post(cast, setting, partnership=str(setting["current"].pk), plan_item=str(item.pk))
    assert response.status_code == 200
    assert "属于其他共建关系的年度计划" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_activity_outside_the_partnerships_term_is_refused_with_the_reason(cast, setting):
    response = _post(cast, setting, partnership=str(setting["ended"].pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "不在共建关系“旧城街道结对共建”的期限（2021-01-01 至 2022-12-31）内" in page
    assert not Activity.objects.exists()
    # The chosen partnership stays chosen on the page sent back, with its reason.
    assert re.search(f'<option value="{setting["ended"].pk}" selected>', page)


def test_an_old_activity_is_logged_with_the_partnership_in_force_then(cast, setting):
    """A form sent with a date in the ended term: that partnership is in force on the day."""
    start = dt.datetime(2022, 6, 1, 9, tzinfo=_local().tzinfo)
    response = _post(
        cast,
        setting,
        partnership=str(setting["ended"].pk),
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    assert Activity.objects.get().partnership == setting["ended"]


def test_an_ended_partnership_stays_chosen_on_the_activity_it_serves(cast, setting):
    start = timezone.make_aware(dt.datetime(2022, 6, 1, 9))
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        partnership=setting["ended"],
        starts_at=start,
    )
    page = cast.client_for(cast.secretary_a1).get(reverse("activities:edit", args=[activity.pk]))
    options = _options(page.content.decode(), "partnership")
    assert re.search(f'<option value="{setting["ended"].pk}" selected>', options)
    # Its day's partnerships only: the one in force now had not started then.
    assert "春江社区结对共建" not in options
