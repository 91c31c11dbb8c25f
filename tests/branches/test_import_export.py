"""Member and partner rosters: CSV/XLSX import and export through the real admin views."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import AuditAction, AuditEntry, Member
from partnerships.models import PartnerOrganisation
from tests import factories

MEMBER_HEADER = ["姓名", "支部", "党员编号", "性别", "状态", "入党日期", "职务", "手机号"]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _format_index(form, name: str) -> str:
    for value, label in form.fields["format"].choices:
        if str(label).lower() == name:
            return str(value)
    raise AssertionError(f"no {name} format in {form.fields['format'].choices}")


def _preview(client, model_path: str, filename: str, content: bytes, fmt: str = "csv"):
    """Step 1: upload; the response is the preview (or the errors)."""
    url = f"/admin/{model_path}/import/"
    form = client.get(url).context["form"]
    return client.post(
        url,
        {"format": _format_index(form, fmt), "import_file": SimpleUploadedFile(filename, content)},
    )


def _confirm(client, model_path: str, preview):
    """Step 2: confirm the previewed import."""
    confirm_form = preview.context["confirm_form"]
    assert confirm_form is not None, preview.context["result"]
    return client.post(f"/admin/{model_path}/process_import/", confirm_form.initial)


def _import(client, model_path, filename, content, fmt="csv"):
    preview = _preview(client, model_path, filename, content, fmt)
    assert preview.status_code == 200
    assert not preview.context["result"].has_errors()
    assert not preview.context["result"].has_validation_errors()
    response = _confirm(client, model_path, preview)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def _export(client, model_path: str, fmt: str = "csv"):
    url = f"/admin/{model_path}/export/"
    form = client.get(url).context["form"]
    data = {"format": _format_index(form, fmt)}
    for name in form.fields:
        if name not in {"format", "resource", "export_items"}:
            data[name] = "on"
    if "resource" in form.fields:
        data["resource"] = "0"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response


def test_utf8_bom_csv_imports_members_into_own_committee(cast):
    client = cast.client_for(cast.admin_a)
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            [
                "赵敏",
                "杭州项目公司党支部",
                "A-101",
                "女",
                "正式党员",
                "2015-07-01",
                "工程部经理",
                "13811112222",
            ],
            ["钱进", "宿迁项目公司党支部", "A-102", "男", "预备党员", "2024/3/1", "", ""],
        ],
        "utf-8-sig",
    )
    _import(client, "branches/member", "members.csv", content)
    zhao = Member.objects.get(member_number="A-101")
    assert zhao.name == "赵敏"
    assert zhao.committee == cast.committee_a
    assert zhao.branch == cast.branch_a1
    assert zhao.gender == "F"
    assert zhao.phone == "13811112222"
    assert str(zhao.joined_party_on) == "2015-07-01"
    qian = Member.objects.get(member_number="A-102")
    assert qian.status == "probationary"
    assert str(qian.joined_party_on) == "2024-03-01"
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.user == cast.admin_a
    assert entry.committee == cast.committee_a


def test_gb18030_csv_from_excel_imports_with_chinese_intact(cast):
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["欧阳䶮", "杭州项目公司党支部", "", "男", "正式党员", "2001年7月1日", "书记助理", ""],
        ],
        "gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    _import(cast.client_for(cast.admin_a), "branches/member", "党员名册.csv", content)
    member = Member.objects.get(name="欧阳䶮")
    assert member.post == "书记助理"
    assert member.branch == cast.branch_a1


def test_one_bad_row_imports_nothing_and_names_the_row_and_problem(cast, settings):
    client = cast.client_for(cast.admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # to read the sentence below
    before = Member.objects.count()
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["好人一", "杭州项目公司党支部", "", "男", "正式党员", "", "", ""],
            ["坏行", "不存在的党支部", "", "男", "正式党员", "", "", ""],
            ["好人三", "杭州项目公司党支部", "", "男", "正式党员", "", "", ""],
        ],
        "utf-8",
    )
    preview = _preview(client, "branches/member", "bad.csv", content)
    assert preview.context.get("confirm_form") is None
    [invalid] = preview.context["result"].invalid_rows
    assert invalid.number == 2
    summary = preview.content.decode().split('class="errorlist roster-row-errors"')[1]
    summary = summary.split("</ul>")[0]
    assert "Row 2 (line 3 of the file):" in summary
    assert "“不存在的党支部”" in summary
    assert Member.objects.count() == before


def test_an_invalid_gender_is_reported_for_its_row(cast):
    client = cast.client_for(cast.admin_a)
    content = _csv_bytes(
        [MEMBER_HEADER, ["某人", "杭州项目公司党支部", "", "未知", "正式党员", "", "", ""]], "utf-8"
    )
    preview = _preview(client, "branches/member", "bad.csv", content)
    [invalid] = preview.context["result"].invalid_rows
    assert invalid.number == 1
    assert "“未知”" in preview.content.decode()
    assert not Member.objects.filter(name="某人").exists()


def test_a_row_failing_at_confirmation_rolls_back_the_whole_file(cast):
    """The data may change between preview and confirm: then nothing is written either."""
    client = cast.client_for(cast.admin_a)
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["先行", "杭州项目公司党支部", "", "男", "正式党员", "", "", ""],
            ["后行", "宿迁项目公司党支部", "", "男", "正式党员", "", "", ""],
        ],
        "utf-8",
    )
    preview = _preview(client, "branches/member", "m.csv", content)
    cast.branch_a2.name = "改名后的党支部"
    cast.branch_a2.save()
    response = _confirm(client, "branches/member", preview)
    assert response.status_code == 200
    assert "宿迁项目公司党支部" in response.content.decode()
    assert not Member.objects.filter(name__in=["先行", "后行"]).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_reimporting_the_same_file_creates_no_duplicates(cast):
    client = cast.client_for(cast.admin_a)
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["孙立", "杭州项目公司党支部", "A-201", "男", "正式党员", "", "", ""],
            ["周红", "宿迁项目公司党支部", "", "女", "正式党员", "", "", ""],
        ],
        "utf-8",
    )
    _import(client, "branches/member", "m.csv", content)
    count = Member.objects.count()
    _import(client, "branches/member", "m.csv", content)
    assert Member.objects.count() == count
    assert Member.objects.filter(name="周红").count() == 1


def test_member_number_identifies_a_member_only_within_the_committee(cast):
    other = factories.MemberFactory(branch=cast.branch_b1, name="外人", member_number="X-1")
    content = _csv_bytes(
        [MEMBER_HEADER, ["本人", "杭州项目公司党支部", "X-1", "男", "正式党员", "", "", ""]],
        "utf-8",
    )
    _import(cast.client_for(cast.admin_a), "branches/member", "m.csv", content)
    other.refresh_from_db()
    assert other.name == "外人"
    assert Member.objects.get(committee=cast.committee_a, member_number="X-1").name == "本人"


def test_import_never_writes_into_another_committee(cast):
    client = cast.client_for(cast.admin_a)
    by_branch = _csv_bytes(
        [MEMBER_HEADER, ["越界", "外单位党支部", "", "男", "正式党员", "", "", ""]], "utf-8"
    )
    preview = _preview(client, "branches/member", "m.csv", by_branch)
    assert preview.context["result"].has_validation_errors()
    by_committee = _csv_bytes(
        [
            ["党委", *MEMBER_HEADER],
            ["另一公司党委", "越界", "外单位党支部", "", "男", "", "", "", ""],
        ],
        "utf-8",
    )
    preview = _preview(client, "branches/member", "m.csv", by_committee)
    assert preview.context["result"].has_validation_errors()
    assert "另一公司党委" in preview.content.decode()
    assert not Member.objects.filter(name="越界").exists()


def test_superuser_names_the_committee_in_the_file(cast):
    client = cast.client_for(cast.superuser)
    without = _csv_bytes(
        [MEMBER_HEADER, ["无委", "外单位党支部", "", "男", "正式党员", "", "", ""]], "utf-8"
    )
    assert (
        _preview(client, "branches/member", "m.csv", without)
        .context["result"]
        .has_validation_errors()
    )
    with_committee = _csv_bytes(
        [
            ["党委", *MEMBER_HEADER],
            ["另一公司党委", "有委", "外单位党支部", "", "男", "", "", "", ""],
        ],
        "utf-8",
    )
    _import(client, "branches/member", "m.csv", with_committee)
    assert Member.objects.get(name="有委").committee == cast.committee_b


def test_masked_phone_in_import_does_not_overwrite_the_stored_number(cast):
    factories.MemberFactory(
        branch=cast.branch_a1, name="吴刚", member_number="A-301", phone="13911223344"
    )
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["吴刚", "杭州项目公司党支部", "A-301", "男", "正式党员", "", "副经理", "139****3344"],
        ],
        "utf-8",
    )
    _import(cast.client_for(cast.admin_a), "branches/member", "m.csv", content)
    member = Member.objects.get(member_number="A-301")
    assert member.phone == "13911223344"
    assert member.post == "副经理"


def test_a_new_full_number_in_import_replaces_the_stored_one(cast):
    factories.MemberFactory(
        branch=cast.branch_a1, name="吴刚", member_number="A-301", phone="13911223344"
    )
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["吴刚", "杭州项目公司党支部", "A-301", "男", "正式党员", "", "", "13700009999"],
        ],
        "utf-8",
    )
    _import(cast.client_for(cast.admin_a), "branches/member", "m.csv", content)
    assert Member.objects.get(member_number="A-301").phone == "13700009999"


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_numeric_phone_cells_import_as_text(cast):
    content = _xlsx(
        [
            MEMBER_HEADER,
            ["郑一", "杭州项目公司党支部", 1001, "男", "正式党员", None, None, 13812345678],
            ["郑二", "杭州项目公司党支部", 1002.0, "女", "正式党员", None, None, 13812345679.0],
        ]
    )
    _import(cast.client_for(cast.admin_a), "branches/member", "m.xlsx", content, fmt="xlsx")
    assert Member.objects.get(name="郑一").phone == "13812345678"
    assert Member.objects.get(name="郑一").member_number == "1001"
    assert Member.objects.get(name="郑二").phone == "13812345679"
    assert Member.objects.get(name="郑二").member_number == "1002"


def test_xlsx_export_writes_phones_as_masked_text_and_reimports_unchanged(cast):
    client = cast.client_for(cast.admin_a)
    response = _export(client, "branches/member", fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    phone_col = header.index("手机号")
    phones = {row[header.index("姓名")].value: row[phone_col] for row in sheet.iter_rows(min_row=2)}
    assert phones["张伟"].value == "138****5678"
    assert phones["张伟"].data_type == "s"
    count = Member.objects.count()
    _import(client, "branches/member", "export.xlsx", response.content, fmt="xlsx")
    assert Member.objects.count() == count
    assert Member.objects.get(pk=cast.member_a1.pk).phone == "13812345678"


def test_export_masks_phones_and_writes_an_audit_entry(cast):
    response = _export(cast.client_for(cast.admin_a), "branches/member")
    text = response.content.decode("utf-8-sig")
    assert "138****5678" in text
    assert "13812345678" not in text
    assert "张伟" in text
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.user == cast.admin_a
    assert entry.committee == cast.committee_a
    assert entry.object_type == "member"


def test_export_holds_only_the_admins_committee(cast):
    text_a = _export(cast.client_for(cast.admin_a), "branches/member").content.decode("utf-8-sig")
    text_b = _export(cast.client_for(cast.admin_b), "branches/member").content.decode("utf-8-sig")
    assert "张伟" in text_a
    assert "王芳" not in text_a
    assert "王芳" in text_b
    assert "张伟" not in text_b
    assert (
        AuditEntry.objects.filter(action=AuditAction.EXPORT, committee=cast.committee_b).count()
        == 1
    )


def test_export_and_import_are_refused_to_a_secretary(cast):
    client = cast.client_for(cast.secretary_a1)
    for url in ["/admin/branches/member/export/", "/admin/branches/member/import/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


PARTNER_HEADER = ["名称", "类别", "城市", "有党组织", "备注", "有效"]


def test_partner_roster_imports_from_gb18030_without_duplicates(cast):
    client = cast.client_for(cast.admin_a)
    content = _csv_bytes(
        [
            PARTNER_HEADER,
            ["春江街道", "subdistrict", "杭州", "是", "党建联盟成员", ""],
            ["宿城区工会", "union", "宿迁", "否", "", "是"],
        ],
        "gb18030",
    )
    _import(client, "partnerships/partnerorganisation", "共建单位.csv", content)
    _import(client, "partnerships/partnerorganisation", "共建单位.csv", content)
    partners = PartnerOrganisation.objects.filter(committee=cast.committee_a)
    assert sorted(partners.values_list("name", flat=True)) == ["宿城区工会", "春江街道"]
    chunjiang = partners.get(name="春江街道")
    assert chunjiang.has_party_organisation
    assert chunjiang.is_active
    assert chunjiang.notes == "党建联盟成员"


def test_partner_of_the_same_name_in_another_committee_is_untouched(cast):
    theirs = factories.PartnerFactory(committee=cast.committee_b, name="春江街道", city="外地")
    content = _csv_bytes([PARTNER_HEADER, ["春江街道", "subdistrict", "杭州", "", "", ""]], "utf-8")
    _import(cast.client_for(cast.admin_a), "partnerships/partnerorganisation", "p.csv", content)
    theirs.refresh_from_db()
    assert theirs.city == "外地"
    assert (
        PartnerOrganisation.objects.get(committee=cast.committee_a, name="春江街道").city == "杭州"
    )


def test_partner_export_masks_contact_phones_and_is_audited(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="富春湾集团")
    factories.ContactFactory(partner=partner, name="陈主任", title="党委书记", phone="13566667777")
    foreign = factories.PartnerFactory(committee=cast.committee_b, name="乙方单位")
    factories.ContactFactory(partner=foreign, phone="13500001111")
    response = _export(cast.client_for(cast.admin_a), "partnerships/partnerorganisation")
    text = response.content.decode("utf-8-sig")
    assert "陈主任（党委书记） 135****7777" in text
    assert "13566667777" not in text
    assert "乙方单位" not in text
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.object_type == "partnerorganisation"
    assert entry.committee == cast.committee_a


def test_import_page_documents_the_template_columns(cast):
    html = cast.client_for(cast.admin_a).get("/admin/branches/member/import/").content.decode()
    for column in ["姓名", "支部", "党员编号", "性别", "状态", "入党日期", "手机号"]:
        assert f"<td>{column}</td>" in html
    assert "GB18030" in html


def test_csv_export_starts_with_a_bom_so_excel_reads_it_as_utf8(cast):
    response = _export(cast.client_for(cast.admin_a), "branches/member")
    assert response.content.startswith("\ufeff".encode())
    assert "张伟" in response.content.decode("utf-8-sig")


def test_an_empty_export_is_audited_too(cast):
    client = cast.client_for(cast.admin_a)
    url = "/admin/partnerships/partnerorganisation/export/"
    form = client.get(url).context["form"]
    data = {"format": _format_index(form, "csv")}
    skip = {"format", "resource", "export_items"}
    data.update({name: "on" for name in form.fields if name not in skip})
    response = client.post(url, data)
    assert response.get("Content-Disposition"), response.context["form"].errors
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.committee == cast.committee_a
    assert entry.detail.startswith("0 rows")


def test_export_and_import_are_refused_once_the_admin_role_has_ended(cast):
    role = cast.admin_a.committee_roles.get()
    role.starts_on = role.starts_on.replace(year=role.starts_on.year - 2)
    role.ends_on = role.starts_on.replace(year=role.starts_on.year + 1)
    role.save()
    client = cast.client_for(cast.admin_a)  # still is_staff and in the admin group
    assert client.get("/admin/branches/member/export/").status_code == 403
    assert client.get("/admin/branches/member/import/").status_code == 403
    # Only the refusals are recorded (access refused), no export or import.
    assert not AuditEntry.objects.filter(
        action__in=[AuditAction.EXPORT, AuditAction.IMPORT]
    ).exists()
    assert AuditEntry.objects.filter(action=AuditAction.ACCESS_REFUSED).count() == 2


def _preview_phone_guess(client, guess: str) -> tuple[str, str]:
    """The preview's verdict on one row carrying ``guess`` as 吴刚's phone, and its page."""
    content = _csv_bytes(
        [MEMBER_HEADER, ["吴刚", "杭州项目公司党支部", "A-301", "男", "正式党员", "", "", guess]],
        "utf-8",
    )
    preview = _preview(client, "branches/member", "guess.csv", content)
    [row] = preview.context["result"].rows
    return row.import_type, preview.content.decode()


def test_import_preview_does_not_tell_a_right_phone_guess_from_a_wrong_one(cast):
    factories.MemberFactory(
        branch=cast.branch_a1,
        name="吴刚",
        member_number="A-301",
        gender="M",
        status="full",
        phone="13911223344",
        joined_party_on=None,
        post="",
    )  # the row below matches this member in every column but, perhaps, the phone
    client = cast.client_for(cast.admin_a)
    right, right_page = _preview_phone_guess(client, "13911223344")
    wrong, wrong_page = _preview_phone_guess(client, "13911229999")
    assert right == wrong == "update"
    assert "13911223344" not in right_page
    assert "13911229999" not in wrong_page
    assert Member.objects.get(member_number="A-301").phone == "13911223344"  # only previewed


def test_an_unchanged_row_with_a_masked_phone_is_still_skipped(cast):
    factories.MemberFactory(
        branch=cast.branch_a1,
        name="吴刚",
        member_number="A-301",
        gender="M",
        status="full",
        phone="13911223344",
        joined_party_on=None,
        post="",
    )
    client = cast.client_for(cast.admin_a)
    import_type, _page = _preview_phone_guess(client, "139****3344")
    assert import_type == "skip"


def test_a_phone_mangled_by_excel_is_a_row_error_and_nothing_is_imported(cast, settings):
    client = cast.client_for(cast.admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["好号码", "杭州项目公司党支部", "", "男", "正式党员", "", "", "13812340000"],
            ["坏号码", "杭州项目公司党支部", "", "男", "正式党员", "", "", "1.38E+10"],
        ],
        "utf-8",
    )
    preview = _preview(client, "branches/member", "excel.csv", content)
    assert preview.context.get("confirm_form") is None
    [invalid] = preview.context["result"].invalid_rows
    assert invalid.number == 2
    summary = preview.content.decode().split('class="errorlist roster-row-errors"')[1]
    summary = summary.split("</ul>")[0]
    assert "Row 2 (line 3 of the file):" in summary
    assert "1.38E+10" in summary
    assert not Member.objects.filter(name__in=["好号码", "坏号码"]).exists()


def test_superusers_export_is_audited_per_committee_with_its_row_count(cast):
    _export(cast.client_for(cast.superuser), "branches/member")
    entries = {
        entry.committee: entry.detail
        for entry in AuditEntry.objects.filter(action=AuditAction.EXPORT)
    }
    rows_a = Member.objects.filter(committee=cast.committee_a).count()
    rows_b = Member.objects.filter(committee=cast.committee_b).count()
    assert entries == {
        cast.committee_a: f"{rows_a} rows, csv",
        cast.committee_b: f"{rows_b} rows, csv",
    }


def test_export_audit_costs_the_same_queries_however_many_rows(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from branches.services import roster_export_audit

    def audit_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            roster_export_audit(
                user=cast.admin_a,
                queryset=Member.objects.all(),
                file_format="csv",
                committee_when_empty=None,
            )
        return len(queries)

    few = audit_queries()
    factories.MemberFactory.create_batch(10, branch=cast.branch_a1)
    factories.MemberFactory.create_batch(10, branch=cast.branch_b1)
    assert audit_queries() == few


def test_import_is_audited_with_the_rows_it_wrote(cast):
    content = _csv_bytes(
        [
            MEMBER_HEADER,
            ["审计一", "杭州项目公司党支部", "", "男", "正式党员", "", "", ""],
            ["审计二", "宿迁项目公司党支部", "", "女", "正式党员", "", "", ""],
        ],
        "utf-8",
    )
    _import(cast.client_for(cast.admin_a), "branches/member", "m.csv", content)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert (entry.committee, entry.detail, entry.object_type) == (
        cast.committee_a,
        "2 rows",
        "member",
    )


def test_export_page_labels_the_columns_with_the_spreadsheet_headers(cast):
    form = cast.client_for(cast.admin_a).get("/admin/branches/member/export/").context["form"]
    labels = [
        str(field.label)
        for field in form.fields.values()
        if getattr(field, "is_selectable_field", 0)
    ]
    assert labels == [
        "党委",
        "姓名",
        "支部",
        "党员编号",
        "性别",
        "状态",
        "入党日期",
        "职务",
        "手机号",
        "转入日期",
        "转出日期",
    ]


def test_export_refuses_a_filter_by_phone_number(cast):
    client = cast.client_for(cast.admin_a)
    url = "/admin/branches/member/export/"
    form = client.get(url).context["form"]
    data = {"format": _format_index(form, "csv")}
    for name in form.fields:
        if name not in {"format", "resource", "export_items"}:
            data[name] = "on"
    response = client.post(f"{url}?phone__startswith=1381", data)
    assert response.status_code == 400
    assert "张伟" not in response.content.decode("utf-8-sig", errors="replace")
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
