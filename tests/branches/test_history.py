"""Change history in the admin: who changed what, and deleted rows restored by their admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from activities.models import Activity
from branches import groups
from branches.access import forget_scope, scope_for
from branches.models import BranchRole, CommitteeRole, CommitteeRoleKind, Member, RoleKind
from branches.services import (
    branch_editor_group_sync,
    branch_role_assign,
    committee_role_grant,
)
from partnerships.models import Contact, PartnerOrganisation, Partnership
from tests import factories


def _url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _form_data(response) -> dict:
    """The (history) change form's values as the browser would post them back."""
    form = response.context["adminform"].form
    data: dict = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        key = form.add_prefix(name)
        widget = form.fields[name].widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{key}_{index}"] = str(part)
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)
    return data


def _delete_in_admin(client, obj) -> None:
    response = client.post(_url(type(obj), "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def _delete_for_good(obj, *, by) -> None:
    """Delete an activity, partner or partnership from the database, as ``by`` in a request.

    The admin archives those (``tests/security/test_archive.py``); a row deleted otherwise —
    before archiving existed, or by a script — is still recovered from its history.
    """
    request = RequestFactory().post("/")
    request.user = by
    HistoricalRecords.context.request = request  # what simple_history's middleware does
    try:
        obj.delete()
    finally:
        del HistoricalRecords.context.request


def _restore_in_admin(client, model, pk):
    """Open the deleted row's history, choose its last version and press Revert."""
    history = client.get(_url(model, "history", pk))
    assert history.status_code == 200
    version = model.history.filter(id=pk).exclude(history_type="-").latest()
    form_url = _url(model, "simple_history", pk, version.history_id)
    assert form_url in history.content.decode()
    response = client.post(form_url, _form_data(client.get(form_url)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_admin_restores_a_deleted_partner_with_its_fields(cast):
    partner = factories.PartnerFactory(
        committee=cast.committee_a, name="春江街道社区", city="杭州富阳", notes="共建三年"
    )
    pk = partner.pk
    client = cast.client_for(cast.admin_a)
    _delete_for_good(partner, by=cast.admin_a)

    _restore_in_admin(client, PartnerOrganisation, pk)

    restored = PartnerOrganisation.objects.get(pk=pk)
    assert (restored.committee, restored.name, restored.city, restored.notes) == (
        cast.committee_a,
        "春江街道社区",
        "杭州富阳",
        "共建三年",
    )
    assert restored.history.latest().history_user == cast.admin_a


def test_deleted_rows_page_lists_own_committees_deleted_rows_only(cast):
    ours = factories.PartnerFactory(committee=cast.committee_a, name="甲方已删社区")
    theirs = factories.PartnerFactory(committee=cast.committee_b, name="乙方已删社区")
    kept = factories.PartnerFactory(committee=cast.committee_a, name="甲方仍在社区")
    ours_pk = ours.pk
    ours.delete()
    theirs.delete()
    client = cast.client_for(cast.admin_a)

    changelist = client.get(_url(PartnerOrganisation, "changelist")).content.decode()
    assert _url(PartnerOrganisation, "deleted") in changelist
    html = client.get(_url(PartnerOrganisation, "deleted")).content.decode()
    assert "甲方已删社区" in html
    assert _url(PartnerOrganisation, "history", ours_pk) in html
    assert "乙方已删社区" not in html
    assert kept.name not in html


def test_admin_of_another_committee_can_neither_see_nor_restore_a_deleted_row(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="甲方已删社区")
    pk = partner.pk
    cast.client_for(cast.admin_a).post(_url(PartnerOrganisation, "delete", pk), {"post": "yes"})
    version = PartnerOrganisation.history.filter(id=pk, history_type="+").get()
    form_url = _url(PartnerOrganisation, "simple_history", pk, version.history_id)
    client = cast.client_for(cast.admin_b)

    assert client.get(_url(PartnerOrganisation, "history", pk)).status_code == 404
    assert client.get(form_url).status_code == 404
    data = {"name": "甲方已删社区", "kind": partner.kind, "committee": cast.committee_b.pk}
    assert client.post(form_url, data).status_code == 404
    assert not PartnerOrganisation.objects.filter(pk=pk).exists()
    assert "甲方已删社区" not in client.get(_url(PartnerOrganisation, "deleted")).content.decode()


def test_superuser_restores_a_deleted_member(cast):
    member = factories.MemberFactory(branch=cast.branch_a2, name="调出又回来", phone="13600001111")
    pk = member.pk
    client = cast.client_for(cast.superuser)
    _delete_in_admin(client, member)

    _restore_in_admin(client, Member, pk)

    restored = Member.objects.get(pk=pk)
    assert (restored.branch, restored.name) == (cast.branch_a2, "调出又回来")
    # The form shows the number masked; restoring keeps the recorded number, not the mask.
    assert restored.phone == "13600001111"


def test_committee_staff_cannot_open_the_deleted_rows_page(cast):
    response = cast.client_for(cast.staff_a).get(_url(PartnerOrganisation, "deleted"))
    assert response.status_code in {302, 403}
    assert "甲方" not in response.content.decode()


def _activity_with_relations(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="钱塘社区")
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="联合主题党日",
        partners=[],  # each test sets its own
        attendees=[],
    )
    return activity, partner


def test_activity_history_records_partners_and_attendees_changed_in_the_admin(cast):
    activity, partner = _activity_with_relations(cast)
    client = cast.client_for(cast.admin_a)
    change_url = _url(Activity, "change", activity.pk)
    data = _form_data(client.get(change_url))
    data.update(
        {
            "partners": [str(partner.pk)],
            "attendees": [str(cast.member_a1.pk)],
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        }
    )
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    latest = activity.history.latest()
    assert [row.partnerorganisation_id for row in latest.partners.all()] == [partner.pk]
    assert [row.member_id for row in latest.attendees.all()] == [cast.member_a1.pk]
    assert latest.history_user == cast.admin_a
    history = client.get(_url(Activity, "history", activity.pk)).content.decode()
    assert "钱塘社区" in history
    assert "张伟" in history


def test_restored_activity_gets_back_its_partners_and_attendees(cast):
    activity, partner = _activity_with_relations(cast)
    activity.partners.add(partner)
    activity.attendees.add(cast.member_a1)
    pk = activity.pk
    client = cast.client_for(cast.admin_a)
    _delete_for_good(activity, by=cast.admin_a)

    _restore_in_admin(client, Activity, pk)

    restored = Activity.objects.get(pk=pk)
    assert restored.title == "联合主题党日"
    assert list(restored.partners.all()) == [partner]
    assert list(restored.attendees.all()) == [cast.member_a1]


def test_deleted_branch_role_is_restored_by_its_committees_admin_only(cast):
    role = branch_role_assign(branch=cast.branch_a1, member=cast.member_a1, role=RoleKind.PUBLICITY)
    pk = role.pk
    _delete_in_admin(cast.client_for(cast.admin_a), role)
    history = _url(BranchRole, "history", pk)
    assert cast.client_for(cast.admin_b).get(history).status_code == 404

    _restore_in_admin(cast.client_for(cast.admin_a), BranchRole, pk)

    restored = BranchRole.objects.get(pk=pk)
    assert (restored.branch, restored.member, restored.role) == (
        cast.branch_a1,
        cast.member_a1,
        RoleKind.PUBLICITY,
    )


def test_restoring_a_partner_brings_back_the_contacts_deleted_with_it(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道社区")
    kept = factories.ContactFactory(partner=partner, name="陈主任", phone="13566667777")
    removed_earlier = factories.ContactFactory(partner=partner, name="早已删除的联系人")
    removed_earlier.delete()
    pk = partner.pk
    client = cast.client_for(cast.admin_a)
    _delete_for_good(partner, by=cast.admin_a)

    _restore_in_admin(client, PartnerOrganisation, pk)

    contacts = Contact.objects.filter(partner_id=pk)
    assert [(c.pk, c.name, c.phone) for c in contacts] == [(kept.pk, "陈主任", "13566667777")]


def test_restoring_a_partnership_brings_back_its_partners(cast):
    partnership = factories.PartnershipFactory(
        committee=cast.committee_a, branch=cast.branch_a1, title="三方共建协议"
    )
    member = factories.PartnershipMemberFactory(
        partnership=partnership,
        partner=factories.PartnerFactory(committee=cast.committee_a, name="钱塘社区"),
    )
    pk = partnership.pk
    client = cast.client_for(cast.admin_a)
    _delete_for_good(partnership, by=cast.admin_a)

    _restore_in_admin(client, Partnership, pk)

    assert list(Partnership.objects.get(pk=pk).partners.all()) == [member.partner]


def test_role_that_no_longer_fits_is_left_out_and_reported(cast):
    today = timezone.localdate()
    member = factories.MemberFactory(branch=cast.branch_a2, name="老书记")
    role = branch_role_assign(
        branch=cast.branch_a2,
        member=member,
        role=RoleKind.SECRETARY,
        starts_on=today - dt.timedelta(days=100),
        ends_on=today - dt.timedelta(days=40),
    )
    pk = member.pk
    client = cast.client_for(cast.admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # to read the warning below
    _delete_in_admin(client, member)
    # Meanwhile the records were corrected: the current secretary's term began earlier.
    BranchRole.objects.filter(branch=cast.branch_a2, role=RoleKind.SECRETARY).update(
        starts_on=today - dt.timedelta(days=60)
    )

    response = _restore_in_admin(client, Member, pk)

    assert Member.objects.filter(pk=pk).exists()
    assert not BranchRole.objects.filter(pk=role.pk).exists()
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("Not restored" in m and "老书记" in m for m in shown), shown


def test_partner_history_shows_who_changed_a_contact_and_masks_the_phone(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道社区")
    contact = factories.ContactFactory(partner=partner, name="陈主任", phone="13566667777")
    contact.phone = "13688889999"
    contact._history_user = cast.staff_a
    contact.save()

    html = (
        cast.client_for(cast.admin_a)
        .get(_url(PartnerOrganisation, "history", partner.pk))
        .content.decode()
    )

    assert "陈主任" in html
    assert "135****7777" in html
    assert "136****9999" in html
    assert "13566667777" not in html
    assert "13688889999" not in html
    assert "staff_a" in html


def test_partnership_history_shows_partners_joining(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    factories.PartnershipMemberFactory(
        partnership=partnership,
        partner=factories.PartnerFactory(committee=cast.committee_a, name="钱塘社区"),
    )
    html = (
        cast.client_for(cast.admin_a)
        .get(_url(Partnership, "history", partnership.pk))
        .content.decode()
    )
    assert "钱塘社区" in html


def test_contact_history_queries_do_not_grow_with_contacts(cast, django_assert_max_num_queries):
    partner = factories.PartnerFactory(committee=cast.committee_a)
    client = cast.client_for(cast.admin_a)
    url = _url(PartnerOrganisation, "history", partner.pk)

    def edited_contacts(count: int) -> None:
        for contact in factories.ContactFactory.create_batch(count, partner=partner):
            contact.title = "主任"
            contact.save()

    edited_contacts(2)
    client.get(url)  # warm up sessions, content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    edited_contacts(8)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_history_shows_a_dash_not_none_for_an_unknown_user_or_reason(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="歇马社区")  # no user

    response = cast.client_for(cast.admin_a).get(_url(PartnerOrganisation, "history", partner.pk))

    html = response.content.decode()
    assert "歇马社区" in html
    assert "None" not in html
    table = html.split('id="change-history"')[1].split("</table>")[0]
    assert "无" not in table
    assert "—" in table


def test_roles_of_a_deleted_member_still_list_in_deleted_rows_and_history(cast):
    member = factories.MemberFactory(branch=cast.branch_a1, name="赵磊")
    role = branch_role_assign(branch=cast.branch_a1, member=member, role=RoleKind.PUBLICITY)
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, member)  # its roles go with it

    deleted = client.get(_url(BranchRole, "deleted"))
    history = client.get(_url(BranchRole, "history", role.pk))

    assert deleted.status_code == 200
    assert "赵磊（已删除的党员）" in deleted.content.decode()  # its name, never "#<id>"
    assert f"#{member.pk}" not in deleted.content.decode()
    assert history.status_code == 200


def test_reverting_an_activity_keeps_its_current_review_status(cast):
    activity = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, status="approved"
    )
    old = activity.history.latest()
    activity.status = "returned"
    activity.review_comment = "请补充签到表"
    activity.title = "新标题"
    activity.save()
    client = cast.client_for(cast.admin_a)
    form_url = _url(Activity, "simple_history", activity.pk, old.history_id)

    response = client.post(form_url, _form_data(client.get(form_url)))

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == old.title  # the version's content is back …
    assert activity.status == "returned"  # … but not its old review outcome
    assert activity.review_comment == "请补充签到表"


def _deleted_partner(cast) -> str:
    partner = factories.PartnerFactory(committee=cast.committee_a)
    partner._history_user = cast.admin_a
    partner.delete()
    return partner.name


def _deleted_branch_role(cast) -> str:
    member = factories.MemberFactory(branch=cast.branch_a2)
    role = branch_role_assign(branch=cast.branch_a2, member=member, role=RoleKind.PUBLICITY)
    role._history_user = cast.admin_a
    role.delete()
    return member.name


def _deleted_committee_role(cast) -> str:
    user = factories.UserFactory()
    role = committee_role_grant(user=user, committee=cast.committee_a, role=CommitteeRoleKind.STAFF)
    role._history_user = cast.admin_a
    role.delete()
    return user.username


@pytest.mark.parametrize(
    ("model", "deleted_row"),
    [
        (PartnerOrganisation, _deleted_partner),
        (BranchRole, _deleted_branch_role),
        (CommitteeRole, _deleted_committee_role),
    ],
)
def test_deleted_rows_page_queries_do_not_grow_with_rows(
    cast, django_assert_max_num_queries, model, deleted_row
):
    client = cast.client_for(cast.admin_a)
    url = _url(model, "deleted")
    labels = [deleted_row(cast) for _ in range(2)]
    client.get(url)  # warm up sessions, content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    labels += [deleted_row(cast) for _ in range(8)]

    with django_assert_max_num_queries(len(few)):
        response = client.get(url)

    html = response.content.decode()
    assert all(label in html for label in labels)
    assert html.count("admin_a") >= len(labels)  # who deleted each row


def test_restored_member_gets_back_its_login(cast):
    login = factories.UserFactory(username="zhao_lei")
    member = factories.MemberFactory(branch=cast.branch_a1, name="赵磊", user=login)
    pk = member.pk
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, member)

    _restore_in_admin(client, Member, pk)

    assert Member.objects.get(pk=pk).user == login


def test_restored_member_does_not_take_a_login_another_member_holds_now(cast):
    login = factories.UserFactory(username="zhao_lei")
    member = factories.MemberFactory(branch=cast.branch_a1, name="赵磊", user=login)
    pk = member.pk
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, member)
    factories.MemberFactory(branch=cast.branch_b1, name="另一个赵磊", user=login)
    version = Member.history.filter(id=pk).exclude(history_type="-").latest()
    form_url = _url(Member, "simple_history", pk, version.history_id)

    response = client.post(form_url, _form_data(client.get(form_url)))

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Member.objects.filter(pk=pk).exists()


def test_restored_committee_role_gets_back_its_login(cast):
    login = factories.UserFactory(username="chen_staff")
    role = committee_role_grant(
        user=login, committee=cast.committee_a, role=CommitteeRoleKind.STAFF
    )
    pk = role.pk
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, role)
    assert cast.client_for(cast.admin_b).get(_url(CommitteeRole, "history", pk)).status_code == 404

    _restore_in_admin(client, CommitteeRole, pk)

    restored = CommitteeRole.objects.get(pk=pk)
    assert (restored.user, restored.committee) == (login, cast.committee_a)


def _secretary_with_login(cast) -> tuple[Member, BranchRole]:
    branch = factories.BranchFactory(committee=cast.committee_a, name="南京项目公司党支部")
    login = factories.UserFactory(username="liu_shuji")
    member = factories.MemberFactory(branch=branch, name="刘书记", user=login)
    role = branch_role_assign(branch=branch, member=member, role=RoleKind.SECRETARY)
    return member, role


def _is_branch_editor(user) -> bool:
    return user.groups.filter(name=groups.BRANCH_EDITOR).exists()


def test_restoring_a_secretary_puts_the_login_back_in_the_branch_editor_group(cast):
    member, role = _secretary_with_login(cast)
    login = member.user
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, member)  # the secretary's role goes with the member
    branch_editor_group_sync(user=login)  # nothing holds the login in the group any more
    assert not _is_branch_editor(login)

    _restore_in_admin(client, Member, member.pk)

    assert BranchRole.objects.filter(pk=role.pk, member__user=login).exists()
    assert _is_branch_editor(login)
    forget_scope(login)
    assert scope_for(login).editable_branch_ids == {role.branch_id}


def test_restoring_a_branch_role_puts_its_holders_login_back_in_the_editor_group(cast):
    member, role = _secretary_with_login(cast)
    login = member.user
    client = cast.client_for(cast.admin_a)
    _delete_in_admin(client, role)
    branch_editor_group_sync(user=login)
    assert not _is_branch_editor(login)

    _restore_in_admin(client, BranchRole, role.pk)

    assert _is_branch_editor(login)
    forget_scope(login)
    assert scope_for(login).editable_branch_ids == {role.branch_id}


def test_deleting_a_secretary_in_the_admin_takes_the_login_out_of_the_editor_group(cast):
    from django.contrib.auth.models import Group

    from branches import groups

    editors = Group.objects.get(name=groups.BRANCH_EDITOR)
    member = cast.secretary_a2.member
    assert editors in cast.secretary_a2.groups.all()

    _delete_in_admin(cast.client_for(cast.admin_a), member)

    assert editors not in cast.secretary_a2.groups.all()
    assert not BranchRole.objects.filter(member_id=member.pk).exists()


def test_deleting_roles_in_bulk_keeps_editors_who_still_hold_one(cast):
    from django.contrib.auth.models import Group

    from branches import groups

    editors = Group.objects.get(name=groups.BRANCH_EDITOR)
    member = cast.secretary_a1.member
    extra = branch_role_assign(branch=cast.branch_a1, member=member, role=RoleKind.PUBLICITY)
    response = cast.client_for(cast.admin_a).post(
        _url(BranchRole, "changelist"),
        {"action": "delete_selected", "_selected_action": [extra.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not BranchRole.objects.filter(pk=extra.pk).exists()
    assert editors in cast.secretary_a1.groups.all()  # still secretary
