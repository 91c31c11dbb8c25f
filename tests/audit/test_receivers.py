"""The audit log records logins, failed logins, lockouts, refused pages and role and
permission changes: who, from which IP, when, about what — never a password."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from branches.models import AuditAction, AuditEntry, CommitteeRole, CommitteeRoleKind
from branches.services import branch_role_assign, committee_role_grant
from portal.audit.services import audit_record
from portal.audit.tasks import audit_purge
from portal.schedule import BEAT_SCHEDULE
from tests import factories
from tests.conftest import require_postgresql
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Not-the-password-1A"


def log_in(client: Client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def entries(action: AuditAction, after: int = 0):
    return list(AuditEntry.objects.filter(action=action, pk__gt=after).order_by("pk"))


def last_pk() -> int:
    return AuditEntry.objects.order_by("pk").values_list("pk", flat=True).last() or 0


def test_a_login_is_recorded_with_user_ip_and_committee(cast):
    log_in(Client(), "admin_a", PASSWORD, ip="10.9.8.7")

    (entry,) = entries(AuditAction.LOGIN)
    assert entry.user == cast.admin_a
    assert entry.ip_address == "10.9.8.7"
    assert entry.committee == cast.committee_a
    assert (entry.object_type, entry.object_id) == ("user", str(cast.admin_a.pk))
    assert entry.created_at is not None


def test_a_login_with_roles_in_two_committees_is_filed_under_the_one_it_administers(cast):
    committee_role_grant(
        user=cast.admin_b, committee=cast.committee_a, role=CommitteeRoleKind.STAFF
    )
    log_in(Client(), "admin_b", PASSWORD)

    (entry,) = entries(AuditAction.LOGIN)
    assert cast.committee_a.pk < cast.committee_b.pk
    assert entry.committee == cast.committee_b


def test_a_failed_login_is_recorded_with_the_username_and_never_the_password(cast):
    log_in(Client(), "secretary_a1", WRONG, ip="10.4.4.4")
    log_in(Client(), "nobody-here", WRONG)

    known, unknown = entries(AuditAction.LOGIN_FAILED)
    assert known.user is None
    assert known.object_id == str(cast.secretary_a1.pk)
    assert known.committee == cast.committee_a
    assert known.ip_address == "10.4.4.4"
    assert known.detail == "username=secretary_a1"
    assert unknown.detail == "unknown login"  # often the password, typed in the wrong field
    assert unknown.committee is None
    for entry in AuditEntry.objects.all():
        assert WRONG not in entry.detail + entry.object_repr
        assert PASSWORD not in entry.detail + entry.object_repr


def test_a_password_typed_as_the_username_is_not_kept(cast):
    log_in(Client(), WRONG, "anything")
    (entry,) = entries(AuditAction.LOGIN_FAILED)
    assert WRONG not in entry.detail + entry.object_repr


def test_a_lockout_is_recorded(cast, settings):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "secretary_a1", WRONG)

    (entry,) = entries(AuditAction.LOCKOUT)
    assert entry.detail == "username=secretary_a1"
    assert entry.committee == cast.committee_a
    assert entry.ip_address == "10.1.2.3"


def test_a_page_refused_to_a_logged_in_user_is_recorded(cast):
    client = cast.client_for(cast.secretary_a1)

    assert client.get("/no-such-page/", REMOTE_ADDR="10.5.5.5").status_code == 404

    (entry,) = entries(AuditAction.ACCESS_REFUSED)
    assert entry.user == cast.secretary_a1
    assert entry.object_repr == "/no-such-page/"
    assert entry.detail == "GET 404"
    assert entry.ip_address == "10.5.5.5"
    assert entry.committee == cast.committee_a


def test_an_admin_page_refused_to_a_login_without_staff_rights_is_recorded(cast):
    client = cast.client_for(cast.secretary_a1)
    response = client.get("/admin/branches/member/")
    assert response.status_code == 302  # Django's admin sends them to its login page
    (entry,) = entries(AuditAction.ACCESS_REFUSED)
    assert (entry.user, entry.object_repr, entry.detail) == (
        cast.secretary_a1,
        "/admin/branches/member/",
        "GET 302",
    )


def test_an_ordinary_page_or_an_anonymous_404_adds_no_entry(cast):
    cast.client_for(cast.admin_a).get("/")
    Client().get("/no-such-page/")
    assert not entries(AuditAction.ACCESS_REFUSED)


def test_granting_changing_and_deleting_a_committee_role_is_recorded(cast):
    user = factories.UserFactory(username="new_staff")
    before = last_pk()
    role = committee_role_grant(user=user, committee=cast.committee_b, role=CommitteeRoleKind.STAFF)
    role.ends_on = role.starts_on
    role.save()
    CommitteeRole.objects.filter(pk=role.pk).delete()

    granted, ended, deleted = entries(AuditAction.ROLE_CHANGE, after=before)
    assert granted.detail.startswith("granted")
    assert ended.detail.startswith("changed")
    assert deleted.detail == "deleted"
    for entry in (granted, ended, deleted):
        assert entry.committee == cast.committee_b
        assert entry.object_type == "committeerole"
        assert "new_staff" in entry.object_repr


def test_assigning_a_branch_role_is_recorded_against_its_committee(cast):
    member = factories.MemberFactory(branch=cast.branch_b1)
    before = last_pk()
    branch_role_assign(branch=cast.branch_b1, member=member, role="publicity")

    (entry,) = entries(AuditAction.ROLE_CHANGE, after=before)
    assert entry.committee == cast.committee_b
    assert entry.object_type == "branchrole"


def test_group_and_permission_changes_of_a_login_are_recorded(cast):
    group = Group.objects.create(name="审计测试组")
    permission = Permission.objects.first()
    before = last_pk()
    cast.staff_a.groups.add(group)
    cast.staff_a.user_permissions.add(permission)
    cast.staff_a.groups.remove(group)

    added, permission_added, removed = entries(AuditAction.PERMISSION_CHANGE, after=before)
    assert added.detail == "groups add: 审计测试组"
    assert permission_added.detail.startswith("permissions add: ")
    assert removed.detail == "groups remove: 审计测试组"
    assert added.object_id == str(cast.staff_a.pk)
    assert added.committee == cast.committee_a


def test_superuser_staff_and_active_flags_changes_are_recorded_and_a_login_update_is_not(cast):
    user = cast.secretary_a1
    before = last_pk()
    user.is_staff = True
    user.save()
    user.is_superuser = True
    user.is_active = False
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    user.first_name = "芳"
    user.save()  # no flag changed
    created = factories.UserFactory(username="new_root", is_superuser=True, is_staff=True)

    staff, raised, made = entries(AuditAction.PERMISSION_CHANGE, after=before)
    assert staff.detail == "flags: is_staff=True"
    assert (staff.object_id, staff.committee) == (str(user.pk), cast.committee_a)
    assert raised.detail == "flags: is_superuser=True, is_active=False"
    assert raised.committee is None  # about a superuser: the superusers read it
    assert made.detail == "flags: is_superuser=True, is_staff=True"
    assert made.object_id == str(created.pk)


def test_a_groups_permission_changes_are_recorded(cast):
    group = Group.objects.create(name="审计测试组")
    permission = Permission.objects.get(codename="delete_member")
    before = last_pk()
    group.permissions.add(permission)
    permission.group_set.remove(group)

    added, removed = entries(AuditAction.PERMISSION_CHANGE, after=before)
    assert (added.object_type, added.object_repr) == ("group", "审计测试组")
    assert added.detail == f"group permissions add: {permission}"
    assert removed.detail == f"group permissions remove: {permission}"


def test_a_role_granted_in_the_admin_records_who_granted_it_and_from_where(cast):
    client = Client()
    client.force_login(cast.superuser)
    user = factories.UserFactory(username="granted_in_admin")
    response = client.post(
        "/admin/branches/committeerole/add/",
        {
            "user": user.pk,
            "committee": cast.committee_a.pk,
            "role": CommitteeRoleKind.STAFF,
            "starts_on": "2026-01-01",
        },
        REMOTE_ADDR="10.7.7.7",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(action=AuditAction.ROLE_CHANGE).latest("pk")
    assert entry.user == cast.superuser
    assert entry.ip_address == "10.7.7.7"
    assert "granted_in_admin" in entry.object_repr


# --- Retention --------------------------------------------------------------------------------


def entry_aged(days: float) -> AuditEntry:
    entry = audit_record(
        user=None, action=AuditAction.LOGIN_FAILED, committee=None, object_type="user"
    )
    factories.audit_entry_backdate(entry.pk, days=days)
    return entry


def test_entries_are_kept_180_days_by_default(settings):
    assert settings.AUDIT_RETENTION_DAYS == 180


def test_the_purge_deletes_entries_older_than_the_retention_and_keeps_the_rest(db, settings):
    settings.AUDIT_RETENTION_DAYS = 200
    old = entry_aged(200.1)
    kept = [entry_aged(199.9), entry_aged(180), entry_aged(0)]

    assert audit_purge() == 1

    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert audit_purge() == 0


def test_the_purge_runs_nightly_from_the_beat_schedule():
    assert BEAT_SCHEDULE["audit-purge"]["task"] == "portal.tasks.audit_purge"
    assert audit_purge.name == "portal.tasks.audit_purge"


def test_entries_still_cannot_be_changed_or_deleted_through_the_orm(db):
    entry = entry_aged(400)
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(detail="x")


def test_the_database_itself_refuses_to_change_an_entry_or_delete_one_younger_than_180_days(db):
    require_postgresql("the audit trigger is PostgreSQL's")

    def failed_login(days: float = 0) -> AuditEntry:
        entry = audit_record(
            user=None, action=AuditAction.LOGIN_FAILED, committee=None, object_type="user"
        )
        if days:
            factories.audit_entry_backdate(entry.pk, days=days)
        return entry

    recent, younger, older = failed_login(), failed_login(179.9), failed_login(180.1)
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    # Plain SQL, past the ORM's refusals: what someone with the portal's database login could try.
    for statement, params, refusal in [
        ("UPDATE branches_auditentry SET detail = 'covered up'", (), "append-only"),
        ("UPDATE branches_auditentry SET created_at = %s", (long_ago,), "append-only"),
        (
            "DELETE FROM branches_auditentry WHERE id IN (%s, %s)",
            (recent.pk, younger.pk),
            "180 days",
        ),
    ]:
        with (
            pytest.raises(DatabaseError, match=refusal),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
    assert AuditEntry.objects.get(pk=recent.pk).detail == ""
    assert AuditEntry.objects.count() == 3

    with connection.cursor() as cursor:  # the purge's kind of delete passes
        cursor.execute("DELETE FROM branches_auditentry WHERE id = %s", (older.pk,))
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {recent.pk, younger.pk}


def settings_with(**environment: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.AUDIT_RETENTION_DAYS)"
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1"} | environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_retention_cannot_be_set_below_180_days():
    refused = settings_with(AUDIT_RETENTION_DAYS="179")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "AUDIT_RETENTION_DAYS" in refused.stderr

    longer = settings_with(AUDIT_RETENTION_DAYS="365")
    assert longer.returncode == 0, longer.stderr
    assert longer.stdout.strip() == "365"
