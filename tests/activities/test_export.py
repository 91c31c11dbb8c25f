"""The Excel ledger 台账: the list's filters and scoping, one row per activity, audited; a title
row, 序号, attendee names and evidence, print setup, approved rows unless asked, a Chinese name."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from activities.models import Activity, Attachment, AttachmentKind
from branches.models import AuditAction, AuditEntry
from portal.core.periods import Period
from tests import factories
from tests.activities.test_list import SHANGHAI, build_world


def exports_audited():
    """The export entries of the audit log (logins and refusals are recorded too)."""
    return AuditEntry.objects.filter(action=AuditAction.EXPORT)


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def export(client, **params):
    """The export with every status (the scoping tests count drafts too) unless the test asks
    otherwise (``statuses=None``: the default, approved activities only)."""
    params.setdefault("statuses", "all")
    params = {key: value for key, value in params.items() if value is not None}
    return client.get(reverse("activities:export"), params)


def ledger(response) -> tuple[list[str], list[dict[str, object]]]:
    """The workbook's headers (under the two title rows) and its rows as header -> value."""
    assert response.status_code == 200, response
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    headers = list(values[2])
    return headers, [dict(zip(headers, row, strict=True)) for row in values[3:]]


def exported_titles(response) -> set[str]:
    return {row["Title"] for row in ledger(response)[1]}


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    response = export(client)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not exports_audited().exists()


def test_secretary_exports_their_branch_activities(cast, world):
    response = export(cast.client_for(cast.secretary_a1))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert exported_titles(response) == {"安全生产联学", "金融知识进工地", "两支部联合主题党日"}


def test_secretary_of_another_branch_exports_none_of_branch_a1(cast, world):
    titles = exported_titles(export(cast.client_for(cast.secretary_a2)))

    assert titles == {"宿迁项目组织生活会", "两支部联合主题党日"}


def test_staff_export_their_committee_only_and_admin_b_none_of_it(cast, world):
    staff = exported_titles(export(cast.client_for(cast.staff_a)))
    admin_b = exported_titles(export(cast.client_for(cast.admin_b)))

    assert "外单位联建活动" not in staff
    assert len(staff) == 5
    assert admin_b == {"外单位联建活动"}


def test_the_list_filters_apply_to_the_export(cast, world):
    client = cast.client_for(cast.staff_a)

    by_partner = exported_titles(export(client, q="建设银行"))
    approved_m1 = exported_titles(export(client, status="approved", measure=world.m1.pk))
    this_month = exported_titles(export(client, period="this_month", branch=cast.branch_a1.pk))

    assert by_partner == {"金融知识进工地", "两支部联合主题党日"}
    assert approved_m1 == {"安全生产联学", "党委专题党课"}
    assert this_month == {"安全生产联学"}


def test_rows_follow_the_list_order_and_sort(cast, world):
    client = cast.client_for(cast.staff_a)

    newest = [row["Title"] for row in ledger(export(client))[1]]
    oldest = [row["Title"] for row in ledger(export(client, sort="oldest"))[1]]

    assert newest[-1] == "金融知识进工地"
    assert oldest == newest[::-1]


def test_invalid_filters_export_nothing_and_go_back_to_the_list(cast, world):
    response = export(cast.client_for(cast.staff_a), status="approved", branch=cast.branch_b1.pk)

    assert response.status_code == 302
    assert response.url == (
        f"{reverse('activities:list')}?status=approved&branch={cast.branch_b1.pk}&statuses=all"
    )
    assert not exports_audited().exists()


def test_a_superuser_exports_the_chosen_committee(cast, world):
    client = cast.client_for(cast.superuser)

    committee_a = exported_titles(export(client, committee=cast.committee_a.pk))
    a1_approved = exported_titles(
        export(client, committee=cast.committee_a.pk, branch=cast.branch_a1.pk, status="approved")
    )
    inferred = exported_titles(export(client, measure=world.m2.pk))  # a dashboard's link

    assert len(committee_a) == 5
    assert "外单位联建活动" not in committee_a
    assert a1_approved == {"安全生产联学"}
    assert inferred == {"金融知识进工地", "宿迁项目组织生活会"}
    details = dict(exports_audited().values_list("committee__name", "detail"))
    assert set(details) == {cast.committee_a.name}


def test_a_committee_outside_the_reach_exports_nothing(cast, world):
    from branches.access import forget_scope
    from branches.models import CommitteeRole, CommitteeRoleKind

    CommitteeRole.objects.create(
        user=cast.staff_a,
        committee=cast.committee_b,
        role=CommitteeRoleKind.STAFF,
        starts_on=dt.date(2020, 1, 1),
    )
    forget_scope(cast.staff_a)
    other = factories.CommitteeFactory(name="第三公司党委")

    response = export(cast.client_for(cast.staff_a), committee=other.pk)

    assert response.status_code == 302
    assert response.url == f"{reverse('activities:list')}?committee={other.pk}&statuses=all"
    assert not exports_audited().exists()


def test_one_row_holds_every_column_of_the_ledger(cast, world):
    joint = world.co_organised
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a, branch=cast.branch_a2, title="宿迁结对共建协议"
    )
    Activity.objects.filter(pk=joint.pk).update(
        partnership=partnership,
        location="宿迁项目部",
        external_participants=12,
        volunteers=4,
        beneficiaries=300,
        outcome="解决了两个施工难题",
        kind="meeting",
    )
    joint.goals.set([world.g2, world.g1])
    joint.attendees.set([cast.member_a1, cast.member_a2])

    headers, rows = ledger(export(cast.client_for(cast.staff_a), q="两支部"))

    assert headers == [
        "No.",
        "Starts at",
        "Ends at",
        "Title",
        "Organiser",
        "Co-organisers",
        "Measure",
        "Goals served",
        "Kind",
        "Location",
        "Partner organisations",
        "Partnership",
        "Members attending",
        "Number of members attending",
        "External participants",
        "Volunteers",
        "Beneficiaries",
        "Summary",
        "Outcome",
        "Evidence",
        "Status",
        "Partner confirmation",
        "Confirmed by",
        "Confirmed at",
    ]
    [row] = rows
    local_start = joint.starts_at.astimezone(SHANGHAI).replace(tzinfo=None)
    assert row["Starts at"] == local_start
    assert row["Ends at"] == local_start + dt.timedelta(hours=2)
    assert row["Organiser"] == cast.branch_a2.name
    assert row["Co-organisers"] == cast.branch_a1.name
    assert row["Measure"] == "M1 Joint study"
    assert row["Goals served"] == "G1 Party building, G2 Production"
    assert row["Partner organisations"] == "建设银行杭州分行, 西湖区社区党委"
    assert row["Partnership"] == "宿迁结对共建协议"
    assert row["Kind"] == "Meeting or forum"
    assert row["Location"] == "宿迁项目部"
    assert row["No."] == 1
    assert row["Members attending"] == f"{cast.member_a1.name}, {cast.member_a2.name}"
    assert row["Number of members attending"] == 2
    assert (row["External participants"], row["Volunteers"], row["Beneficiaries"]) == (12, 4, 300)
    assert row["Outcome"] == "解决了两个施工难题"
    assert row["Status"] == "Returned"


def test_a_committee_level_activity_names_the_committee_as_organiser(cast, world):
    [row] = ledger(export(cast.client_for(cast.staff_a), q="党委专题党课"))[1]

    assert row["Organiser"] == cast.committee_a.name
    assert row["Co-organisers"] is None  # an empty cell


def test_headers_are_chinese_when_the_ui_is_chinese(cast, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    response = export(cast.client_for(cast.staff_a))
    headers, rows = ledger(response)
    sheet = load_workbook(io.BytesIO(response.content)).active

    assert headers[3] == "标题"
    assert "共建单位" in headers
    assert "参加党员" in headers
    with translation.override("zh-hans"):
        assert sheet.title == translation.gettext("Ledger")
    assert {row["状态"] for row in rows} >= {"草稿", "待审核"}


def test_header_is_frozen_and_columns_have_widths(cast, world):
    sheet = load_workbook(io.BytesIO(export(cast.client_for(cast.staff_a)).content)).active

    assert sheet.freeze_panes == "C4"
    assert sheet.column_dimensions["D"].width >= 28  # the title
    assert all(sheet.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOPQRSTUVWX")


def test_text_that_looks_like_a_formula_stays_text(cast, world):
    Activity.objects.filter(pk=world.this_month.pk).update(
        title='=HYPERLINK("http://evil.example","点我")', outcome="@SUM(1+1)\x0b换行"
    )

    response = export(cast.client_for(cast.staff_a), q="HYPERLINK")
    sheet = load_workbook(io.BytesIO(response.content)).active
    title, outcome = sheet["D4"], sheet["S4"]

    assert title.data_type == "s"
    assert title.value == '=HYPERLINK("http://evil.example","点我")'
    assert outcome.value == "@SUM(1+1)换行"  # the vertical tab Excel refuses is dropped


def test_an_export_is_written_to_the_audit_log(cast, world):
    export(cast.client_for(cast.staff_a), status="approved")

    [entry] = exports_audited()
    assert entry.user == cast.staff_a
    assert entry.action == AuditAction.EXPORT
    assert entry.committee == cast.committee_a
    assert entry.object_type == "activity"
    assert entry.detail == "2 rows, xlsx"


def test_a_superuser_export_is_audited_per_committee(cast, world):
    export(cast.client_for(cast.superuser))

    details = dict(exports_audited().values_list("committee__name", "detail"))
    assert details == {cast.committee_a.name: "5 rows, xlsx", cast.committee_b.name: "1 rows, xlsx"}


def test_an_empty_export_is_audited_too(cast):
    response = export(cast.client_for(cast.secretary_a1))

    assert ledger(response)[1] == []
    [entry] = exports_audited()
    assert entry.committee == cast.committee_a
    assert entry.detail == "0 rows, xlsx"


def test_export_queries_do_not_grow_with_the_rows(cast, world):
    client = cast.client_for(cast.staff_a)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = export(client)
        return len(captured), len(ledger(response)[1])

    before, rows_before = queries()
    for n in range(12):
        extra = factories.ActivityFactory(
            committee=cast.committee_a, branch=cast.branch_a2, measure=world.m2, title=f"联建{n}"
        )
        extra.partners.set([world.xihu, world.bank])
        extra.co_branches.set([cast.branch_a1])
        extra.goals.set([world.g1, world.g2])
        extra.attendees.set([cast.member_a2])
        Attachment.objects.create(
            activity=extra, kind=AttachmentKind.PHOTO, file=f"activities/x/{n}.jpg"
        )
    after, rows_after = queries()

    assert rows_after == rows_before + 12
    assert after == before


# --- The standard ledger: title, 序号, names, evidence, print setup, statuses, file name -----


def test_the_ledger_has_a_title_row_a_period_line_and_numbered_rows(cast, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    response = export(cast.client_for(cast.secretary_a1), period="this_month", statuses=None)
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][0] == f"{cast.branch_a1.name}联建活动台账"
    period = Period.month(timezone.localdate())
    with translation.override("zh-hans"):
        period_label = period.label
    assert f"统计期间：{period_label}" in rows[1][0]
    assert f"导出日期：{timezone.localdate().isoformat()}" in rows[1][0]
    assert "仅含已审核活动" in rows[1][0]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:X1", "A2:X2"}
    assert rows[2][:2] == ("序号", "开始时间")
    assert [row[0] for row in rows[3:]] == [1]  # only the approved activity of A1 this month
    assert rows[3][3] == "安全生产联学"


def test_attendee_names_summary_and_evidence_are_columns(cast, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = world.this_month
    first.attachments.all().delete()  # the factory's photo: the files are exactly these two
    Attachment.objects.create(
        activity=first,
        kind=AttachmentKind.PHOTO,
        file="activities/x/a.jpg",
        original_name="合影.jpg",
    )
    Attachment.objects.create(
        activity=first,
        kind=AttachmentKind.SIGN_IN_SHEET,
        file="activities/x/b.pdf",
        original_name="签到表.pdf",
    )

    [row] = ledger(export(cast.client_for(cast.staff_a), q="安全生产联学"))[1]

    names = row["Members attending"].split(", ")
    assert cast.member_a1.name in names
    assert len(names) == 3
    assert names == sorted(names)
    assert row["Summary"] == "学习安全生产法"
    assert row["Evidence"] == "Photo: 合影.jpg; Sign-in sheet: 签到表.pdf"


def test_the_ledger_prints_landscape_on_a4_fitted_to_width_with_the_header_repeated(cast, world):
    sheet = load_workbook(io.BytesIO(export(cast.client_for(cast.staff_a)).content)).active

    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(sheet.page_setup.fitToWidth) == 1
    assert int(sheet.page_setup.fitToHeight) == 0
    assert sheet.print_title_rows == "$3:$3"


def test_only_approved_activities_unless_every_status_is_asked_for(cast, world):
    client = cast.client_for(cast.staff_a)

    default = exported_titles(export(client, statuses=None))
    every = exported_titles(export(client, statuses="all"))
    drafts = exported_titles(export(client, statuses=None, status="draft"))

    assert default == {"安全生产联学", "党委专题党课"}
    assert len(every) == 5
    assert drafts == {"金融知识进工地"}


def test_the_list_offers_the_ledger_and_a_labelled_export_of_every_status(cast, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    page = cast.client_for(cast.staff_a).get(reverse("activities:list")).content.decode()

    assert "导出台账（已审核）" in page
    assert "导出台账（含未审核）" in page
    assert "statuses=all" in page


def test_the_file_has_a_chinese_name_with_an_ascii_fallback(cast, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    today = timezone.localdate()
    quarter = Period.quarter(today)
    with translation.override("zh-hans"):
        label = quarter.label

    response = export(
        cast.client_for(cast.secretary_a1),
        statuses=None,
        period="this_quarter",
        branch=cast.branch_a1.pk,
    )

    name = f"联建活动台账-{cast.branch_a1.name}-{label}.xlsx"
    assert response["Content-Disposition"] == (
        f'attachment; filename="activity-ledger-{today:%Y%m%d}.xlsx"; '
        f"filename*=UTF-8''{quote(name)}"
    )


def test_a_staff_ledger_is_titled_with_the_committee(cast, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    response = export(cast.client_for(cast.staff_a), statuses=None)
    title = load_workbook(io.BytesIO(response.content)).active["A1"].value

    assert title == f"{cast.committee_a.name}联建活动台账"
    assert (
        "filename*=UTF-8''" + quote(f"联建活动台账-{cast.committee_a.name}-全部时间.xlsx")
        in (response["Content-Disposition"])
    )
