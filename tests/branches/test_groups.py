"""The permission groups come from code on post_migrate, not from hand work in the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from branches import groups
from branches.models import AuditEntry


def assert_the_three_groups_have_their_permissions() -> None:
    for name, codes in groups.PERMISSIONS.items():
        group = Group.objects.get(name=name)
        granted = {
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        }
        assert granted == set(codes), name
    assert Group.objects.filter(name__in=list(groups.PERMISSIONS)).count() == 3


@pytest.mark.django_db
def test_migrate_created_the_three_groups_with_their_permissions():
    assert_the_three_groups_have_their_permissions()


@pytest.mark.django_db(transaction=True)
def test_the_groups_are_back_after_a_flush_as_transactional_tests_do():
    call_command("flush", interactive=False, verbosity=0)

    assert_the_three_groups_have_their_permissions()
    assert not AuditEntry.objects.exists(), "making the groups is nobody's change of rights"


@pytest.mark.django_db
def test_syncing_again_restores_edited_permissions_and_creates_nothing_twice():
    editor = Group.objects.get(name=groups.BRANCH_EDITOR)
    editor.permissions.add(Permission.objects.get(codename="delete_committee"))
    editor.permissions.remove(Permission.objects.get(codename="add_activity"))
    Group.objects.get(name=groups.COMMITTEE_STAFF).delete()

    groups.role_groups_sync()
    groups.role_groups_sync()

    assert_the_three_groups_have_their_permissions()
    assert Group.objects.get(name=groups.BRANCH_EDITOR).pk == editor.pk, "kept, not made anew"


@pytest.mark.django_db
def test_branch_editor_cannot_change_the_roster_but_admin_can(cast):
    assert cast.secretary_a1.has_perm("activities.add_activity")
    assert not cast.secretary_a1.has_perm("partnerships.change_partnerorganisation")
    assert not cast.secretary_a1.is_staff
    assert cast.admin_a.has_perm("partnerships.change_partnerorganisation")
    assert cast.admin_a.has_perm("branches.change_member")
    assert cast.admin_a.is_staff
    assert cast.staff_a.has_perm("activities.view_activity")
    assert not cast.staff_a.has_perm("branches.change_member")
