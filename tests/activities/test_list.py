"""The activity list: scoped to who may read, narrowed by filters, paginated, constant queries."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import filters, selectors
from activities.models import Activity, ActivityStatus, PartnerCheck
from branches.models import Branch
from portal.core.periods import Period
from tests import factories
from tests.conftest import read_again, rows_for_the_scope
from tests.conftest import secretary as secretary_of

SHANGHAI = timezone.get_default_timezone()


def local(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class World:
    """Committee A's framework, partners and activities of every kind; one of committee B."""

    m1: object
    m2: object
    g1: object
    g2: object
    xihu: object
    bank: object
    foreign_partner: object
    this_month: Activity  # A1, M1, 西湖, G1, approved, 07:00 on the 1st (local)
    last_year: Activity  # A1, M2, bank, draft
    last_month: Activity  # A2, M2, submitted
    co_organised: Activity  # A2 organises with A1, M1, both partners, returned
    committee_level: Activity  # committee A itself, M1, approved
    foreign: Activity  # committee B's branch B1


def build_world(cast) -> World:
    today = timezone.localdate()
    this_month = Period.month(today)
    last_month = this_month.previous()
    a = cast.committee_a
    m1 = factories.MeasureFactory(
        committee=a, position=1, code="M1", title="理论联学", title_en="Joint study"
    )
    m2 = factories.MeasureFactory(
        committee=a, position=2, code="M2", title="组织联建", title_en="Joint organisation"
    )
    g1 = factories.GoalFactory(
        committee=a, position=1, code="G1", title="夯实党建基础", title_en="Party building"
    )
    g2 = factories.GoalFactory(
        committee=a, position=2, code="G2", title="推动生产经营", title_en="Production"
    )
    xihu = factories.PartnerFactory(committee=a, name="西湖区社区党委")
    bank = factories.PartnerFactory(committee=a, name="建设银行杭州分行")
    foreign_measure = factories.MeasureFactory(committee=cast.committee_b, position=1)
    foreign_partner = factories.PartnerFactory(committee=cast.committee_b, name="外单位伙伴")

    def activity(title, branch, measure, starts_at, status, **extra):
        extra.setdefault("partners", [])  # the roster is the world's own partners
        return factories.ActivityFactory(
            committee=measure.committee,
            branch=branch,
            measure=measure,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            status=status,
            **extra,
        )

    first = activity(
        "安全生产联学",
        cast.branch_a1,
        m1,
        local(this_month.start, 7),
        ActivityStatus.APPROVED,
        summary="学习安全生产法",
    )
    first.partners.set([xihu])
    first.goals.set([g1])
    first.attendees.set(
        [cast.member_a1, *factories.MemberFactory.create_batch(2, branch=cast.branch_a1)]
    )
    old = activity(
        "金融知识进工地",
        cast.branch_a1,
        m2,
        local(dt.date(today.year - 1, 6, 15), 10),
        ActivityStatus.DRAFT,
    )
    old.partners.set([bank])
    old.goals.set([g2])
    previous = activity(
        "宿迁项目组织生活会",
        cast.branch_a2,
        m2,
        local(last_month.start + dt.timedelta(days=9), 14),
        ActivityStatus.SUBMITTED,
    )
    joint = activity(
        "两支部联合主题党日",
        cast.branch_a2,
        m1,
        local(last_month.start + dt.timedelta(days=4), 9),
        ActivityStatus.RETURNED,
    )
    joint.co_branches.set([cast.branch_a1])
    joint.partners.set([xihu, bank])
    committee_level = activity(
        "党委专题党课", None, m1, local(this_month.start, 15), ActivityStatus.APPROVED
    )
    foreign = activity(
        "外单位联建活动",
        cast.branch_b1,
        foreign_measure,
        local(this_month.start, 10),
        ActivityStatus.APPROVED,
    )
    foreign.partners.set([foreign_partner])
    return World(
        m1=m1,
        m2=m2,
        g1=g1,
        g2=g2,
        xihu=xihu,
        bank=bank,
        foreign_partner=foreign_partner,
        this_month=first,
        last_year=old,
        last_month=previous,
        co_organised=joint,
        committee_level=committee_level,
        foreign=foreign,
    )


@pytest.fixture
def world(request: pytest.FixtureRequest, cast) -> World:
    """The world above: read again from the module's shared one where the module shares its
    cast (tests/conftest.py), made afresh otherwise."""
    if "module_world" in request.fixturenames:
        return read_again(request.getfixturevalue("module_world"))
    return build_world(cast)


@pytest.fixture(scope="module")
def module_world(module_cast, django_db_blocker) -> Iterator[World]:
    """The world, made once for the module (``rows_for_the_scope``): each test reads it, and
    what a test changes is undone after it as usual."""
    with rows_for_the_scope(django_db_blocker):
        yield build_world(module_cast)


@pytest.fixture(autouse=True)
def english(settings):
    """Texts are asserted in English (the Chinese translation is filled in separately)."""
    settings.LANGUAGE_CODE = "en"


ROW_TITLE = re.compile(r'<th scope="row" class="activity-row__title"><a href="[^"]+">([^<]*)</a>')


def titles(response) -> list[str]:
    """The titles of the rows shown, in order."""
    assert response.status_code == 200
    return [html.unescape(t) for t in ROW_TITLE.findall(response.content.decode())]


def rows(response) -> dict[str, str]:
    """Title -> the row's text, tags stripped."""
    found = re.findall(r'<tr class="activity-row">(.*?)</tr>', response.content.decode(), re.S)
    result = {}
    for row in found:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        title = html.unescape(ROW_TITLE.search(row).group(1))
        result[title] = text
    return result


def get_list(client, **params):
    return client.get(reverse("activities:list"), params)


ALL_OF_A = {
    "安全生产联学",
    "金融知识进工地",
    "宿迁项目组织生活会",
    "两支部联合主题党日",
    "党委专题党课",
}


# --- Who sees what --------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    response = get_list(client)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('activities:list')}"


def test_secretary_sees_their_branch_activities_organised_or_co_organised(cast, world):
    response = get_list(cast.client_for(cast.secretary_a1))

    assert set(titles(response)) == {"安全生产联学", "金融知识进工地", "两支部联合主题党日"}


def test_secretary_of_another_branch_does_not_see_branch_a1_activities(cast, world):
    shown = set(titles(get_list(cast.client_for(cast.secretary_a2))))

    assert shown == {"宿迁项目组织生活会", "两支部联合主题党日"}
    assert "安全生产联学" not in shown
    assert "金融知识进工地" not in shown


def test_committee_staff_see_all_of_their_committee_and_nothing_of_another(cast, world):
    response = get_list(cast.client_for(cast.staff_a))

    assert set(titles(response)) == ALL_OF_A
    assert "外单位联建活动" not in response.content.decode()


def test_admin_of_another_committee_sees_none_of_committee_a(cast, world):
    shown = set(titles(get_list(cast.client_for(cast.admin_b))))

    assert shown == {"外单位联建活动"}


def test_superuser_sees_every_committee(cast, world):
    shown = set(titles(get_list(cast.client_for(cast.superuser))))

    assert shown == {*ALL_OF_A, "外单位联建活动"}


def test_former_secretary_sees_nothing_and_is_told_why(cast, world):
    response = get_list(cast.client_for(cast.former_secretary_a1))

    assert titles(response) == []
    assert "No activities to show" in response.content.decode()
    assert "has no current role" in response.content.decode()


def test_title_says_whose_activities_the_list_shows(cast, world):
    secretary = get_list(cast.client_for(cast.secretary_a1))
    staff = get_list(cast.client_for(cast.staff_a))

    assert '<h1 class="page-title">My branch&#x27;s activities</h1>' in secretary.content.decode()
    assert '<h1 class="page-title">All activities</h1>' in staff.content.decode()


# --- Filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period": "this_month"}, {"安全生产联学", "党委专题党课"}),
        ({"period": "last_month"}, {"宿迁项目组织生活会", "两支部联合主题党日"}),
        ({"period": "this_year"}, "this_year"),
        ({"period": "last_year"}, {"金融知识进工地"}),
        ({"measure": "m2"}, {"金融知识进工地", "宿迁项目组织生活会"}),
        ({"goal": "g1"}, {"安全生产联学"}),
        ({"partner": "bank"}, {"金融知识进工地", "两支部联合主题党日"}),
        ({"status": "approved"}, {"安全生产联学", "党委专题党课"}),
        ({"status": "returned"}, {"两支部联合主题党日"}),
        ({"branch": "a2"}, {"宿迁项目组织生活会", "两支部联合主题党日"}),
        ({"branch": "a1"}, {"安全生产联学", "金融知识进工地", "两支部联合主题党日"}),
        ({"measure": "m1", "status": "approved"}, {"安全生产联学", "党委专题党课"}),
        ({"period": "this_month", "branch": "a1"}, {"安全生产联学"}),
    ],
)
def test_each_filter_narrows_the_list_to_the_right_activities(cast, world, params, expected):
    objects = {
        "m1": world.m1,
        "m2": world.m2,
        "g1": world.g1,
        "bank": world.bank,
        "a1": cast.branch_a1,
        "a2": cast.branch_a2,
    }
    query = {key: getattr(objects.get(value), "pk", value) for key, value in params.items()}
    if expected == "this_year":
        # Last month is in this year unless this is January.
        expected = {"安全生产联学", "党委专题党课"}
        if timezone.localdate().month > 1:
            expected |= {"宿迁项目组织生活会", "两支部联合主题党日"}

    response = get_list(cast.client_for(cast.staff_a), **query)

    assert set(titles(response)) == expected
    assert response.context["filterset"].is_narrowed


def test_the_filter_toggle_counts_the_filters_in_force(cast, world):
    client = cast.client_for(cast.staff_a)
    # The period and its dates count once; the search box and the sort order are in sight.
    response = get_list(
        client, period="custom", date_from="2024-01-01", status="approved", q="联", sort="oldest"
    )

    assert response.context["filterset"].active_count == 2
    assert 'title="Filters in force">2</span>' in response.content.decode()
    assert get_list(client, q="联").context["filterset"].active_count == 0


def test_an_activity_at_seven_in_the_morning_on_the_first_belongs_to_that_month(cast, world):
    # 07:00 in Shanghai on the 1st is 23:00 UTC on the last day of the previous month.
    assert world.this_month.starts_at.astimezone(dt.UTC).day != 1

    this_month = titles(get_list(cast.client_for(cast.staff_a), period="this_month"))
    last_month = titles(get_list(cast.client_for(cast.staff_a), period="last_month"))

    assert "安全生产联学" in this_month
    assert "安全生产联学" not in last_month


def test_custom_dates_include_both_days_by_local_start_date(cast, world):
    day = world.this_month.starts_at.astimezone(SHANGHAI).date()
    client = cast.client_for(cast.staff_a)

    same_day = titles(get_list(client, date_from=day.isoformat(), date_to=day.isoformat()))
    day_before = titles(get_list(client, date_to=(day - dt.timedelta(days=1)).isoformat()))
    from_day = titles(get_list(client, period="custom", date_from=day.isoformat()))

    assert set(same_day) == {"安全生产联学", "党委专题党课"}
    assert "安全生产联学" not in day_before
    assert "金融知识进工地" in day_before
    assert set(from_day) == {"安全生产联学", "党委专题党课"}


def test_a_preset_period_wins_over_dates_left_in_the_form(cast, world):
    shown = titles(
        get_list(cast.client_for(cast.staff_a), period="last_year", date_from="2000-01-01")
    )

    assert shown == ["金融知识进工地"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联学", {"安全生产联学"}),  # title
        ("安全生产法", {"安全生产联学"}),  # summary
        ("西湖区", {"安全生产联学", "两支部联合主题党日"}),  # a partner's name
        ("建设银行", {"金融知识进工地", "两支部联合主题党日"}),
        ("没有这个词", set()),
    ],
)
def test_search_looks_in_title_summary_and_partner_names(cast, world, text, expected):
    shown = titles(get_list(cast.client_for(cast.staff_a), q=text))

    assert set(shown) == expected


def test_search_matching_two_partners_of_one_activity_shows_it_once(cast, world):
    # Both partners of the joint activity now match: the activity is still one row.
    world.bank.name = "西湖区建设银行"
    world.bank.save()

    shown = titles(get_list(cast.client_for(cast.staff_a), q="西湖区"))

    assert shown.count("两支部联合主题党日") == 1
    assert response_count(cast, q="西湖区") == len(shown)


def response_count(cast, **params) -> int:
    return get_list(cast.client_for(cast.staff_a), **params).context["page"].paginator.count


def test_search_does_not_reach_other_committees_partners(cast, world):
    assert titles(get_list(cast.client_for(cast.staff_a), q="外单位伙伴")) == []


def test_sort_newest_first_by_default_and_oldest_first_on_request(cast, world):
    client = cast.client_for(cast.staff_a)

    newest = titles(get_list(client))
    oldest = titles(get_list(client, sort="oldest"))

    expected = list(
        Activity.objects.filter(committee=cast.committee_a)
        .order_by("-starts_at", "-pk")
        .values_list("title", flat=True)
    )
    assert newest == expected
    assert oldest == expected[::-1]
    assert newest[-1] == "金融知识进工地"


def test_choices_offer_only_the_users_committees_rows(cast, world):
    form = get_list(cast.client_for(cast.staff_a)).context["filterset"].form

    assert [str(b) for b in form.fields["branch"].queryset] == [
        cast.branch_a1.name,
        cast.branch_a2.name,
    ]
    assert world.foreign_partner not in form.fields["partner"].queryset
    assert set(form.fields["measure"].queryset) == {world.m1, world.m2}
    assert set(form.fields["goal"].queryset) == {world.g1, world.g2}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "bogus"}, "Select a valid choice"),
        ({"branch": "foreign"}, "Select a valid choice"),
        ({"partner": "foreign_partner"}, "Select a valid choice"),
        ({"measure": "abc"}, "Select a valid choice"),
        ({"date_from": "2024-13-45"}, "Enter a valid date"),
        ({"date_from": "0001-01-01"}, "Enter a date between 1900 and 2999"),
        ({"date_to": "9999-12-31"}, "Enter a date between 1900 and 2999"),
        ({"date_from": "2024-05-02", "date_to": "2024-05-01"}, "end date is before"),
        ({"period": "next_century"}, "Select a valid choice"),
        ({"sort": "sideways"}, "Select a valid choice"),
        ({"q": "x" * 101}, "at most 100 characters"),
    ],
)
def test_invalid_filter_values_show_a_message_not_an_error_page(cast, world, params, message):
    ids = {"foreign": cast.branch_b1.pk, "foreign_partner": world.foreign_partner.pk}
    query = {"status": "approved"} | {key: ids.get(value, value) for key, value in params.items()}

    response = get_list(cast.client_for(cast.staff_a), **query)

    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Some filters could not be used and were left out" in content
    assert message in content
    if "status" not in params:
        # The filters that were understood still apply.
        assert set(titles(response)) == {"安全生产联学", "党委专题党课"}


def test_a_forged_branch_id_of_another_committee_reveals_nothing(cast, world):
    response = get_list(cast.client_for(cast.staff_a), branch=cast.branch_b1.pk)

    assert "外单位联建活动" not in response.content.decode()
    assert cast.branch_b1.name not in response.content.decode()


# --- Committee first, for a user of several committees -----------------------------------

HINT = "Choose a committee to filter by branch, measure, goal or partner"
OPTION = re.compile(r'<option value="(\d+)"[^>]*>')


def select_options(response, name: str) -> list[int] | None:
    """The ids offered by the select ``name``, or None when the select is not on the page."""
    content = response.content.decode()
    found = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', content, re.S)
    return None if found is None else [int(pk) for pk in OPTION.findall(found.group(1))]


@pytest.fixture
def committee_c(cast):
    """A third committee with a branch, a measure, a goal, a partner and an activity."""
    c = factories.CommitteeFactory(name="第三公司党委", short_name="第三公司")
    branch = factories.BranchFactory(committee=c, name="第三公司第一党支部")
    measure = factories.MeasureFactory(committee=c, position=1, code="C1", title="第三措施")
    factories.GoalFactory(committee=c, position=1, code="CG1", title="第三目标")
    factories.PartnerFactory(committee=c, name="第三伙伴单位")
    factories.ActivityFactory(
        committee=c, branch=branch, measure=measure, title="第三公司活动", status="approved"
    )
    return c


@pytest.fixture
def staff_of_a_and_b(cast):
    """Committee A's staff who is committee B's staff too (reach: two committees, not C)."""
    from branches.access import forget_scope
    from branches.models import CommitteeRole, CommitteeRoleKind

    CommitteeRole.objects.create(
        user=cast.staff_a,
        committee=cast.committee_b,
        role=CommitteeRoleKind.STAFF,
        starts_on=dt.date(2020, 1, 1),
    )
    forget_scope(cast.staff_a)
    return cast.staff_a


def test_superuser_of_three_committees_chooses_a_committee_before_its_branches(
    cast, world, committee_c
):
    client = cast.client_for(cast.superuser)
    c_branch = Branch.objects.get(committee=committee_c)

    unchosen = get_list(client, status="approved")
    content = unchosen.content.decode()
    assert sorted(select_options(unchosen, "committee")) == sorted(
        [cast.committee_a.pk, cast.committee_b.pk, committee_c.pk]
    )
    for name in ("branch", "measure", "goal", "partner"):
        assert select_options(unchosen, name) is None
    assert HINT in content
    assert content.count("<option") == (
        1
        + 3
        + len(ActivityStatus.choices)
        + 1
        + len(filters.PERIOD_CHOICES)
        + 1
        + len(PartnerCheck.choices)
        + 1
        + 2
    )  # committee, status, period, partner confirmation and sort: no branch, measure, goal or
    # partner at all
    assert set(titles(unchosen)) >= {"安全生产联学", "外单位联建活动", "第三公司活动"}

    chosen = get_list(client, committee=cast.committee_a.pk)
    assert select_options(chosen, "branch") == [cast.branch_a1.pk, cast.branch_a2.pk]
    assert set(select_options(chosen, "measure")) == {world.m1.pk, world.m2.pk}
    assert set(select_options(chosen, "partner")) == {world.xihu.pk, world.bank.pk}
    chosen_content = chosen.content.decode()
    assert f'<option value="{cast.committee_a.pk}" selected>' in chosen_content
    for name in (cast.branch_b1.name, c_branch.name, world.foreign_partner.name, "第三伙伴单位"):
        assert name not in chosen_content
    assert HINT not in chosen_content
    assert set(titles(chosen)) == ALL_OF_A  # the committee narrows the rows too

    third = get_list(client, committee=committee_c.pk)
    assert select_options(third, "branch") == [c_branch.pk]
    assert titles(third) == ["第三公司活动"]


def test_a_branch_of_the_chosen_committee_narrows_and_another_committees_is_refused(
    cast, world, committee_c
):
    client = cast.client_for(cast.superuser)

    ok = get_list(client, committee=cast.committee_a.pk, branch=cast.branch_a2.pk)
    wrong = get_list(client, committee=cast.committee_a.pk, branch=cast.branch_b1.pk)

    assert ok.context["filter_errors"] == []
    assert set(titles(ok)) == {"宿迁项目组织生活会", "两支部联合主题党日"}
    assert wrong.status_code == 200
    assert "Select a valid choice" in html.unescape(wrong.content.decode())
    assert set(titles(wrong)) == ALL_OF_A  # the committee still applies


def test_staff_of_two_committees_choose_between_them_only(
    cast, world, committee_c, staff_of_a_and_b
):
    client = cast.client_for(staff_of_a_and_b)

    response = get_list(client)

    assert sorted(select_options(response, "committee")) == sorted(
        [cast.committee_a.pk, cast.committee_b.pk]
    )
    assert select_options(response, "branch") is None
    assert HINT in response.content.decode()
    chosen = get_list(client, committee=cast.committee_b.pk)
    assert select_options(chosen, "branch") == [cast.branch_b1.pk]
    assert titles(chosen) == ["外单位联建活动"]


@pytest.mark.parametrize("value", ["committee_c", "abc", "99999999999999999999999", "-1"])
def test_a_committee_outside_the_reach_is_an_invalid_choice_and_reveals_nothing(
    cast, world, committee_c, staff_of_a_and_b, value
):
    committee = committee_c.pk if value == "committee_c" else value
    response = get_list(
        cast.client_for(staff_of_a_and_b),
        committee=committee,
        branch=Branch.objects.get(committee=committee_c).pk,
        status="approved",
    )

    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Some filters could not be used and were left out" in content
    assert "Committee: Select a valid choice" in content
    for name in (committee_c.name, "第三公司第一党支部", "第三伙伴单位", "第三公司活动"):
        assert name not in content
    # The filters that were understood still apply, over the user's own committees.
    assert set(titles(response)) == {"安全生产联学", "党委专题党课", "外单位联建活动"}


def test_a_dashboard_link_without_a_committee_stands_for_its_rows_committee(
    cast, world, committee_c
):
    client = cast.client_for(cast.superuser)

    response = get_list(client, status="approved", branch=cast.branch_a1.pk, measure=world.m1.pk)

    assert response.context["filter_errors"] == []
    assert titles(response) == ["安全生产联学"]
    content = response.content.decode()
    assert f'<option value="{cast.committee_a.pk}" selected>' in content
    assert f'<option value="{cast.branch_a1.pk}" selected>' in content
    assert select_options(response, "branch") == [cast.branch_a1.pk, cast.branch_a2.pk]
    # Rows of two committees named together stand for no committee: refused, not mixed.
    mixed = get_list(client, branch=cast.branch_a1.pk, partner=world.foreign_partner.pk)
    assert "Select a valid choice" in html.unescape(mixed.content.decode())
    assert select_options(mixed, "branch") is None


def test_users_of_one_committee_choose_no_committee(cast, world, committee_c):
    for user in (cast.staff_a, cast.secretary_a1):
        response = get_list(cast.client_for(user), committee=committee_c.pk)

        assert select_options(response, "committee") is None
        assert select_options(response, "branch") is not None
        assert HINT not in response.content.decode()
        assert response.context["filter_errors"] == []  # an unknown parameter is ignored
    assert set(select_options(response, "measure")) == {world.m1.pk, world.m2.pk}


def test_export_link_carries_the_committee(cast, world):
    response = get_list(cast.client_for(cast.superuser), committee=cast.committee_a.pk)

    export = reverse("activities:export")
    assert f'href="{export}?committee={cast.committee_a.pk}"' in response.content.decode()


# --- Rows -------------------------------------------------------------------------------


def test_each_row_shows_date_title_organiser_measure_partners_attendees_and_status(cast, world):
    response = get_list(cast.client_for(cast.staff_a))
    shown = rows(response)
    day = world.this_month.starts_at.astimezone(SHANGHAI).date().isoformat()

    first = shown["安全生产联学"]
    assert first.startswith(day)  # the local date, not UTC's previous day
    assert cast.branch_a1.name in first
    assert "M1 Joint study" in first
    assert "西湖区社区党委" in first
    assert first.endswith(" 3 Approved")  # members attending, then the status
    assert cast.committee_a.name in shown["党委专题党课"]  # a committee-level activity
    joint = shown["两支部联合主题党日"]
    assert "建设银行杭州分行, 西湖区社区党委" in joint  # partners by name
    content = response.content.decode()
    assert 'class="status status--returned"' in content
    assert reverse("activities:detail", args=[world.co_organised.pk]) in content


def test_titles_and_partner_names_are_escaped(cast, world):
    world.this_month.title = "<script>alert(1)</script>"
    world.this_month.save()

    content = get_list(cast.client_for(cast.staff_a)).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_export_link_carries_the_current_filters(cast, world):
    response = get_list(cast.client_for(cast.staff_a), status="approved", q="联学", page="1")

    export = reverse("activities:export")
    assert f'href="{export}?status=approved&amp;q=%E8%81%94%E5%AD%A6"' in response.content.decode()


# --- Empty states ----------------------------------------------------------------------


def test_empty_list_invites_the_secretary_to_log_an_activity(cast, world):
    """The secretary of a branch that has logged nothing yet (the others have, above)."""
    new_branch = factories.BranchFactory(committee=cast.committee_a, name="新成立项目党支部")
    newcomer = secretary_of(new_branch, "secretary_new", starts_on=timezone.localdate())
    response = get_list(cast.client_for(newcomer))

    content = response.content.decode()
    assert "No activities logged yet" in content
    assert f'href="{reverse("activities:create")}"' in content
    assert reverse("activities:export") not in content


def test_filters_that_match_nothing_offer_to_clear_them(cast, world):
    response = get_list(cast.client_for(cast.staff_a), q="没有这个词")

    content = response.content.decode()
    assert "No activities match these filters" in content
    assert f'<a class="button" href="{reverse("activities:list")}">Clear filters</a>' in content


# --- Pagination -------------------------------------------------------------------------


@pytest.fixture
def two_per_page(settings):
    settings.ACTIVITY_PAGE_SIZE = 2


def test_pages_hold_the_page_size_and_their_links_keep_the_filters(cast, world, two_per_page):
    client = cast.client_for(cast.staff_a)
    every = titles(get_list(client, measure=world.m1.pk))

    first = get_list(client, measure=world.m1.pk)
    second = get_list(client, measure=world.m1.pk, page=2)

    assert len(every) == 2
    assert len(titles(first)) == 2
    assert titles(second) == titles(get_list(client, measure=world.m1.pk, page=2))
    assert set(titles(first)) | set(titles(second)) == {
        "安全生产联学",
        "党委专题党课",
        "两支部联合主题党日",
    }
    assert f'href="?measure={world.m1.pk}&amp;page=2"' in first.content.decode()
    assert f'href="?measure={world.m1.pk}&amp;page=1"' in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_a_page_past_the_end_shows_the_last_page_and_a_bad_one_the_first(cast, world, two_per_page):
    client = cast.client_for(cast.staff_a)

    past_the_end = get_list(client, page=99)
    nonsense = get_list(client, page="abc")

    assert past_the_end.context["page"].number == 3
    assert titles(past_the_end) == titles(get_list(client, page=3))
    assert titles(nonsense) == titles(get_list(client))


# --- Queries ----------------------------------------------------------------------------


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get_list(client, **params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["secretary_a1", "staff_a", "superuser"])
def test_query_count_does_not_grow_with_the_rows_shown(cast, world, who):
    client = cast.client_for(getattr(cast, who))
    filters = {"q": "联", "measure": world.m1.pk, "partner": world.xihu.pk, "period": "custom"}
    before = _queries(client)
    before_filtered = _queries(client, **filters)

    for n in range(15):
        extra = factories.ActivityFactory(
            committee=cast.committee_a,
            branch=cast.branch_a1,
            measure=world.m1,
            title=f"联建{n}",
        )
        extra.partners.set([world.xihu, world.bank])
        extra.co_branches.set([cast.branch_a2])
        extra.goals.set([world.g1])
        extra.attendees.set([cast.member_a1])

    assert _queries(client) == before
    assert _queries(client, **filters) == before_filtered
    assert len(titles(get_list(client, **filters))) > 3


#: session, user, committee roles, branch roles, page count, the navigation's counts, the
#: filters' choices (one query; a user of several committees: the committees and the chosen
#: committee's rows), the page's rows (ids cut in a subquery), their partners
#: — 12 before (a query per choice list), 13 with a filter chosen (its value looked up).
LIST_QUERIES = {"secretary_a1": 9, "staff_a": 9, "both": 9, "superuser": 7}


@pytest.fixture
def staff_and_secretary(cast):
    """A1's secretary who is also committee A's staff (both kinds of scope)."""
    from branches.access import forget_scope
    from branches.models import CommitteeRole, CommitteeRoleKind

    CommitteeRole.objects.create(
        user=cast.secretary_a1,
        committee=cast.committee_a,
        role=CommitteeRoleKind.STAFF,
        starts_on=dt.date(2020, 1, 1),
    )
    forget_scope(cast.secretary_a1)
    return cast.secretary_a1


@pytest.mark.parametrize("who", sorted(LIST_QUERIES))
def test_list_query_count_is_pinned_with_and_without_every_filter(
    cast, world, who, staff_and_secretary, django_assert_num_queries
):
    user = staff_and_secretary if who == "both" else getattr(cast, who)
    client = cast.client_for(user)
    every_filter = {
        "branch": cast.branch_a1.pk,
        "measure": world.m1.pk,
        "goal": world.g1.pk,
        "partner": world.xihu.pk,
        "status": "approved",
        "period": "this_year",
        "q": "联",
    }
    with django_assert_num_queries(LIST_QUERIES[who]):
        get_list(client)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = get_list(client, **every_filter)
    assert response.context["filter_errors"] == []
    assert titles(response) == ["安全生产联学"]
    if who == "superuser":
        # The committee chosen first (and its choices read in the same one query).
        with django_assert_num_queries(LIST_QUERIES[who]):
            response = get_list(client, committee=cast.committee_a.pk, **every_filter)
        assert response.context["filter_errors"] == []
        assert titles(response) == ["安全生产联学"]
        with django_assert_num_queries(LIST_QUERIES[who]):
            get_list(client, committee=cast.committee_a.pk)


# --- Counting at most so many -----------------------------------------------------------


@pytest.fixture
def cap_of_three(monkeypatch, two_per_page):
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 3)


def test_a_count_beyond_the_cap_says_more_than_and_pages_still_go_on(cast, world, cap_of_three):
    client = cast.client_for(cast.superuser)  # six activities, two a page, counted up to 3

    first = get_list(client)
    content = first.content.decode()
    assert first.context["page"].paginator.count_is_capped
    assert "3+ activities" in content
    assert "Page 1 </span>" in " ".join(content.split())
    assert "Page 1 of" not in content
    assert 'href="?page=2"' in content  # next

    # Beyond the counted pages the list counts exactly, and says where it is again.
    second = get_list(client, page=2)
    assert not second.context["page"].paginator.count_is_capped
    assert "6 activities" in second.content.decode()
    assert "Page 2 of 3" in second.content.decode()
    third = get_list(client, page=3)
    shown = titles(first) + titles(second) + titles(third)
    assert len(shown) == len(set(shown)) == 6
    assert 'rel="next"' not in third.content.decode()
    assert get_list(client, page=99).context["page"].number == 3


def test_a_count_within_the_cap_is_exact(cast, world, cap_of_three):
    response = get_list(cast.client_for(cast.staff_a), status="approved")

    assert not response.context["page"].paginator.count_is_capped
    assert "2 activities" in response.content.decode()


def test_page_rows_are_cut_by_id_before_the_rows_are_joined(cast, world, two_per_page):
    """The attendee count is computed for the page's rows only, not for the skipped ones."""
    client = cast.client_for(cast.superuser)
    with CaptureQueriesContext(connection) as captured:
        get_list(client, page=2)
    rows_query = next(q["sql"] for q in captured if "attendees" in q["sql"] and "LIMIT" in q["sql"])
    # The LIMIT/OFFSET is inside the id subquery; the outer query has none.
    outer, _, inner = rows_query.partition(" IN (SELECT")
    assert "LIMIT" not in outer
    assert "LIMIT" in inner
