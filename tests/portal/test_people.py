"""People are named as they write their names: 王芳, not "芳 王"."""

from __future__ import annotations

import pytest

from portal.templatetags.people import person_name
from tests import factories


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("芳", "王", "王芳"),
        ("建国", "欧阳", "欧阳建国"),
        ("Fang", "Wang", "Fang Wang"),
        ("", "", "wangf"),
        ("芳", "", "芳"),
    ],
)
def test_names_read_in_their_own_order(db, first, last, shown):
    user = factories.UserFactory(username="wangf", first_name=first, last_name=last)
    assert person_name(user) == shown


def test_the_timeline_and_the_header_name_a_chinese_reviewer_family_name_first(cast):
    from activities import services
    from activities.models import ActivityAction
    from tests.activities.test_detail import detail_url, make_activity

    cast.staff_a.first_name, cast.staff_a.last_name = "芳", "王"
    cast.staff_a.save()
    activity = make_activity(cast)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="补充照片"
    )
    html = cast.client_for(cast.staff_a).get(detail_url(activity)).content.decode()
    assert "王芳" in html
    assert "芳 王" not in html
