"""Partner contacts 联系人 import and export with their partner, as the second roster of the
partner admin's import and export pages (partnerships.resources.ContactResource)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import AuditAction, AuditEntry
from partnerships.models import Contact
from tests import factories
from tests.branches.test_import_export import _csv_bytes, _format_index

pytestmark = pytest.mark.django_db

URL = "/admin/partnerships/partnerorganisation"
HEADER = ["共建单位", "姓名", "职务", "手机号", "邮箱"]
CONTACTS = "1"  # the contact roster: the second resource of the page


def preview(client, rows: list[list[str]], *, language: str = "zh-hans"):
    client.cookies["django_language"] = language
    form = client.get(f"{URL}/import/").context["form"]
    return client.post(
        f"{URL}/import/",
        {
            "resource": CONTACTS,
            "format": _format_index(form, "csv"),
            "import_file": SimpleUploadedFile("联系人.csv", _csv_bytes([HEADER, *rows], "utf-8")),
        },
    )


def imported(client, rows: list[list[str]]):
    response = preview(client, rows)
    confirm_form = response.context["confirm_form"]
    assert confirm_form is not None, errors(response)
    done = client.post(f"{URL}/process_import/", confirm_form.initial)
    assert done.status_code == 302
    return done


def errors(response) -> str:
    """The per-row error list of the preview page, as text."""
    html = response.content.decode()
    assert 'class="errorlist roster-row-errors"' in html, "no row errors on the page"
    return html.split('class="errorlist roster-row-errors"')[1].split("</ul>")[0]


@pytest.fixture
def partner(cast):
    return factories.PartnerFactory(committee=cast.committee_a, name="春江街道")


def test_contacts_import_with_their_partner_and_a_second_import_updates_them(cast, partner):
    client = cast.client_for(cast.admin_a)
    rows = [
        ["春江街道", "陈主任", "党工委书记", "13566667777", "chen@example.cn"],
        ["春江街道", "李干事", "", "", ""],
    ]
    imported(client, rows)
    imported(client, [["春江街道", "陈主任", "党工委副书记", "135****7777", ""]])

    contacts = {c.name: c for c in Contact.objects.filter(partner=partner)}
    assert sorted(contacts) == ["李干事", "陈主任"]
    assert contacts["陈主任"].title == "党工委副书记"
    assert contacts["陈主任"].phone == "13566667777"  # a masked number keeps the stored one
    entry = AuditEntry.objects.filter(action=AuditAction.IMPORT).latest("created_at")
    assert (entry.object_type, entry.committee) == ("partnerorganisation", cast.committee_a)


def test_a_partner_not_on_the_roster_is_named_in_chinese_and_nothing_is_saved(cast, partner):
    response = preview(
        cast.client_for(cast.admin_a),
        [["春江街道", "陈主任", "", "", ""], ["不存在的社区", "王书记", "", "", ""]],
    )

    assert response.context.get("confirm_form") is None
    assert "第 2 行数据（文件第 3 行）" in errors(response)
    assert "没有名为“不存在的社区”的共建单位" in errors(response)
    assert not Contact.objects.exists()


def test_another_committees_partner_is_not_found(cast, partner):
    factories.PartnerFactory(committee=cast.committee_b, name="乙方银行")

    response = preview(cast.client_for(cast.admin_a), [["乙方银行", "钱行长", "", "", ""]])

    assert "没有名为“乙方银行”的共建单位" in errors(response)
    assert not Contact.objects.exists()


def test_the_same_contact_twice_in_a_file_is_refused_with_a_message(cast, partner):
    response = preview(
        cast.client_for(cast.admin_a),
        [["春江街道", "陈主任", "", "", ""], ["春江街道", "陈主任", "书记", "", ""]],
    )

    assert "“春江街道”的“陈主任”已在本文件第 1 行" in errors(response)
    assert not Contact.objects.exists()


def test_a_formula_cell_is_kept_as_text_and_exported_inert(cast, partner):
    client = cast.client_for(cast.admin_a)
    imported(client, [["春江街道", '=HYPERLINK("http://x","点我")', "+1+2", "", ""]])

    contact = Contact.objects.get(partner=partner)
    assert contact.name == '=HYPERLINK("http://x","点我")'
    assert contact.title == "+1+2"
    form = client.get(f"{URL}/export/").context["form"]
    export = client.post(
        f"{URL}/export/",
        {"format": _format_index(form, "csv"), "resource": CONTACTS}
        | {name: "on" for name in form.fields if name.startswith("contactresource_")},
    )
    text = export.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text  # the apostrophe text mark: a spreadsheet shows, never runs
    assert "'+1+2" in text


def test_a_bad_phone_is_a_row_error(cast, partner):
    response = preview(
        cast.client_for(cast.admin_a), [["春江街道", "陈主任", "", "=cmd|'/c calc'!A1", ""]]
    )

    assert response.context.get("confirm_form") is None
    assert not Contact.objects.exists()


def test_the_export_lists_each_contact_with_its_partner_phones_masked(cast, partner):
    factories.ContactFactory(partner=partner, name="陈主任", phone="13566667777")
    theirs = factories.PartnerFactory(committee=cast.committee_b, name="乙方银行")
    factories.ContactFactory(partner=theirs, name="钱行长")
    client = cast.client_for(cast.admin_a)
    form = client.get(f"{URL}/export/").context["form"]

    export = client.post(
        f"{URL}/export/",
        {"format": _format_index(form, "csv"), "resource": CONTACTS}
        | {name: "on" for name in form.fields if name.startswith("contactresource_")},
    )

    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["党委", "共建单位", "姓名"]
    assert any(line.startswith("投资公司党委,春江街道,陈主任,,135****7777") for line in lines)
    assert "钱行长" not in "\n".join(lines)


def test_a_secretary_cannot_import_contacts(cast, partner):
    response = cast.client_for(cast.secretary_a1).get(f"{URL}/import/")
    assert response.status_code == 302  # to the admin's login: not staff
