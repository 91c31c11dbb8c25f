"""Agreements with a term and a yearly plan (issue 18, part 1): the models' rules, renewal
续签, plan progress, the admin (owner and outsider), files kept in versions, and the plan
items' spreadsheet import and export."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityStatus
from partnerships.models import (
    AgreementFile,
    Partnership,
    PartnershipMember,
    PeriodKind,
    PlanItem,
    PlanStatus,
    YearPlan,
    partners_outside,
)
from partnerships.selectors import plan_progress
from partnerships.services import partnership_renew
from tests import factories
from tests.branches.test_import_export import _confirm, _export, _preview, _xlsx
from tests.partnerships.test_admin import _post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(cast):
    """A 2024–2025 pairing of branch A1 with a community, a goal and a measure, and its
    2025 plan of two items."""
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="春江社区结对共建",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        activities_per_quarter=2,
        commitments="每季度联学一次",
    )
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江社区")
    factories.PartnershipMemberFactory(partnership=partnership, partner=partner)
    goal = factories.GoalFactory(committee=cast.committee_a)
    measure = factories.MeasureFactory(committee=cast.committee_a, title="理论联学", code="M1")
    partnership.goals.add(goal)
    partnership.measures.add(measure)
    plan = factories.YearPlanFactory(partnership=partnership, year=2025)
    factories.PlanItemFactory(
        plan=plan, title="联学党课", measure=measure, period=1, partners=[partner], position=1
    )
    factories.PlanItemFactory(
        plan=plan,
        title="消防演练",
        measure=measure,
        period_kind=PeriodKind.MONTH,
        period=11,
        position=2,
    )
    return partnership


# --- the models' rules ---------------------------------------------------------------------


def test_a_period_is_a_month_1_to_12_or_a_quarter_1_to_4(agreement):
    plan = agreement.plans.get()
    measure = agreement.measures.get()
    for kind, period in ((PeriodKind.MONTH, 13), (PeriodKind.QUARTER, 5), (PeriodKind.MONTH, 0)):
        item = PlanItem(plan=plan, title="x", measure=measure, period_kind=kind, period=period)
        with pytest.raises(ValidationError) as caught:
            item.full_clean()
        assert "月份应为 1–12，季度应为 1–4。" in str(caught.value)
    PlanItem(
        plan=plan, title="y", measure=measure, period_kind=PeriodKind.QUARTER, period=4
    ).full_clean()


def test_period_dates_cover_the_month_or_the_quarter(agreement):
    items = {item.title: item for item in agreement.plans.get().items.all()}
    assert items["联学党课"].period_dates() == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert items["消防演练"].period_dates() == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))


def test_a_plan_is_for_a_year_of_the_term_and_once_a_year(agreement):
    with pytest.raises(ValidationError) as caught:
        YearPlan(partnership=agreement, year=2027).full_clean()
    assert "不在共建关系期限内" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        YearPlan(partnership=agreement, year=2025).full_clean()
    assert "已有本年度的共建计划" in str(caught.value)


def test_an_item_takes_the_committees_measure_and_branch_only(cast, agreement):
    plan = agreement.plans.get()
    foreign_measure = factories.MeasureFactory(committee=cast.committee_b)
    item = PlanItem(plan=plan, title="z", measure=foreign_measure, period=2, branch=cast.branch_b1)
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert set(caught.value.message_dict) == {"measure", "branch"}


def test_partners_outside_names_units_not_in_the_partnership(cast, agreement):
    inside = agreement.partners.get()
    outside = factories.PartnerFactory(committee=cast.committee_a, name="外街道")
    assert partners_outside(agreement, [inside, outside]) == [outside]
    assert partners_outside(agreement, []) == []


def test_an_activity_fulfils_an_item_of_its_own_partnerships_plan(cast, agreement):
    item = agreement.plans.get().items.first()
    other = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        partnership=agreement,
        starts_at=_local(2025, 2, 10),
    )
    activity.plan_item = item
    activity.full_clean()
    activity.partnership = other
    with pytest.raises(ValidationError) as caught:
        activity.full_clean()
    assert "属于其他共建关系的年度计划" in caught.value.message_dict["plan_item"][0]
    activity.partnership = None
    with pytest.raises(ValidationError) as caught:
        activity.full_clean()
    assert "请选择该计划事项所属" in caught.value.message_dict["plan_item"][0]


def _local(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def test_an_activity_outside_its_partnerships_term_is_refused(cast, agreement):
    """The term is read in the portal's zone, both ends included; the message says why."""
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        partnership=agreement,
        starts_at=_local(2024, 1, 1, 0),
    )
    activity.full_clean()
    activity.starts_at = _local(2025, 12, 31, 23)
    activity.ends_at = activity.starts_at + dt.timedelta(minutes=30)
    activity.full_clean()
    for outside in (_local(2026, 1, 1, 0), _local(2023, 12, 31, 23)):
        activity.starts_at = outside
        activity.ends_at = outside + dt.timedelta(minutes=30)
        with pytest.raises(ValidationError) as caught:
            activity.full_clean()
        message = caught.value.message_dict["partnership"][0]
        assert "不在共建关系“春江社区结对共建”的期限" in message
        assert "2024-01-01" in message
        assert "2025-12-31" in message
    # Not yet started (an open-ended agreement): its own message.
    later = factories.PartnershipFactory(
        committee=cast.committee_a, branch=cast.branch_a1, starts_on=dt.date(2026, 6, 1)
    )
    activity.partnership = later
    activity.starts_at = _local(2026, 5, 31, 12)
    activity.ends_at = activity.starts_at + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as caught:
        activity.full_clean()
    assert "尚未开始" in caught.value.message_dict["partnership"][0]


def test_activities_per_quarter_defaults_to_one(cast):
    assert factories.PartnershipFactory(committee=cast.committee_a).activities_per_quarter == 1


# --- progress ------------------------------------------------------------------------------


def _done(cast, agreement, item, *, status=ActivityStatus.APPROVED, archived=False):
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        partnership=agreement,
        plan_item=item,
        status=status,
    )
    if archived:
        activity.archived_at = timezone.now()
        activity.save(update_fields=["archived_at"])
    return activity


def test_progress_counts_what_is_done_and_what_is_overdue(cast, agreement):
    plan = agreement.plans.get()
    study, _drill = plan.items.order_by("position")
    _done(cast, agreement, study, status=ActivityStatus.SUBMITTED)  # not done yet
    _done(cast, agreement, study, archived=True)  # archived: not counted
    # In May 2025: the first quarter is over with nothing done; November is still to come.
    progress = plan_progress(plan, today=dt.date(2025, 5, 1))
    assert (progress.done, progress.planned, progress.overdue) == (0, 2, 1)
    assert [row.is_overdue for row in progress.items] == [True, False]
    _done(cast, agreement, study)
    progress = plan_progress(plan, today=dt.date(2025, 12, 1))
    assert (progress.done, progress.planned, progress.overdue) == (1, 2, 1)
    assert [(row.item.title, row.is_done, row.is_overdue) for row in progress.items] == [
        ("联学党课", True, False),
        ("消防演练", False, True),
    ]
    # The last day of the period is still in time.
    assert plan_progress(plan, today=dt.date(2025, 11, 30)).overdue == 0


def test_progress_queries_do_not_grow_with_items(cast, agreement):
    plan = agreement.plans.get()
    measure = agreement.measures.get()
    with CaptureQueriesContext(connection) as few:
        plan_progress(plan)
    for n in range(6):
        item = factories.PlanItemFactory(plan=plan, measure=measure, period=1 + n % 4)
        _done(cast, agreement, item)
    with CaptureQueriesContext(connection) as many:
        progress = plan_progress(plan)
    assert progress.planned == 8
    assert len(many) == len(few) == 1


# --- renewal -------------------------------------------------------------------------------


def test_renewal_starts_the_next_term_and_copies_the_plan_as_a_draft(cast, agreement):
    old_plan = agreement.plans.get()
    YearPlan.objects.filter(pk=old_plan.pk).update(status=PlanStatus.ADOPTED)
    history_before = agreement.history.count()
    new = partnership_renew(
        agreement, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31), by=cast.admin_a
    )
    assert new.pk != agreement.pk
    assert new.renewed_from == agreement
    assert agreement.renewal == new
    assert (new.title, new.kind, new.branch, new.committee) == (
        agreement.title,
        agreement.kind,
        agreement.branch,
        agreement.committee,
    )
    assert (new.commitments, new.activities_per_quarter) == ("每季度联学一次", 2)
    assert list(new.partners.all()) == list(agreement.partners.all())
    assert set(new.memberships.values_list("joined_on", flat=True)) == {dt.date(2026, 1, 1)}
    assert set(new.goals.all()) == set(agreement.goals.all())
    assert set(new.measures.all()) == set(agreement.measures.all())
    plan = new.plans.get()
    assert (plan.year, plan.status) == (2026, PlanStatus.DRAFT)
    copied = [
        (i.title, i.measure_id, i.period_kind, i.period, i.branch_id, list(i.partners.all()))
        for i in plan.items.all()
    ]
    original = [
        (i.title, i.measure_id, i.period_kind, i.period, i.branch_id, list(i.partners.all()))
        for i in old_plan.items.all()
    ]
    assert copied == original
    # The old term is untouched: same dates, same plan, no new history of its own.
    agreement.refresh_from_db()
    assert agreement.ends_on == dt.date(2025, 12, 31)
    assert agreement.plans.get().status == PlanStatus.ADOPTED
    assert agreement.history.count() == history_before
    assert new.history.first().history_user == cast.admin_a


@pytest.mark.parametrize(
    ("starts_on", "message"),
    [
        (dt.date(2025, 12, 31), "须在本期结束（2025-12-31）之后开始"),
        (dt.date(2025, 6, 1), "须在本期结束（2025-12-31）之后开始"),
    ],
)
def test_renewal_refuses_an_overlapping_term(cast, agreement, starts_on, message):
    before = (Partnership.all_objects.count(), YearPlan.objects.count(), PlanItem.objects.count())
    with pytest.raises(ValidationError, match=message):
        partnership_renew(agreement, starts_on=starts_on, ends_on=None, by=cast.admin_a)
    after = (Partnership.all_objects.count(), YearPlan.objects.count(), PlanItem.objects.count())
    assert after == before


def test_renewal_refuses_a_second_renewal_and_an_open_ended_term(cast, agreement):
    partnership_renew(agreement, starts_on=dt.date(2026, 1, 1), ends_on=None, by=cast.admin_a)
    count = Partnership.all_objects.count()
    with pytest.raises(ValidationError, match="已续签"):
        partnership_renew(agreement, starts_on=dt.date(2027, 1, 1), ends_on=None, by=cast.admin_a)
    open_ended = factories.PartnershipFactory(committee=cast.committee_a, ends_on=None)
    with pytest.raises(ValidationError, match="没有结束日期"):
        partnership_renew(open_ended, starts_on=dt.date(2030, 1, 1), ends_on=None, by=None)
    assert Partnership.all_objects.count() == count + 1  # the open-ended one, nothing else


def test_renewal_leaves_archived_partners_out(cast, agreement):
    gone = factories.PartnerFactory(committee=cast.committee_a, name="已归档单位")
    factories.PartnershipMemberFactory(partnership=agreement, partner=gone)
    item = agreement.plans.get().items.get(title="消防演练")
    item.partners.add(gone)
    type(gone).all_objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    new = partnership_renew(agreement, starts_on=dt.date(2026, 1, 1), ends_on=None, by=None)
    assert gone not in new.partners.all()
    assert not new.plans.get().items.get(title="消防演练").partners.exists()


# --- the admin -----------------------------------------------------------------------------


def _renew_url(partnership) -> str:
    return reverse("admin:partnerships_partnership_renew", args=[partnership.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_admin_renews_from_the_change_page(cast, agreement):
    client = cast.client_for(cast.admin_a)
    change = client.get(reverse("admin:partnerships_partnership_change", args=[agreement.pk]))
    assert _renew_url(agreement) in change.content.decode()
    form = client.get(_renew_url(agreement))
    assert form.status_code == 200
    assert form.context["form"].initial["starts_on"] == dt.date(2026, 1, 1)
    response = client.post(
        _renew_url(agreement), {"starts_on": "2026-01-01", "ends_on": "2027-12-31"}, follow=True
    )
    new = agreement.renewal
    assert response.redirect_chain[-1][0] == reverse(
        "admin:partnerships_partnership_change", args=[new.pk]
    )
    assert any("已续签" in m for m in _messages(response))
    assert new.plans.get().status == PlanStatus.DRAFT
    # The old term's page now links to the new term instead of offering a renewal.
    old_page = client.get(reverse("admin:partnerships_partnership_change", args=[agreement.pk]))
    assert _renew_url(agreement) not in old_page.content.decode()


def test_admin_renewal_refusals_are_messages_and_write_nothing(cast, agreement):
    client = cast.client_for(cast.admin_a)
    count = Partnership.all_objects.count()
    response = client.post(_renew_url(agreement), {"starts_on": "2025-06-01", "ends_on": ""})
    assert response.status_code == 200
    assert any("2025-12-31" in m for m in _messages(response))
    response = client.post(
        _renew_url(agreement), {"starts_on": "2026-06-01", "ends_on": "2026-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"]
    response = client.post(_renew_url(agreement), {"starts_on": "not a date"})
    assert response.status_code == 200
    assert Partnership.all_objects.count() == count
    client.post(_renew_url(agreement), {"starts_on": "2026-01-01"})
    response = client.post(_renew_url(agreement), {"starts_on": "2027-01-01"})
    assert any("该共建关系已续签" in m for m in _messages(response))
    assert Partnership.all_objects.count() == count + 1


def test_another_committees_admin_cannot_renew_or_see_the_plans(cast, agreement):
    client = cast.client_for(cast.admin_b)
    count = Partnership.all_objects.count()
    response = client.post(_renew_url(agreement), {"starts_on": "2026-01-01"})
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert Partnership.all_objects.count() == count
    plan = agreement.plans.get()
    changelist = client.get(reverse("admin:partnerships_yearplan_changelist"))
    assert changelist.status_code == 200
    assert plan not in changelist.context["cl"].queryset
    change = client.get(reverse("admin:partnerships_yearplan_change", args=[plan.pk]))
    assert change.status_code == 302  # "does not exist", as for any row out of scope
    history = client.get(reverse("admin:partnerships_yearplan_history", args=[plan.pk]))
    assert history.status_code == 404


def test_staff_and_secretaries_get_no_plan_admin(cast, agreement):
    for user in (cast.staff_a, cast.secretary_a1):
        response = cast.client_for(user).get(reverse("admin:partnerships_yearplan_changelist"))
        assert response.status_code in {302, 403}


def test_plan_page_shows_progress_and_its_items(cast, agreement):
    plan = agreement.plans.get()
    client = cast.client_for(cast.admin_a)
    response = client.get(reverse("admin:partnerships_yearplan_change", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "联学党课" in html
    assert "消防演练" in html


def test_a_second_plan_for_the_same_year_is_refused_with_a_message(cast, agreement):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_yearplan_add")
    data = _post_data(client.get(url))
    data.update({"partnership": str(agreement.pk), "year": "2025", "status": PlanStatus.DRAFT})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "该共建关系已有本年度的共建计划。" in response.content.decode()
    assert YearPlan.objects.filter(partnership=agreement).count() == 1


def test_the_same_item_twice_in_a_period_is_refused_with_a_message(cast, agreement):
    plan = agreement.plans.get()
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_yearplan_change", args=[plan.pk])
    data = _post_data(client.get(url))
    total = int(data["items-TOTAL_FORMS"])
    data.update(
        {
            "items-TOTAL_FORMS": str(total + 1),
            f"items-{total}-title": "联学党课",
            f"items-{total}-measure": str(agreement.measures.get().pk),
            f"items-{total}-period_kind": PeriodKind.QUARTER,
            f"items-{total}-period": "1",
            f"items-{total}-position": "3",
            f"items-{total}-plan": str(plan.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    # Two rows of the page: the formset's own duplicate message (against a stored row, the
    # constraint's "该计划在同一时间已有此事项。").
    formset = response.context["inline_admin_formsets"][0].formset
    assert "重复" in str(formset.non_form_errors())
    assert plan.items.count() == 2


def test_an_item_takes_only_the_partnerships_partners(cast, agreement):
    plan = agreement.plans.get()
    stranger = factories.PartnerFactory(committee=cast.committee_a, name="无关单位")
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_yearplan_change", args=[plan.pk])
    data = _post_data(client.get(url))
    data["items-0-partners"] = [str(stranger.pk)]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "无关单位" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert not plan.items.filter(partners=stranger).exists()


def test_partnership_form_refuses_another_committees_goal(cast, agreement):
    client = cast.client_for(cast.superuser)
    url = reverse("admin:partnerships_partnership_change", args=[agreement.pk])
    data = _post_data(client.get(url))
    data["goals"] = [str(factories.GoalFactory(committee=cast.committee_b).pk)]
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["goals"]


# --- signed files kept in versions ---------------------------------------------------------


@pytest.fixture
def signed_file(agreement, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    row = AgreementFile(partnership=agreement, version="2024年签署")
    row.file.save("协议2024.pdf", ContentFile(b"%PDF-1.4 signed 2024"))
    return row


def test_agreement_files_are_served_like_the_agreement(cast, signed_file):
    url = signed_file.file.url
    assert url.startswith("/files/partnerships/")
    assert cast.client_for(cast.admin_a).get(url).status_code == 200
    assert cast.client_for(cast.secretary_a1).get(url).status_code == 200
    assert cast.client_for(cast.secretary_a2).get(url).status_code == 404  # another branch's
    assert cast.client_for(cast.admin_b).get(url).status_code == 404


def test_several_versions_are_kept_and_the_uploader_recorded(cast, agreement, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_partnership_change", args=[agreement.pk])
    for version in ("2024年签署", "2025年补充协议"):
        data = _post_data(client.get(url))
        total = int(data["agreement_files-TOTAL_FORMS"])
        data.update(
            {
                "agreement_files-TOTAL_FORMS": str(total + 1),
                f"agreement_files-{total}-version": version,
                f"agreement_files-{total}-partnership": str(agreement.pk),
                f"agreement_files-{total}-file": ContentFile(
                    b"%PDF-1.4\n" + version.encode() + b"\nstartxref\n9\n%%EOF\n",
                    name="协议.pdf",
                ),
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["errors"]
    files = list(agreement.agreement_files.order_by("pk"))
    assert [f.version for f in files] == ["2024年签署", "2025年补充协议"]
    assert {f.uploaded_by for f in files} == {cast.admin_a}
    assert files[0].file.name != files[1].file.name


# --- plan items as a spreadsheet -----------------------------------------------------------

HEADER = ["共建关系", "年度", "顺序", "计划事项", "举措", "计划时间", "负责支部", "共建单位"]
MODEL_PATH = "partnerships/yearplan"


def test_plan_items_export_and_reimport_unchanged(cast, agreement):
    client = cast.client_for(cast.admin_a)
    response = _export(client, MODEL_PATH, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, (c.value or "" for c in row), strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]
    assert [(r["计划事项"], r["计划时间"], r["举措"], r["共建单位"]) for r in rows] == [
        ("联学党课", "第1季度", "理论联学", "春江社区"),
        ("消防演练", "11月", "理论联学", ""),
    ]
    count = PlanItem.objects.count()
    preview = _preview(client, MODEL_PATH, "plan.xlsx", response.content, "xlsx")
    result = preview.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert _confirm(client, MODEL_PATH, preview).status_code == 302
    assert PlanItem.objects.count() == count


def test_plan_items_import_creates_and_updates(cast, agreement):
    client = cast.client_for(cast.admin_a)
    content = _xlsx(
        [
            HEADER,
            ["春江社区结对共建", 2025, 1, "联学党课", "M1", "Q1", "杭州项目公司党支部", "春江社区"],
            ["春江社区结对共建", 2025, 3, "慰问孤寡老人", "理论联学", "二季度", "", "春江社区"],
            ["春江社区结对共建", 2025, None, "防汛演练", "M1", "7月", "", ""],
        ]
    )
    preview = _preview(client, MODEL_PATH, "plan.xlsx", content, "xlsx")
    assert not preview.context["result"].has_validation_errors()
    _confirm(client, MODEL_PATH, preview)
    plan = agreement.plans.get()
    assert plan.items.count() == 4
    care = plan.items.get(title="慰问孤寡老人")
    assert (care.period_kind, care.period, care.branch, care.position) == (
        PeriodKind.QUARTER,
        2,
        None,
        3,
    )
    assert list(care.partners.values_list("name", flat=True)) == ["春江社区"]
    assert plan.items.get(title="防汛演练").period == 7


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["春江社区结对共建", 2024, 1, "事项", "M1", "Q1", "", ""], "没有 2024 年度计划"),
        (["春江社区结对共建", 2025, 1, "事项", "M9", "Q1", "", ""], "M9"),
        (["春江社区结对共建", 2025, 1, "事项", "M1", "13月", "", ""], "13月"),
        (["春江社区结对共建", 2025, 1, "事项", "M1", "Q1", "", "无关单位"], "无关单位"),
        (["春江社区结对共建", 2025, 1, "事项", "M1", "Q1", "外单位党支部", ""], "外单位党支部"),
    ],
)
def test_plan_items_import_refuses_bad_rows_with_a_message(cast, agreement, row, expected):
    factories.PartnerFactory(committee=cast.committee_a, name="无关单位")
    client = cast.client_for(cast.admin_a)
    preview = _preview(client, MODEL_PATH, "plan.xlsx", _xlsx([HEADER, row]), "xlsx")
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors() or result.has_errors()
    assert expected in preview.content.decode()
    assert PlanItem.objects.count() == 2


def test_another_committee_cannot_import_into_the_plan(cast, agreement):
    client = cast.client_for(cast.admin_b)
    row = ["春江社区结对共建", 2025, 1, "事项", "M1", "Q1", "", ""]
    preview = _preview(client, MODEL_PATH, "plan.xlsx", _xlsx([HEADER, row]), "xlsx")
    assert preview.context["result"].has_validation_errors()
    assert PlanItem.objects.count() == 2


def test_a_formula_in_an_item_title_is_exported_as_text(cast, agreement):
    hostile = '=HYPERLINK("http://example.com","点击")'
    PlanItem.objects.filter(title="联学党课").update(title=hostile)
    response = _export(cast.client_for(cast.admin_a), MODEL_PATH, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("计划事项")] for row in sheet.iter_rows(min_row=2)]
    hostile_cell = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert hostile_cell.data_type == "s"
    assert hostile_cell.value == hostile  # the text unchanged, stored as text, not a formula


def test_renewal_membership_rows_are_history_recorded(cast, agreement):
    new = partnership_renew(agreement, starts_on=dt.date(2026, 1, 1), ends_on=None, by=None)
    member = PartnershipMember.objects.get(partnership=new)
    assert member.history.count() == 1
