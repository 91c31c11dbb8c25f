"""The activity list filters and shows the partner units' confirmation (``partner_check``):
未邀请 / 待确认 / 已确认 / 需更正 / 确认后已修改, with no query per row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.models import Activity, PartnerCheck
from tests.activities.test_list import (
    LIST_QUERIES,
    build_world,
    get_list,
    rows,
    titles,
)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world(cast):
    """The list's world (``test_list.build_world``) with its partners' answers: 安全生产联学
    (A1, 西湖) confirmed, 两支部联合主题党日 (A2 with A1, two partners) a correction asked,
    committee B's activity confirmed; 金融知识进工地 (a draft with the bank) not asked yet;
    宿迁项目组织生活会 and 党委专题党课 have no partners."""
    world = build_world(cast)
    for activity, state in (
        (world.this_month, PartnerCheck.CONFIRMED),
        (world.co_organised, PartnerCheck.CORRECTION),
        (world.foreign, PartnerCheck.CONFIRMED),
    ):
        Activity.objects.filter(pk=activity.pk).update(partner_check=state)
    return world


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PartnerCheck.CONFIRMED, {"安全生产联学"}),
        (PartnerCheck.CORRECTION, {"两支部联合主题党日"}),
        # Not asked: only activities with partners (the two without have no one to ask).
        (PartnerCheck.NOT_ASKED, {"金融知识进工地"}),
        (PartnerCheck.PENDING, set()),
        (PartnerCheck.SUPERSEDED, set()),
    ],
)
def test_the_confirmation_filter_narrows_the_list_to_the_right_activities(
    cast, world, state, expected
):
    response = get_list(cast.client_for(cast.staff_a), partner_check=state)

    assert set(titles(response)) == expected
    assert response.context["filterset"].active_count == 1


def test_the_filter_keeps_to_what_the_user_may_read(cast, world):
    # A1's secretary: their confirmed activity, not committee B's.
    owner = get_list(cast.client_for(cast.secretary_a1), partner_check="confirmed")
    assert titles(owner) == ["安全生产联学"]
    # A2's secretary: neither A1's confirmed activity nor B's; the correction of the one A2
    # organised with A1.
    outsider = cast.client_for(cast.secretary_a2)
    assert titles(get_list(outsider, partner_check="confirmed")) == []
    assert titles(get_list(outsider, partner_check="correction")) == ["两支部联合主题党日"]
    # A superuser sees every committee's.
    everyone = get_list(cast.client_for(cast.superuser), partner_check="confirmed")
    assert set(titles(everyone)) == {"安全生产联学", "外单位联建活动"}


def test_the_filter_combines_with_the_others(cast, world):
    client = cast.client_for(cast.staff_a)

    both = get_list(client, partner_check="correction", branch=cast.branch_a1.pk)
    assert titles(both) == ["两支部联合主题党日"]  # co-organised by A1
    assert titles(get_list(client, partner_check="confirmed", status="returned")) == []


def test_an_unknown_state_is_a_message_not_an_error_page(cast, world):
    response = get_list(cast.client_for(cast.staff_a), partner_check="signed")

    assert response.status_code == 200
    assert any("Partner confirmation" in error for error in response.context["filter_errors"])
    assert len(titles(response)) == 5  # the filter is left out, the rest of A shown


def test_the_filter_is_offered_with_every_state(cast, world):
    page = get_list(cast.client_for(cast.staff_a)).content.decode()

    assert '<select name="partner_check"' in page
    for state in PartnerCheck:
        assert f'<option value="{state.value}">{state.label}</option>' in page


def test_each_row_shows_its_confirmation_and_none_without_partners(cast, world):
    shown = rows(get_list(cast.client_for(cast.staff_a)))

    assert "confirmed by the partner" in shown["安全生产联学"]
    assert "correction asked" in shown["两支部联合主题党日"]
    assert "not asked" in shown["金融知识进工地"]
    for no_partners in ("宿迁项目组织生活会", "党委专题党课"):
        assert "—" in shown[no_partners]
        assert not any(str(state.label) in shown[no_partners] for state in PartnerCheck)
    page = get_list(cast.client_for(cast.staff_a)).content.decode()
    assert 'class="partner-check partner-check--confirmed"' in page
    assert 'data-label="Partner confirmation"' in page  # the line's name on a phone's card


@pytest.mark.parametrize("who", ["secretary_a1", "staff_a", "superuser"])
def test_the_confirmation_adds_no_query(cast, world, who, django_assert_num_queries):
    """The pinned count of ``test_list`` holds with the column shown and the filter chosen."""
    client = cast.client_for(getattr(cast, who))

    with django_assert_num_queries(LIST_QUERIES[who]):
        response = get_list(client, partner_check="confirmed")
    assert "安全生产联学" in titles(response)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = get_list(client, partner_check="none", status="draft")
    assert titles(response) == ["金融知识进工地"]


# --- The admin's changelist --------------------------------------------------------------------


def test_the_admin_lists_and_filters_the_confirmation(cast, world):
    url = reverse("admin:activities_activity_changelist")
    own = cast.client_for(cast.admin_a).get(url, {"partner_check__exact": "confirmed"})
    other = cast.client_for(cast.admin_b).get(url, {"partner_check__exact": "confirmed"})

    assert [a.title for a in own.context["cl"].result_list] == ["安全生产联学"]
    assert "confirmed by the partner" in own.content.decode()  # the column
    assert [a.title for a in other.context["cl"].result_list] == ["外单位联建活动"]
