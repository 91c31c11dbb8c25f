"""The framework page: the user's committee, its 1-3-6 framework and its branches."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories

MEASURES = [
    ("理论联学", "Joint theory study", "凝聚思想共识", "Build a shared understanding"),
    ("组织联建", "Joint organisation building", "筑牢战斗堡垒", "Strengthen the organisation"),
    ("工作联动", "Joint work", "破解发展难题", "Solve problems together"),
    ("业绩联创", "Joint performance", "助力项目建设", "Deliver the projects"),
    ("责任联担", "Shared responsibility", "彰显国企担当", "Serve society"),
    ("底线联守", "Shared integrity", "共筑廉洁防线", "Guard integrity together"),
]
GOALS = [
    ("夯实基层党建工作基础", "Strengthen grassroots Party building"),
    ("推动项目生产经营", "Advance project production and operations"),
    ("提升企业品牌影响力", "Raise the company's brand influence"),
]


def _framework(committee) -> None:
    factories.FrameworkFactory(committee=committee)
    for position, (title, title_en) in enumerate(GOALS, start=1):
        factories.GoalFactory(
            committee=committee, position=position, title=title, title_en=title_en
        )
    for position, (title, title_en, subtitle, subtitle_en) in enumerate(MEASURES, start=1):
        factories.MeasureFactory(
            committee=committee,
            position=position,
            title=title,
            title_en=title_en,
            subtitle=subtitle,
            subtitle_en=subtitle_en,
            description=f"{title}的具体做法",
            description_en=f"How {title_en.lower()} is done",
        )


@pytest.fixture
def frameworks(cast):
    _framework(cast.committee_a)
    factories.FrameworkFactory(
        committee=cast.committee_b, main_line="另一条主线", main_line_en="Another main line"
    )
    return cast


def _branch_items(html: str) -> dict[str, str]:
    """Branch name -> the text of its list item (tags stripped)."""
    items = re.findall(r'<li class="branch[^"]*">(.*?)</li>', html, flags=re.S)
    result = {}
    for item in items:
        text = " ".join(re.sub(r"<[^>]+>", " ", item).split())
        result[text.split(" ")[0]] = text
    return result


def _home(client, **params):
    return client.get(reverse("framework"), params)


def test_anonymous_visitor_is_sent_to_the_login_page(client, cast):
    response = _home(client)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/framework/"


def test_secretary_sees_their_committee_framework_in_chinese(frameworks):
    html = _home(frameworks.client_for(frameworks.secretary_a1)).content.decode()

    assert "投资公司党委" in html
    assert "“投建营退”全产业链精益管理" in html
    for title, _title_en, subtitle, _subtitle_en in MEASURES:
        assert title in html
        assert subtitle in html
        assert f"{title}的具体做法" in html
    for goal, _goal_en in GOALS:
        assert goal in html
    assert "主线" in html
    assert "举措" in html
    assert "Joint theory study" not in html


def test_branches_show_current_member_counts_without_transferred_out_members(frameworks):
    today = timezone.localdate()
    for _ in range(4):
        factories.MemberFactory(branch=frameworks.branch_a1)
    factories.MemberFactory(
        branch=frameworks.branch_a1,
        name="已转出党员",
        active_from=dt.date(2020, 1, 1),
        active_to=today - dt.timedelta(days=1),
    )
    factories.MemberFactory(
        branch=frameworks.branch_a1, name="下月转入", active_from=today + dt.timedelta(days=30)
    )
    factories.MemberFactory(branch=frameworks.branch_a2, name="今天转出", active_to=today)

    html = _home(frameworks.client_for(frameworks.secretary_a1)).content.decode()
    branches = _branch_items(html)

    # A1: former secretary, secretary_a1, 张伟 and the 4 new members; A2: secretary_a2, 李娜
    # and the member who leaves today (still a member until the end of the day).
    assert "7 名党员" in branches["杭州项目公司党支部"]
    assert "3 名党员" in branches["宿迁项目公司党支部"]
    assert "共 10 名党员" in html
    assert "外单位党支部" not in html
    assert "另一公司党委" not in html


@pytest.mark.parametrize(
    ("user", "own", "other"),
    [
        ("secretary_a1", "杭州项目公司党支部", "宿迁项目公司党支部"),
        ("secretary_a2", "宿迁项目公司党支部", "杭州项目公司党支部"),
    ],
)
def test_secretary_sees_their_own_branch_highlighted(frameworks, user, own, other):
    html = _home(frameworks.client_for(getattr(frameworks, user))).content.decode()
    branches = _branch_items(html)

    assert "我的支部" in branches[own]
    assert "我的支部" not in branches[other]
    assert html.count("branch--own") == 1


def test_committee_staff_sees_no_branch_highlighted(frameworks):
    html = _home(frameworks.client_for(frameworks.staff_a)).content.decode()

    assert "杭州项目公司党支部" in html
    assert "branch--own" not in html


def test_admin_of_another_committee_sees_only_their_committee(frameworks):
    html = _home(frameworks.client_for(frameworks.admin_b)).content.decode()

    assert "另一公司党委" in html
    assert "另一条主线" in html
    assert "外单位党支部" in html
    assert "投资公司党委" not in html
    assert "杭州项目公司党支部" not in html
    assert "理论联学" not in html
    # Only one committee: no chooser.
    assert 'name="committee"' not in html


def test_admin_of_another_committee_cannot_open_it_by_id(frameworks):
    client = frameworks.client_for(frameworks.admin_b)

    assert _home(client, committee=frameworks.committee_a.pk).status_code == 404
    assert _home(client, committee="abc").status_code == 404


def test_superuser_chooses_between_committees(frameworks):
    client = frameworks.client_for(frameworks.superuser)

    first = _home(client).content.decode()
    chosen = _home(client, committee=frameworks.committee_a.pk).content.decode()

    # Committees are ordered by name; the first one is shown by default.
    assert 'name="committee"' in first
    assert "另一公司党委" in first
    assert "投资公司党委" in first  # in the chooser
    assert "外单位党支部" in first
    assert "杭州项目公司党支部" in chosen
    assert "外单位党支部" not in chosen


def test_user_without_committee_gets_a_friendly_explanation(frameworks):
    response = _home(frameworks.client_for(frameworks.former_secretary_a1))
    html = response.content.decode()

    assert response.status_code == 200
    assert "还没有关联到党委" in html
    assert "杭州项目公司党支部" not in html


def test_home_page_is_in_english_when_the_language_cookie_says_so(frameworks):
    client = frameworks.client_for(frameworks.secretary_a1)
    client.cookies["django_language"] = "en"

    html = _home(client).content.decode()

    for title, title_en, subtitle, subtitle_en in MEASURES:
        assert title_en in html
        assert subtitle_en in html
        assert title not in html
        assert subtitle not in html
    assert "Lean management of the whole invest–build–operate–exit chain" in html
    assert "Main line" in html
    assert "Your branch" in html
    assert "3 members" in _branch_items(html)["杭州项目公司党支部"]
    for chinese_label in ("主线", "举措", "目标", "我的支部", "退出登录", "名党员"):
        assert chinese_label not in html


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _home(client)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("user", ["secretary_a1", "staff_a", "superuser"])
def test_home_page_query_count_does_not_grow_with_branches_and_members(
    frameworks, user, django_assert_max_num_queries
):
    client = frameworks.client_for(getattr(frameworks, user))
    # 9 for the page, 1 for the navigation's counts (review queue, returned activities)
    with django_assert_max_num_queries(10):
        _home(client)
    before = _home_queries(client)

    for n in range(5):
        branch = factories.BranchFactory(committee=frameworks.committee_a, name=f"新增党支部{n}")
        factories.MemberFactory.create_batch(3, branch=branch)
    factories.MemberFactory.create_batch(10, branch=frameworks.branch_a1)

    assert _home_queries(client) == before
