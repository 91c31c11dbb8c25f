"""The shorter activity form (issue 15 §2, §3): what it fills in, whom it finds, what it
copies, what it keeps as a draft — and what submitting asks for.

Every new endpoint is tried by its owner (branch A1's secretary) and by the outsider (the
secretary of branch A2, and logins of another committee).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityAction, ActivityStatus, TransitionError
from branches.models import RoleKind
from branches.services import branch_role_assign
from tests import factories

CREATE = reverse("activities:create")
SEARCH = reverse("activities:member_search")
AUTOSAVE_NEW = reverse("activities:autosave_new")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def measure(cast):
    return factories.MeasureFactory(committee=cast.committee_a, position=1, code="M1")


def key(branch) -> str:
    return f"b{branch.pk}"


def draft_data(measure, **more) -> dict:
    starts = timezone.localtime() - dt.timedelta(days=1)
    return {
        "title": "走访春南社区",
        "kind": "visit",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "",
        "measure": str(measure.pk),
        "summary": "",
        "form_token": "autosave-token-0000000001",
        **more,
    }


# --- Prefilled ----------------------------------------------------------------------------


def test_a_new_form_has_today_and_the_branchs_usual_place(cast, measure):
    factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure, location="春江党群中心"
    )
    factories.ActivityFactory(  # another branch's place is not A1's
        committee=cast.committee_a,
        branch=cast.branch_a2,
        measure=measure,
        location="宿迁会议室",
        starts_at=timezone.now() - dt.timedelta(hours=5),
    )
    form = cast.client_for(cast.secretary_a1).get(CREATE).context["form"]
    assert form["location"].value() == "春江党群中心"
    assert form["starts_at"].value().date() == timezone.localdate()
    assert form["starts_at"].value() <= timezone.localtime().replace(tzinfo=None)


def test_a_link_presets_the_measure(cast, measure):
    other = factories.MeasureFactory(committee=cast.committee_a, position=2, code="M2")
    page = cast.client_for(cast.secretary_a1).get(CREATE, {"measure": other.pk})
    assert str(page.context["form"]["measure"].value()) == str(other.pk)


def test_partners_come_in_the_branchs_order_its_partnerships_units_first(cast, measure):
    a = cast.committee_a
    unit = factories.PartnerFactory(committee=a, name="乙·联盟单位")
    used = factories.PartnerFactory(committee=a, name="丙·常合作")
    factories.PartnerFactory(committee=a, name="甲·未合作")
    alliance = factories.PartnershipFactory(committee=a, branch=cast.branch_a1)
    factories.PartnershipMemberFactory(partnership=alliance, partner=unit)
    factories.ActivityFactory(committee=a, branch=cast.branch_a1, measure=measure, partners=[used])
    factories.ActivityFactory(committee=a, branch=cast.branch_a2, measure=measure)
    context = cast.client_for(cast.secretary_a1).get(CREATE).context
    assert [b.partner.name for b in context["partners"]] == ["乙·联盟单位", "丙·常合作"]
    assert "甲·未合作" in [b.partner.name for b in context["other_partners"]]
    page = context["form"]["partnership"].as_widget()
    assert f'data-partners="{unit.pk}"' in page


# --- Copy a previous activity -----------------------------------------------------------


def test_copying_takes_everything_but_dates_attendees_and_files(cast, measure):
    partner = factories.PartnerFactory(committee=cast.committee_a)
    source = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        title="每月联学",
        location="春江党群中心",
        summary="联学二十届四中全会精神",
        partners=[partner],
        attendees=[cast.member_a1],
        volunteers=4,
        starts_at=timezone.now() - dt.timedelta(days=40),
    )
    client = cast.client_for(cast.secretary_a1)
    listed = client.get(CREATE)
    assert source in listed.context["copy_sources"]
    response = client.get(CREATE, {"organiser": key(cast.branch_a1), "copy": source.pk})
    form = response.context["form"]
    assert form["title"].value() == "每月联学"
    assert form["summary"].value() == "联学二十届四中全会精神"
    assert form["volunteers"].value() == 4
    assert str(form["measure"].value()) == str(measure.pk)
    assert [str(pk) for pk in form["partners"].value()] == [str(partner.pk)]
    assert not form["attendees"].value()
    assert form["starts_at"].value().date() == timezone.localdate()
    assert "Copied from “每月联学”" in response.content.decode()


@pytest.mark.parametrize("outsider", ["secretary_a2", "admin_b"])
def test_an_outsider_cannot_copy_another_branchs_activity(cast, measure, outsider):
    source = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure, title="甲支部的活动"
    )
    response = cast.client_for(getattr(cast, outsider)).get(CREATE, {"copy": source.pk})
    assert response.status_code == 404
    assert "甲支部的活动" not in response.content.decode()


def test_the_copy_list_holds_the_organisers_own_activities_only(cast, measure):
    factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure, title="甲支部的活动"
    )
    response = cast.client_for(cast.secretary_a2).get(CREATE)
    assert response.context["copy_sources"] == []
    assert "甲支部的活动" not in response.content.decode()


# --- Members of other branches, by search -------------------------------------------------


def test_the_organiser_finds_current_members_of_the_committee_by_name(cast):
    factories.MemberFactory(branch=cast.branch_a2, name="李娜娜")
    factories.MemberFactory(
        branch=cast.branch_a2, name="李娜已转出", active_to=timezone.localdate() - dt.timedelta(1)
    )
    response = cast.client_for(cast.secretary_a1).get(
        SEARCH, {"organiser": key(cast.branch_a1), "q": "李娜"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{cast.member_a2.pk}"' in html
    assert f'data-branch="{cast.branch_a2.pk}"' in html
    assert "李娜娜" in html
    assert "李娜已转出" not in html


def test_search_never_answers_with_another_committees_members(cast):
    response = cast.client_for(cast.secretary_a1).get(
        SEARCH, {"organiser": key(cast.branch_a1), "q": cast.member_b1.name}
    )
    assert cast.member_b1.name not in response.content.decode()
    assert "No current member of the committee has this name." in response.content.decode()


@pytest.mark.parametrize("outsider", ["secretary_a2", "admin_b", "staff_a"])
def test_an_outsider_cannot_search_for_branch_a1(cast, outsider):
    response = cast.client_for(getattr(cast, outsider)).get(
        SEARCH, {"organiser": key(cast.branch_a1), "q": "张"}
    )
    assert response.status_code == 404


def test_search_asks_anonymous_visitors_to_log_in(cast):
    response = cast.client_for(None).get(SEARCH, {"q": "张"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_form_does_not_grow_with_the_committee(cast, measure, django_assert_max_num_queries):
    """Hundreds of members in the other branches: neither listed nor read row by row."""
    client = cast.client_for(cast.secretary_a1)
    factories.MemberFactory.create_batch(20, branch=cast.branch_a2)
    small = client.get(CREATE)
    factories.MemberFactory.create_batch(400, branch=cast.branch_a2)
    with django_assert_max_num_queries(16):
        big = client.get(CREATE)
    assert abs(len(big.content) - len(small.content)) < 200  # the form token, the times
    assert big.content.decode().count('name="attendees"') == small.content.decode().count(
        'name="attendees"'
    )


# --- The draft kept as it is filled in ----------------------------------------------------


def test_autosave_makes_one_draft_then_changes_it(cast, measure):
    client = cast.client_for(cast.secretary_a1)
    url = f"{AUTOSAVE_NEW}?organiser={key(cast.branch_a1)}"
    first = client.post(url, draft_data(measure)).json()
    assert first["saved"] is True
    again = client.post(url, draft_data(measure, title="走访春南社区（改）")).json()
    assert again["saved"] is True  # the same form's token: the same draft
    (draft,) = Activity.objects.all()
    assert (draft.title, draft.status) == ("走访春南社区（改）", ActivityStatus.DRAFT)
    later = client.post(
        first["autosave_url"],
        draft_data(measure, summary="了解需求", version=str(again["version"])),
    ).json()
    assert later["saved"] is True
    draft.refresh_from_db()
    assert draft.summary == "了解需求"
    assert first["form_action"] == reverse("activities:edit", args=[draft.pk])


def test_saves_while_filling_in_a_draft_make_one_entry_on_its_timeline(cast, measure):
    """Autosave every few seconds must not bury the timeline: one sitting is one entry, a new
    one after a break or by somebody else, every save once the draft has left the organiser."""
    client = cast.client_for(cast.secretary_a1)
    first = client.post(f"{AUTOSAVE_NEW}?organiser={key(cast.branch_a1)}", draft_data(measure))
    draft = Activity.objects.get()
    version = first.json()["version"]
    for summary in ("了", "了解", "了解需求"):
        answer = client.post(
            first.json()["autosave_url"],
            draft_data(measure, summary=summary, version=str(version)),
        ).json()
        assert answer["saved"] is True
        version = answer["version"]
    actions = list(draft.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [ActivityAction.CREATED]  # the sitting that made it

    draft.events.update(at=timezone.now() - services.EDIT_SITTING - dt.timedelta(minutes=1))
    for summary in ("午后再改", "午后再改两句"):
        version = client.post(
            first.json()["autosave_url"],
            draft_data(measure, summary=summary, version=str(version)),
        ).json()["version"]
    edits = draft.events.filter(action=ActivityAction.EDITED)
    assert edits.count() == 1  # a second sitting, after a break: one more entry
    officer = factories.UserFactory(username="officer_a1")
    member = factories.MemberFactory(branch=cast.branch_a1, user=officer, name="组织委员")
    branch_role_assign(
        branch=cast.branch_a1,
        member=member,
        role=RoleKind.ORGANISATION,
        starts_on=timezone.localdate() - dt.timedelta(days=10),
    )
    draft.refresh_from_db()
    services.activity_update(draft, by=officer, expected_version=draft.version, title="改")
    assert draft.events.filter(action=ActivityAction.EDITED).count() == 2  # somebody else


def test_autosave_says_what_it_waits_for_and_saves_nothing(cast, measure):
    client = cast.client_for(cast.secretary_a1)
    answer = client.post(
        f"{AUTOSAVE_NEW}?organiser={key(cast.branch_a1)}", draft_data(measure, title="")
    ).json()
    assert answer == {"saved": False, "missing": ["Title"]}
    assert not Activity.objects.exists()


def test_autosave_of_a_stale_page_is_refused(cast, measure):
    draft = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    url = reverse("activities:autosave", args=[draft.pk])
    response = cast.client_for(cast.secretary_a1).post(
        url, draft_data(measure, version=str(draft.version - 1 or 99))
    )
    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.title != "走访春南社区"


@pytest.mark.parametrize(("outsider", "status"), [("secretary_a2", 404), ("staff_a", 403)])
def test_an_outsider_cannot_autosave_branch_a1s_draft(cast, measure, outsider, status):
    draft = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    url = reverse("activities:autosave", args=[draft.pk])
    response = cast.client_for(getattr(cast, outsider)).post(
        url, draft_data(measure, version=str(draft.version))
    )
    assert response.status_code == status
    draft.refresh_from_db()
    assert draft.title != "走访春南社区"


def test_an_outsider_cannot_autosave_a_new_draft_for_branch_a1(cast, measure):
    response = cast.client_for(cast.secretary_a2).post(
        f"{AUTOSAVE_NEW}?organiser={key(cast.branch_a1)}", draft_data(measure)
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_a_submitted_activity_is_not_autosaved(cast, measure):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    activity.refresh_from_db()
    response = cast.client_for(cast.secretary_a1).post(
        reverse("activities:autosave", args=[activity.pk]),
        draft_data(measure, version=str(activity.version)),
    )
    assert response.json()["saved"] is False
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.title != "走访春南社区"


# --- Submitting needs the essentials ------------------------------------------------------


def test_an_empty_draft_is_saved_but_not_submitted_and_the_page_says_what_is_missing(cast, measure):
    draft = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        summary="",
        partners=[],
        attendees=[],
        evidence=False,
    )
    response = cast.client_for(cast.secretary_a1).post(
        reverse("activities:transition", args=[draft.pk, "submit"]), follow=True
    )
    (message,) = [str(m) for m in response.context["messages"]]
    assert message == (
        "It cannot be submitted for review yet. Still missing: a partner organisation (or why "
        "it had none), at least one member who attended, the summary, a photo or the sign-in "
        "sheet."
    )
    draft.refresh_from_db()
    assert draft.status == ActivityStatus.DRAFT


def test_a_reason_stands_for_the_partner_and_a_document_is_no_evidence(cast, measure):
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        partners=[],
        no_partner_reason="支部内部学习",
        evidence=False,
    )
    activity.attachments.create(file="activities/x/a.pdf", kind="document")
    assert activity.missing_essentials() == ["a photo or the sign-in sheet"]
    activity.attachments.create(file="activities/x/s.pdf", kind="sign_in")
    assert activity.missing_essentials() == []


def test_the_service_refuses_to_submit_without_the_essentials_whatever_the_path(cast, measure):
    activity = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure, attendees=[]
    )
    with pytest.raises(TransitionError, match="at least one member who attended"):
        services.activity_transition(
            activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
        )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT
    assert not activity.events.filter(action=ActivityAction.SUBMITTED).exists()


def test_the_form_saves_a_draft_without_essentials_and_says_why_it_was_not_submitted(cast, measure):
    data = draft_data(measure, submit_for_review="1")
    data.update({"attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"})
    response = cast.client_for(cast.secretary_a1).post(
        f"{CREATE}?organiser={key(cast.branch_a1)}", data, follow=True
    )
    (message,) = [str(m) for m in response.context["messages"]]
    assert "was saved as a draft but not submitted" in message
    assert "the summary" in message
    assert Activity.objects.get().status == ActivityStatus.DRAFT
