"""The permission groups come from a data migration, not from hand work in the admin."""

import pytest
from django.contrib.auth.models import Group

from branches import groups


@pytest.mark.django_db
def test_migration_created_the_three_groups_with_their_permissions():
    for name, codes in groups.PERMISSIONS.items():
        group = Group.objects.get(name=name)
        granted = {
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        }
        assert granted == set(codes), name


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
