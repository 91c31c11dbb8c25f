"""The reminders page and the navigation's count: each user their own, this week first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from portal.core.periods import local_today
from portal.reminders.models import Reminder, ReminderKind, iso_week
from portal.reminders.services import reminders_send_weekly
from portal.reminders.views import PER_PAGE

URL = reverse("reminders:list")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def old_reminder(user, committee, weeks_ago: int, n: int = 0) -> Reminder:
    day = local_today() - dt.timedelta(weeks=weeks_ago)
    return Reminder.objects.create(
        recipient=user,
        committee=committee,
        kind=ReminderKind.RETURNED_ACTIVITY,
        item_key=f"activity:{1000 + n}",
        week=iso_week(day),
        detail={
            "title": f"旧活动{weeks_ago}-{n}",
            "branch": "杭州项目公司党支部",
            "date": "2026-01-05",
        },
        link="/activities/1000/",
    )


def sections(html: str) -> dict[str, str]:
    """Section heading → the section's text."""
    found = {}
    for section in re.findall(r"<section class=\"section\".*?</section>", html, re.S):
        title = re.search(r'<h2 class="section__title"[^>]*>(.*?)(?:<span|</h2>)', section, re.S)
        found[title.group(1).strip()] = section
    return found


def nav_badge(client) -> int | None:
    html = client.get(reverse("home")).content.decode()
    link = re.search(r'<a class="site-nav__link" href="/reminders/">(.*?)</a>', html, re.S)
    if link is None:
        return None
    badge = re.search(r'<span class="count-badge"[^>]*>\D*(\d+)\D*</span>', link.group(1))
    return int(badge.group(1)) if badge else 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_secretary_sees_this_weeks_reminders_first_then_earlier_weeks(work):
    cast = work.cast
    reminders_send_weekly(today=work.today)
    old_reminder(cast.secretary_a2, cast.committee_a, weeks_ago=2)

    html = cast.client_for(cast.secretary_a2).get(URL).content.decode()

    found = sections(html)
    assert list(found) == ["This week", "Earlier weeks"]
    assert "宿迁项目公司党支部 has logged no approved activity under M1" in found["This week"]
    assert "宿迁联建（待补充）" in found["This week"]
    assert "旧活动2-0" in found["Earlier weeks"]
    assert "旧活动2-0" not in found["This week"]
    assert f'href="/dashboard/branches/{cast.branch_a2.pk}/"' in found["This week"]


@pytest.mark.parametrize(
    ("who", "sees", "never"),
    [
        (
            "secretary_a1",
            "杭州社区联学（待补充）",
            ["宿迁联建（待补充）", "宿迁理论联学", "杭州结对共建协议"],
        ),
        ("secretary_a2", "宿迁联建（待补充）", ["杭州社区联学（待补充）", "宿迁理论联学"]),
        ("staff_a", "宿迁理论联学", ["宿迁联建（待补充）", "杭州结对共建协议"]),
        ("admin_a", "杭州结对共建协议", ["外单位协议", "宿迁理论联学"]),
        ("admin_b", "外单位协议", ["杭州结对共建协议", "宿迁理论联学", "宿迁联建（待补充）"]),
    ],
)
def test_each_user_sees_only_their_own_reminders(work, who, sees, never):
    reminders_send_weekly(today=work.today)

    html = work.cast.client_for(getattr(work.cast, who)).get(URL).content.decode()

    assert sees in html
    for title in never:
        assert title not in html


def test_a_user_with_no_reminders_sees_the_empty_state(cast):
    response = cast.client_for(cast.superuser).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing to remind you of this week" in html
    assert "Earlier weeks" not in html


def test_earlier_weeks_are_paginated_newest_first(work):
    cast = work.cast
    for n in range(PER_PAGE + 2):
        old_reminder(cast.staff_a, cast.committee_a, weeks_ago=1 + n // 10, n=n)

    first = cast.client_for(cast.staff_a).get(URL)
    second = cast.client_for(cast.staff_a).get(URL, {"page": 2})

    assert first.context["page"].paginator.count == PER_PAGE + 2
    first_weeks = [week.week for week in first.context["weeks"]]
    assert first_weeks == sorted(first_weeks, reverse=True)
    assert sum(len(week.reminders) for week in second.context["weeks"]) == 2
    second_weeks = [week.week for week in second.context["weeks"]]
    assert max(second_weeks) <= min(first_weeks)


def test_navigation_counts_this_weeks_reminders(work):
    cast = work.cast
    client = cast.client_for(cast.secretary_a2)
    assert nav_badge(client) == 0  # the link, no badge yet

    reminders_send_weekly(today=work.today)
    old_reminder(cast.secretary_a2, cast.committee_a, weeks_ago=1)

    assert nav_badge(client) == 2
    home = client.get(reverse("home")).content.decode()
    assert re.search(r'<span class="count-badge">\s*2 this week\s*</span>', home)
    # Users with no role that is reminded have no link.
    assert nav_badge(cast.client_for(cast.former_secretary_a1)) is None


#: session, user, the user's committee and branch roles, the navigation's counts (one query),
#: this week's reminders, the earlier weeks' count and page
PAGE_QUERIES = 8


def test_page_query_count_is_pinned_and_does_not_grow_with_the_reminders(
    work, django_assert_num_queries
):
    cast = work.cast
    client = cast.client_for(cast.secretary_a2)
    reminders_send_weekly(today=work.today)
    old_reminder(cast.secretary_a2, cast.committee_a, weeks_ago=1)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL).status_code == 200

    reminders_send_weekly(today=work.today - dt.timedelta(days=7))
    for n in range(30):
        old_reminder(cast.secretary_a2, cast.committee_a, weeks_ago=2 + n // 5, n=n)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL).status_code == 200
