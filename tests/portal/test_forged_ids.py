"""Ids no row can have, sent where an id is expected: the form's error, never a server error."""

import pytest

from branches.models import Member

pytestmark = pytest.mark.django_db

BEYOND_ANY_COLUMN = 10**30
NOT_AN_ID = "<script>alert(1)</script>"


def test_an_id_beyond_the_columns_range_matches_nothing_in_an_in_lookup(cast) -> None:
    members = Member.objects.filter(pk__in=[BEYOND_ANY_COLUMN, -BEYOND_ANY_COLUMN])
    assert list(members) == []
    both = Member.objects.filter(pk__in=[BEYOND_ANY_COLUMN, cast.member_a1.pk])
    assert list(both) == [cast.member_a1]


def test_activity_form_with_a_huge_partner_id_is_sent_back_with_its_error(cast) -> None:
    client = cast.client_for(cast.secretary_a1)
    url = f"/activities/new/?organiser=b{cast.branch_a1.pk}"
    response = client.post(url, {"title": "联学", "partners": [str(BEYOND_ANY_COLUMN)]})
    assert response.status_code == 200
    assert "partners" in response.context["form"].errors


def test_admin_form_sent_back_with_a_branch_that_is_no_id_shows_its_error(cast) -> None:
    client = cast.client_for(cast.admin_a)
    response = client.post("/admin/branches/member/add/", {"name": "张三", "branch": NOT_AN_ID})
    assert response.status_code == 200
    assert "branch" in response.context["adminform"].form.errors
    assert NOT_AN_ID not in response.content.decode()
