"""Logging and changing an activity in the browser form.

Every bad input is shown on the page and nothing is saved: no activity, no file, no change
to its relations. Files accepted on a failed try are kept, so nobody picks them again.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import (
    MAX_PEOPLE_COUNT,
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    Attachment,
    StagedUpload,
)
from activities.services import staged_upload_create
from branches.access import forget_scope
from branches.models import CommitteeRoleKind
from branches.services import committee_role_grant
from tests import factories
from tests.activities.test_uploads import (
    HTML_AS_JPEG,
    PDF,
    SVG_AS_JPEG,
    photo,
    rows,
    truncated_jpeg,
    upload,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CREATE = reverse("activities:create")


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path):
    """Files go to a temporary folder; texts are asserted in English (the Chinese
    translation is filled in separately)."""
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def framework(cast):
    """Committee A's six measures and three goals (and one of committee B's of each)."""
    measures = [
        factories.MeasureFactory(
            committee=cast.committee_a,
            position=n,
            code=f"M{n}",
            title=f"举措{n}",
            title_en=f"Measure {n}",
            subtitle=f"副标题{n}",
            subtitle_en=f"Subtitle {n}",
        )
        for n in range(1, 7)
    ]
    goals = [
        factories.GoalFactory(committee=cast.committee_a, position=n, code=f"G{n}")
        for n in range(1, 4)
    ]
    return {
        "measures": measures,
        "goals": goals,
        "foreign_measure": factories.MeasureFactory(committee=cast.committee_b, position=1),
        "foreign_goal": factories.GoalFactory(committee=cast.committee_b, position=1),
    }


def _local(days_ago: int = 2, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def _data(framework, **overrides) -> dict:
    """A valid POST of the form (no files), with ``overrides`` applied (None drops a key)."""
    data = {
        "title": "理论联学：社区党课",
        "kind": "lecture",
        "starts_at": _local().strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (_local() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "春江社区党群服务中心",
        "measure": str(framework["measures"][0].pk),
        "external_participants": "12",
        "volunteers": "3",
        "beneficiaries": "40",
        "summary": "宣讲全会精神",
        "outcome": "",
        "save": "draft",
    }
    data.update(rows())
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _nothing_saved() -> None:
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()
    assert not ActivityEvent.objects.exists()


def _create_url(organiser_key: str | None = None) -> str:
    return CREATE if organiser_key is None else f"{CREATE}?organiser={organiser_key}"


def _post(cast, framework, user=None, url=CREATE, **overrides):
    client = cast.client_for(user or cast.secretary_a1)
    return client.post(url, _data(framework, **overrides))


# --- Who gets which form ----------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(cast):
    response = cast.client_for(None).get(CREATE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_who_organises_nothing_is_forbidden(cast):
    response = cast.client_for(cast.former_secretary_a1).get(CREATE)
    assert response.status_code == 403
    response = cast.client_for(cast.former_secretary_a1).post(CREATE, {"title": "x"})
    assert response.status_code == 403


def test_secretary_of_one_branch_goes_straight_to_the_form(cast, framework):
    response = cast.client_for(cast.secretary_a1).get(CREATE)
    assert response.status_code == 200
    assert response.templates[0].name == "activities/form.html"
    assert "杭州项目公司党支部" in response.content.decode()


def test_user_with_several_organisers_chooses_one_first(cast, framework):
    committee_role_grant(
        user=cast.secretary_a1, committee=cast.committee_a, role=CommitteeRoleKind.STAFF
    )
    forget_scope(cast.secretary_a1)
    response = cast.client_for(cast.secretary_a1).get(CREATE)
    assert response.templates[0].name == "activities/organiser_choice.html"
    page = response.content.decode()
    assert f'href="?organiser=b{cast.branch_a1.pk}"' in page
    assert f'href="?organiser=c{cast.committee_a.pk}"' in page

    response = cast.client_for(cast.secretary_a1).get(_create_url(f"c{cast.committee_a.pk}"))
    assert response.templates[0].name == "activities/form.html"
    assert "committee-level activity" in response.content.decode()


@pytest.mark.parametrize("key", ["b{a2}", "c{a}", "c{b}", "x", "b", ""])
def test_organiser_the_user_may_not_log_for_is_not_found(cast, framework, key):
    key = key.format(a2=cast.branch_a2.pk, a=cast.committee_a.pk, b=cast.committee_b.pk)
    client = cast.client_for(cast.secretary_a1)
    assert client.get(_create_url(key)).status_code == 404
    response = client.post(_create_url(key), _data(framework))
    assert response.status_code == 404
    _nothing_saved()


def test_form_shows_the_six_measures_with_code_title_and_subtitle(cast, framework):
    page = cast.client_for(cast.secretary_a1).get(CREATE).content.decode()
    for n in range(1, 7):
        assert f">M{n}</span>" in page
        assert f"Measure {n}" in page  # title_display, in the page's language
        assert f"Subtitle {n}" in page
    assert page.count('type="radio" name="measure"') == 6
    assert str(framework["foreign_measure"].title) not in page


def test_form_offers_the_committees_roster_and_says_where_a_missing_partner_comes_from(
    cast, framework
):
    own = factories.PartnerFactory(committee=cast.committee_a, name="春江街道", city="杭州")
    retired = factories.PartnerFactory(committee=cast.committee_a, name="旧单位", is_active=False)
    foreign = factories.PartnerFactory(committee=cast.committee_b, name="外委共建单位")
    page = cast.client_for(cast.secretary_a1).get(CREATE).content.decode()
    assert f'name="partners" value="{own.pk}"' in page
    assert retired.name not in page
    assert foreign.name not in page
    assert "Partner missing? Ask your committee's portal administrator" in page
    assert "data-choice-search" in page  # the search box, shown by the script


def test_members_of_the_branch_are_listed_and_the_others_are_found_by_search(cast, framework):
    left = factories.MemberFactory(
        branch=cast.branch_a1, name="已转出党员", active_to=timezone.localdate() - dt.timedelta(1)
    )
    page = cast.client_for(cast.secretary_a1).get(CREATE).content.decode()
    assert f'name="attendees" value="{cast.member_a1.pk}"' in page
    assert "data-select-all" in page
    assert cast.member_a2.name not in page  # another branch's member: found by search
    assert left.name not in page
    assert cast.member_b1.name not in page
    assert "data-member-search-input" in page


def test_committee_level_form_lists_no_branch_and_finds_members_by_search(cast, framework):
    page = cast.client_for(cast.staff_a).get(CREATE).content.decode()
    assert 'name="co_branches"' not in page
    assert 'name="attendees"' not in page
    assert "data-member-search-input" in page


# --- Saving -------------------------------------------------------------------------------


def test_secretary_logs_a_draft_with_partners_attendees_goals_and_files(cast, framework):
    partners = factories.PartnerFactory.create_batch(2, committee=cast.committee_a)
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    data = _data(
        framework,
        partners=[str(p.pk) for p in partners],
        attendees=[str(cast.member_a1.pk), str(cast.member_a2.pk)],
        co_branches=[str(cast.branch_a2.pk)],
        goals=[str(framework["goals"][0].pk), str(framework["goals"][2].pk)],
        partnership=str(partnership.pk),
    )
    data.update(
        rows(
            ("photo", "合影", [photo("1.jpg"), photo("2.jpg")]),
            ("sign_in", "签到表", upload("签到表.pdf", PDF, "application/pdf")),
        )
    )
    response = cast.client_for(cast.secretary_a1).post(CREATE, data, follow=True)

    activity = Activity.objects.get()
    assert response.redirect_chain[0][0] == reverse("activities:detail", args=[activity.pk])
    assert "was saved as a draft" in response.content.decode()
    assert activity.status == ActivityStatus.DRAFT
    assert activity.branch == cast.branch_a1
    assert activity.committee == cast.committee_a
    assert activity.created_by == cast.secretary_a1
    assert activity.partnership == partnership
    assert (activity.external_participants, activity.volunteers, activity.beneficiaries) == (
        12,
        3,
        40,
    )
    assert set(activity.partners.all()) == set(partners)
    assert set(activity.attendees.all()) == {cast.member_a1, cast.member_a2}
    assert list(activity.co_branches.all()) == [cast.branch_a2]
    assert set(activity.goals.all()) == {framework["goals"][0], framework["goals"][2]}
    assert sorted(activity.attachments.values_list("kind", "caption")) == [
        ("photo", "合影"),
        ("photo", "合影"),
        ("sign_in", "签到表"),
    ]
    assert not StagedUpload.objects.exists()
    assert list(activity.events.values_list("action", flat=True)) == [ActivityAction.CREATED]


def test_times_are_read_in_shanghai_time(cast, framework):
    _post(cast, framework, starts_at="2024-05-06T09:30", ends_at="2024-05-06T11:00")
    activity = Activity.objects.get()
    assert activity.starts_at == dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)
    page = cast.client_for(cast.secretary_a1).get(reverse("activities:edit", args=[activity.pk]))
    assert 'value="2024-05-06T09:30"' in page.content.decode()


def test_empty_counts_are_saved_as_zero(cast, framework):
    _post(cast, framework, external_participants="", volunteers="", beneficiaries="")
    activity = Activity.objects.get()
    assert (activity.external_participants, activity.volunteers, activity.beneficiaries) == (
        0,
        0,
        0,
    )


def test_save_and_submit_sends_the_activity_for_review(cast, framework):
    partner = factories.PartnerFactory(committee=cast.committee_a)
    response = _post(
        cast,
        framework,
        save=None,
        submit_for_review="1",
        partners=[str(partner.pk)],
        attendees=[str(cast.member_a1.pk)],
        **rows(("photo", "合影", photo())),
    )
    activity = Activity.objects.get()
    assert response.url == reverse("activities:detail", args=[activity.pk])
    assert activity.status == ActivityStatus.SUBMITTED
    assert list(activity.events.values_list("action", flat=True)) == [
        ActivityAction.CREATED,
        ActivityAction.SUBMITTED,
    ]


def test_submitting_an_activity_that_has_not_happened_keeps_the_draft_and_says_why(cast, framework):
    tomorrow = _local(days_ago=-1)
    client = cast.client_for(cast.secretary_a1)
    response = client.post(
        CREATE,
        _data(
            framework,
            save=None,
            submit_for_review="1",
            starts_at=tomorrow.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(tomorrow + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
        follow=True,
    )
    activity = Activity.objects.get()
    assert activity.status == ActivityStatus.DRAFT
    page = response.content.decode()
    assert "was saved as a draft but not submitted" in page
    assert "once it has taken place" in page


def test_committee_staff_log_a_committee_level_activity(cast, framework):
    _post(
        cast,
        framework,
        user=cast.staff_a,
        attendees=[str(cast.member_a1.pk), str(cast.member_a2.pk)],
    )
    activity = Activity.objects.get()
    assert activity.branch is None
    assert activity.committee == cast.committee_a
    assert set(activity.attendees.all()) == {cast.member_a1, cast.member_a2}


# --- Bad input: a message on the page, nothing saved -------------------------------------------


def _assert_refused(response, *messages: str) -> None:
    assert response.status_code == 200
    assert response.templates[0].name == "activities/form.html"
    page = response.content.decode()
    assert "Nothing was saved" in page
    for message in messages:
        assert message in page, message
    _nothing_saved()


@pytest.mark.parametrize("field", ["title", "kind", "starts_at", "ends_at", "measure"])
def test_required_field_left_empty_is_refused(cast, framework, field):
    response = _post(cast, framework, **{field: ""})
    _assert_refused(response, "This field is required.")
    assert response.context["form"].errors[field]


def test_end_before_start_is_refused(cast, framework):
    start = _local()
    response = _post(
        cast,
        framework,
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    _assert_refused(response, "The activity cannot end before it starts.")


def test_an_end_far_after_the_start_is_refused(cast, framework):
    """A typo in the end year (2999) would make a one-evening event last for centuries."""
    start = _local()
    response = _post(
        cast,
        framework,
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=start.replace(year=2999).strftime("%Y-%m-%dT%H:%M"),
    )
    _assert_refused(response, "An activity lasts at most 31 days")


def test_malformed_date_is_refused(cast, framework):
    _assert_refused(_post(cast, framework, starts_at="2024-13-45T99:00"), "Enter a valid date")


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("1999-12-31T09:00", "The start date is before 2000"),
        ("0001-01-01T00:00", "The start date is before 2000"),
        ("{far}", "more than 365 days ahead"),
    ],
)
def test_dates_far_in_the_past_or_future_are_refused(cast, framework, starts_at, message):
    far = timezone.localdate() + dt.timedelta(days=400)
    starts_at = starts_at.format(far=f"{far:%Y-%m-%d}T09:00")
    response = _post(cast, framework, starts_at=starts_at, ends_at=f"{far:%Y-%m-%d}T10:00")
    _assert_refused(response, message)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("volunteers", "-1", "greater than or equal to 0"),
        ("beneficiaries", str(MAX_PEOPLE_COUNT + 1), "less than or equal to 100000"),
        ("external_participants", "99999999999999999999", "less than or equal to 100000"),
        ("volunteers", "three", "Enter a whole number."),
    ],
)
def test_negative_absurd_or_wordy_counts_are_refused(cast, framework, field, value, message):
    response = _post(cast, framework, **{field: value})
    _assert_refused(response, message)
    assert response.context["form"].errors[field]


def _forged(cast, framework, name):
    """A value of ``name`` that the secretary of A1 cannot pick, however it is typed in."""
    former = factories.MemberFactory(
        branch=cast.branch_a1, active_to=timezone.localdate() - dt.timedelta(days=10)
    )
    return {
        "partners": str(factories.PartnerFactory(committee=cast.committee_b).pk),
        "goals": str(framework["foreign_goal"].pk),
        "co_branches": str(cast.branch_b1.pk),
        "attendees": str(cast.member_b1.pk),
        "partnership": str(factories.PartnershipFactory(committee=cast.committee_b).pk),
        "measure": str(framework["foreign_measure"].pk),
        "former": str(former.pk),
        "own_branch_as_co": str(cast.branch_a1.pk),
        "other_branchs_partnership": str(
            factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a2).pk
        ),
    }[name]


@pytest.mark.parametrize(
    ("field", "forged"),
    [
        ("partners", "partners"),
        ("goals", "goals"),
        ("co_branches", "co_branches"),
        ("attendees", "attendees"),
        ("partnership", "partnership"),
        ("measure", "measure"),
        ("attendees", "former"),
        ("co_branches", "own_branch_as_co"),
        ("partnership", "other_branchs_partnership"),
    ],
)
def test_choice_from_another_committee_or_branch_forged_in_the_post_is_refused(
    cast, framework, field, forged
):
    response = _post(cast, framework, **{field: _forged(cast, framework, forged)})
    _assert_refused(response, "Select a valid choice")
    assert response.context["form"].errors[field]


def test_member_of_another_branch_without_it_as_co_organiser_is_refused(cast, framework):
    response = _post(cast, framework, attendees=[str(cast.member_a1.pk), str(cast.member_a2.pk)])
    _assert_refused(response, "李娜 belong to another branch")


def test_text_is_shown_escaped_when_the_form_comes_back(cast, framework):
    factories.PartnerFactory(committee=cast.committee_a, name="<b>伪造</b>单位")
    response = _post(cast, framework, title="<script>alert(1)</script>", ends_at="")
    _assert_refused(response)
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;伪造&lt;/b&gt;单位" in page


# --- Files on the form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("photo", "page.jpg", HTML_AS_JPEG, "“page.jpg” is not a photo"),
        ("photo", "logo.jpg", SVG_AS_JPEG, "“logo.jpg” is not a photo"),
        ("photo", "half.jpg", truncated_jpeg(), "“half.jpg” is damaged or incomplete"),
        ("sign_in", "sheet.jpg", HTML_AS_JPEG, "“sheet.jpg” is not accepted"),
        ("document", "notes.pdf", b"%PDF-1.4 no end", "“notes.pdf” is not a complete PDF"),
    ],
)
def test_rejected_file_is_named_and_nothing_is_saved(cast, framework, kind, name, content, message):
    data = _data(framework)
    data.update(rows((kind, "", upload(name, content))))
    response = cast.client_for(cast.secretary_a1).post(CREATE, data)
    _assert_refused(response, message)
    assert not StagedUpload.objects.exists()


def test_file_over_the_size_limit_is_refused(cast, framework, settings):
    settings.ATTACHMENT_MAX_FILE_MB = 1
    data = _data(framework)
    data.update(rows(("photo", "", upload("big.jpg", b"\xff\xd8" + b"0" * (1024 * 1024)))))
    response = cast.client_for(cast.secretary_a1).post(CREATE, data)
    _assert_refused(response, "“big.jpg” is 1.0\xa0MB; a file may be at most 1.0\xa0MB.")


def test_files_over_the_activity_total_are_refused_and_kept_for_removal(cast, framework, settings):
    """A file beyond the total is not even kept; those already kept stay, to be removed."""
    settings.ATTACHMENT_MAX_TOTAL_MB = 1
    first = staged_upload_create(owner=cast.secretary_a1, upload=photo("1.jpg"), kind="photo")
    StagedUpload.objects.filter(pk=first.pk).update(size=1024 * 1024)
    data = _data(framework, staged=[str(first.pk)])
    data.update(rows(("photo", "", photo("2.jpg"))))
    response = cast.client_for(cast.secretary_a1).post(CREATE, data)
    _assert_refused(response, "“2.jpg” was not kept: the files waiting for your activity form")
    assert StagedUpload.objects.count() == 1
    page = response.content.decode()
    for staged in StagedUpload.objects.all():
        assert f'name="staged" value="{staged.pk}"' in page
        assert f'name="staged_remove" value="{staged.pk}"' in page


@pytest.mark.parametrize("kind", ["sign_in", "document"])
def test_pdf_is_accepted_as_sign_in_sheet_or_document(cast, framework, kind):
    data = _data(framework)
    data.update(rows((kind, "", upload("签到.pdf", PDF, "application/pdf"))))
    cast.client_for(cast.secretary_a1).post(CREATE, data)
    attachment = Attachment.objects.get()
    assert attachment.kind == kind
    assert attachment.original_name == "签到.pdf"


def test_caption_without_a_file_is_pointed_out(cast, framework):
    data = _data(framework)
    data.update(rows(("photo", "合影", [])))
    _assert_refused(
        cast.client_for(cast.secretary_a1).post(CREATE, data),
        "Choose the file this caption belongs to.",
    )


def test_photos_accepted_on_a_failed_try_are_kept_and_saved_on_the_next(cast, framework):
    client = cast.client_for(cast.secretary_a1)
    data = _data(framework, title="")
    data.update(rows(("photo", "合影", photo("合影.jpg"))))
    response = client.post(CREATE, data)
    _assert_refused(response, "This field is required.", "you do not need to choose them again")
    staged = StagedUpload.objects.get()
    page = response.content.decode()
    assert f'<input type="hidden" name="staged" value="{staged.pk}">' in page
    assert reverse("protected_file", kwargs={"path": staged.thumbnail.name}) in page
    assert "合影" in page
    thumbnail = client.get(reverse("protected_file", kwargs={"path": staged.thumbnail.name}))
    assert thumbnail.status_code == 200

    client.post(CREATE, _data(framework, staged=[str(staged.pk)]))
    activity = Activity.objects.get()
    attachment = activity.attachments.get()
    assert (attachment.caption, attachment.original_name) == ("合影", "合影.jpg")
    assert attachment.file.name == staged.file.name
    assert not StagedUpload.objects.exists()


def test_rejected_file_next_to_a_good_one_keeps_the_good_one(cast, framework):
    data = _data(framework)
    data.update(rows(("photo", "", photo("好.jpg")), ("photo", "", upload("坏.jpg", HTML_AS_JPEG))))
    response = cast.client_for(cast.secretary_a1).post(CREATE, data)
    _assert_refused(response, "“坏.jpg” is not a photo")
    assert StagedUpload.objects.get().original_name == "好.jpg"


def test_staged_file_ticked_for_removal_is_dropped(cast, framework):
    staged = staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")
    _post(cast, framework, staged=[str(staged.pk)], staged_remove=[str(staged.pk)])
    assert not StagedUpload.objects.exists()
    assert not Attachment.objects.exists()
    assert Activity.objects.count() == 1


def test_somebody_elses_staged_file_cannot_be_taken(cast, framework):
    theirs = staged_upload_create(owner=cast.secretary_a2, upload=photo(), kind="photo")
    _post(cast, framework, staged=[str(theirs.pk), "²", "9" * 30], staged_remove=[str(theirs.pk)])
    assert Activity.objects.count() == 1
    assert not Attachment.objects.exists()
    assert StagedUpload.objects.get() == theirs


# --- Editing ------------------------------------------------------------------------------


@pytest.fixture
def activity(cast, framework):
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=framework["measures"][1],
        title="组织联建：消防演练",
        partners=[],
        attendees=[cast.member_a1],
        evidence=False,  # the tests add its files
    )
    return activity


def _edit_url(activity) -> str:
    return reverse("activities:edit", args=[activity.pk])


def _edit_data(framework, activity, **overrides) -> dict:
    local = timezone.localtime(activity.starts_at)
    data = _data(
        framework,
        title=activity.title,
        measure=str(activity.measure_id),
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        attendees=[str(m.pk) for m in activity.attendees.all()],
        version=str(activity.version),
    )
    data.update({k: v for k, v in overrides.items() if v is not None})
    return data


def test_edit_form_is_filled_in_with_the_activity_and_its_version(cast, activity):
    page = cast.client_for(cast.secretary_a1).get(_edit_url(activity)).content.decode()
    assert 'value="组织联建：消防演练"' in page
    assert f'<input type="hidden" name="version" value="{activity.version}"' in page
    checkbox = page.split(f'name="attendees" value="{cast.member_a1.pk}"')[1].split(">")[0]
    assert f'data-branch="{cast.branch_a1.pk}"' in checkbox
    assert "checked" in checkbox


def test_organiser_changes_a_draft(cast, framework, activity):
    version = activity.version
    response = cast.client_for(cast.secretary_a1).post(
        _edit_url(activity),
        _edit_data(framework, activity, title="组织联建：应急演练", attendees=[]),
    )
    assert response.url == reverse("activities:detail", args=[activity.pk])
    activity.refresh_from_db()
    assert activity.title == "组织联建：应急演练"
    assert activity.version == version + 1
    assert not activity.attendees.exists()
    assert activity.events.filter(action=ActivityAction.EDITED, actor=cast.secretary_a1).exists()


def test_stale_version_is_refused_and_nothing_is_saved(cast, framework, activity):
    data = _edit_data(framework, activity, title="我的修改", attendees=[])
    activity.title = "别人的修改"
    activity.version += 1
    activity.save()

    response = cast.client_for(cast.secretary_a1).post(_edit_url(activity), data)
    assert response.status_code == 200
    assert "Somebody else changed this activity after you opened it" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "别人的修改"
    assert list(activity.attendees.all()) == [cast.member_a1]
    assert not activity.events.filter(action=ActivityAction.EDITED).exists()


def test_missing_version_is_refused(cast, framework, activity):
    data = _edit_data(framework, activity, title="我的修改")
    del data["version"]
    response = cast.client_for(cast.secretary_a1).post(_edit_url(activity), data)
    assert "Nothing was saved" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "组织联建：消防演练"


def test_bad_edit_changes_nothing_at_all(cast, framework, activity):
    foreign = factories.PartnerFactory(committee=cast.committee_b)
    data = _edit_data(framework, activity, title="改了", partners=[str(foreign.pk)], attendees=[])
    data.update(rows(("photo", "", photo())))
    response = cast.client_for(cast.secretary_a1).post(_edit_url(activity), data)
    assert "Select a valid choice" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "组织联建：消防演练"
    assert list(activity.attendees.all()) == [cast.member_a1]
    assert not activity.partners.exists()
    assert not activity.attachments.exists()
    assert activity.events.count() == 0


def test_attendee_who_left_stays_selectable_on_edit(cast, framework, activity):
    left = factories.MemberFactory(branch=cast.branch_a1, name="调走的党员")
    activity.attendees.add(left)
    left.active_to = timezone.localdate() - dt.timedelta(days=1)
    left.save()
    client = cast.client_for(cast.secretary_a1)
    assert f'value="{left.pk}"' in client.get(_edit_url(activity)).content.decode()
    client.post(
        _edit_url(activity),
        _edit_data(framework, activity, attendees=[str(left.pk), str(cast.member_a1.pk)]),
    )
    assert set(activity.attendees.all()) == {left, cast.member_a1}


def test_returned_activity_is_fixed_and_resubmitted(cast, framework, activity):
    activity.status = ActivityStatus.RETURNED
    activity.review_comment = "请补充签到表"
    activity.save()
    client = cast.client_for(cast.secretary_a1)
    assert "请补充签到表" in client.get(_edit_url(activity)).content.decode()
    data = _edit_data(
        framework, activity, save=None, submit_for_review="1", no_partner_reason="支部内部学习"
    )
    data.pop("save", None)
    data.update(rows(("sign_in", "签到表", upload("签到表.pdf", PDF, "application/pdf"))))
    client.post(_edit_url(activity), data)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.attachments.get().kind == "sign_in"


def test_edit_lists_the_saved_files_with_delete_links(cast, framework, activity):
    attachment = Attachment.objects.create(
        activity=activity, file="activities/x/doc.pdf", kind="document", original_name="方案.pdf"
    )
    page = cast.client_for(cast.secretary_a1).get(_edit_url(activity)).content.decode()
    assert "方案.pdf" in page
    assert reverse("activities:attachment_delete", args=[attachment.pk]) in page


def test_edit_by_another_branch_is_not_found(cast, activity):
    assert cast.client_for(cast.secretary_a2).get(_edit_url(activity)).status_code == 404
    assert cast.client_for(cast.admin_b).get(_edit_url(activity)).status_code == 404


@pytest.mark.parametrize("who", ["staff_a", "admin_a", "co_organiser"])
def test_edit_by_a_reader_who_is_not_the_organiser_is_forbidden(cast, framework, activity, who):
    if who == "co_organiser":
        activity.co_branches.add(cast.branch_a2)
        user = cast.secretary_a2
    else:
        user = getattr(cast, who)
    client = cast.client_for(user)
    assert client.get(_edit_url(activity)).status_code == 403
    response = client.post(_edit_url(activity), _edit_data(framework, activity, title="改"))
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.title == "组织联建：消防演练"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ActivityStatus.SUBMITTED, "waiting for review"),
        (ActivityStatus.APPROVED, "has been approved and is locked"),
    ],
)
def test_locked_activity_sends_its_organiser_back_to_it_with_the_reason(
    cast, framework, activity, status, message
):
    activity.status = status
    activity.save()
    client = cast.client_for(cast.secretary_a1)
    response = client.get(_edit_url(activity), follow=True)
    assert response.redirect_chain[0][0] == reverse("activities:detail", args=[activity.pk])
    assert message in response.content.decode()
    response = client.post(_edit_url(activity), _edit_data(framework, activity, title="改"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "组织联建：消防演练"


# --- Queries ------------------------------------------------------------------------------


def _more_rows(cast, activity=None, n=5):
    factories.PartnerFactory.create_batch(n, committee=cast.committee_a)
    factories.MemberFactory.create_batch(n, branch=cast.branch_a1)
    factories.MemberFactory.create_batch(n, branch=cast.branch_a2)
    factories.PartnershipFactory.create_batch(2, committee=cast.committee_a)
    factories.BranchFactory(committee=cast.committee_a)
    if activity is not None:
        for i in range(n):
            Attachment.objects.create(
                activity=activity,
                file=f"activities/x/{i}.jpg",
                thumbnail=f"activities/x/{i}-t.jpg",
                kind="photo",
            )


#: session, user, scope (2), navigation count, measures, goals, partners, partnerships,
#: branches, members, and the members' branches' names come with them (select_related).
#: The shorter form (issue 15) adds four: the usual place, the activities to copy from, the
#: partners' order for the branch, and each partnership's units (was 12).
CREATE_PAGE_QUERIES = 16
#: the create page's but the place and copy list, plus the activity, its four relations'
#: initial values and its files (was 17)
EDIT_PAGE_QUERIES = 19
#: a failed POST also reads the staged files and checks each submitted choice, and looks for
#: an activity its one-time token already made (issue 14; was 15; issue 15: 16 → 19)
FAILED_POST_QUERIES = 19


def test_create_page_queries_do_not_grow_with_partners_or_members(
    cast, framework, django_assert_num_queries
):
    client = cast.client_for(cast.secretary_a1)
    _more_rows(cast)
    with django_assert_num_queries(CREATE_PAGE_QUERIES):
        assert client.get(CREATE).status_code == 200
    _more_rows(cast, n=20)
    with django_assert_num_queries(CREATE_PAGE_QUERIES):
        assert client.get(CREATE).status_code == 200


def test_edit_page_queries_do_not_grow_with_partners_members_or_files(
    cast, framework, activity, django_assert_num_queries
):
    client = cast.client_for(cast.secretary_a1)
    _more_rows(cast, activity)
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        assert client.get(_edit_url(activity)).status_code == 200
    _more_rows(cast, activity, n=20)
    activity.partners.set(factories.PartnerFactory.create_batch(3, committee=cast.committee_a))
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        assert client.get(_edit_url(activity)).status_code == 200


def test_failed_post_with_staged_files_queries_do_not_grow(
    cast, framework, django_assert_num_queries
):
    client = cast.client_for(cast.secretary_a1)
    few = [staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")]
    many = few + [
        staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")
        for _ in range(5)
    ]
    _more_rows(cast)
    token = "pinned-count-token-0000"  # as the page sends it
    with django_assert_num_queries(FAILED_POST_QUERIES):
        client.post(
            CREATE, _data(framework, title="", staged=[str(s.pk) for s in few], form_token=token)
        )
    with django_assert_num_queries(FAILED_POST_QUERIES):
        client.post(
            CREATE, _data(framework, title="", staged=[str(s.pk) for s in many], form_token=token)
        )
    _nothing_saved()


#: A successful create POST with every relation filled in, savepoints included: session,
#: user, scope, organisers, the form's choices and their checks (the model's check
#: constraints are tested in Python: no query), the activity, one INSERT per relation, ONE
#: history record (its row, and each relation's rows read and written once), the timeline
#: event, the staged files. It was ~80 and grew with the relations set: every ``.set()``
#: wrote a history record that re-read all four relations. The form's one-time token costs
#: two (issue 14): the look-up of an activity it already made, and claiming it (was 32).
CREATE_POST_QUERIES = 34


def _full_post(cast, framework, n: int) -> dict:
    partners = factories.PartnerFactory.create_batch(n, committee=cast.committee_a)
    members = factories.MemberFactory.create_batch(n, branch=cast.branch_a1)
    return _data(
        framework,
        title=f"联学 {n}",
        partners=[str(p.pk) for p in partners],
        attendees=[str(m.pk) for m in members],
        co_branches=[str(cast.branch_a2.pk)],
        goals=[str(g.pk) for g in framework["goals"]],
        form_token=f"pinned-count-token-{n:04}",  # as the page sends it
    )


def test_create_post_queries_are_few_and_do_not_grow_with_relations(
    cast, framework, django_assert_num_queries
):
    client = cast.client_for(cast.secretary_a1)
    few, many = _full_post(cast, framework, 2), _full_post(cast, framework, 12)
    with django_assert_num_queries(CREATE_POST_QUERIES):
        assert client.post(CREATE, few).status_code == 302
    with django_assert_num_queries(CREATE_POST_QUERIES):
        assert client.post(CREATE, many).status_code == 302
    assert Activity.objects.get(title="联学 12").attendees.count() == 12


def test_create_and_edit_write_one_history_record_each_with_the_final_relations(cast, framework):
    client = cast.client_for(cast.secretary_a1)
    data = _full_post(cast, framework, 3)
    assert client.post(CREATE, data).status_code == 302
    activity = Activity.objects.get()

    created = activity.history.get()
    assert created.history_type == "+"
    assert created.history_user == cast.secretary_a1
    assert {r.partnerorganisation_id for r in created.partners.all()} == {
        int(p) for p in data["partners"]
    }
    assert {r.member_id for r in created.attendees.all()} == {int(m) for m in data["attendees"]}
    assert {r.goal_id for r in created.goals.all()} == {g.pk for g in framework["goals"]}
    assert [r.branch_id for r in created.co_branches.all()] == [cast.branch_a2.pk]

    kept = data["attendees"][:1]
    edit = _edit_data(framework, activity, partners=[], attendees=kept, goals=[], co_branches=[])
    assert client.post(_edit_url(activity), edit).status_code == 302

    assert activity.history.count() == 2
    changed = activity.history.latest()
    assert changed.history_type == "~"
    assert not changed.partners.exists()
    assert [r.member_id for r in changed.attendees.all()] == [int(kept[0])]
    assert not changed.goals.exists()
    assert not changed.co_branches.exists()


# --- A form sent twice saves once (the create form's one-time token) ---------------------------


def _form_token(response) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert match, "the create form carries its one-time token"
    return match.group(1)


def test_the_same_create_form_sent_three_times_makes_one_activity(cast, framework):
    """A double tap on a slow phone network (the review sent three identical POSTs, which
    made three activities): the first makes the activity, the others land on it, and their
    photos are not kept a second time."""
    client = cast.client_for(cast.secretary_a1)
    token = _form_token(client.get(CREATE))

    responses = [
        client.post(
            CREATE,
            _data(framework, form_token=token, **rows(("photo", "合影", photo()))),
            follow=True,
        )
        for _ in range(3)
    ]

    activity = Activity.objects.get()
    detail = reverse("activities:detail", args=[activity.pk])
    assert [r.redirect_chain for r in responses] == [[(detail, 302)]] * 3
    assert [str(m) for m in responses[1].context["messages"]] == [
        "This form was saved already (was it sent twice?): nothing was saved again."
    ]
    assert activity.attachments.count() == 1
    assert not StagedUpload.objects.exists()
    assert activity.events.count() == 1  # created, once


def test_a_new_form_gets_a_new_token(cast, framework):
    client = cast.client_for(cast.secretary_a1)
    first, second = _form_token(client.get(CREATE)), _form_token(client.get(CREATE))
    assert first != second
    for token in (first, second):
        client.post(CREATE, _data(framework, form_token=token))
    assert Activity.objects.count() == 2


def test_a_form_sent_back_with_mistakes_keeps_its_token_and_still_saves_once(cast, framework):
    client = cast.client_for(cast.secretary_a1)
    token = _form_token(client.get(CREATE))

    failed = client.post(CREATE, _data(framework, form_token=token, title=""))

    assert failed.status_code == 200
    assert _form_token(failed) == token
    _nothing_saved()
    for _ in range(2):
        client.post(CREATE, _data(framework, form_token=token))
    assert Activity.objects.count() == 1


def test_a_token_is_its_senders_only(cast, framework):
    """Another login sending the same token makes its own activity and never lands on the
    first one's (which it might not be allowed to read)."""
    key = f"c{cast.committee_a.pk}"
    token = _form_token(cast.client_for(cast.staff_a).get(_create_url(key)))
    for user in (cast.staff_a, cast.admin_a):
        cast.client_for(user).post(_create_url(key), _data(framework, form_token=token))
    assert sorted(a.created_by.username for a in Activity.objects.all()) == ["admin_a", "staff_a"]


@pytest.mark.parametrize("junk", ["", "short", "x" * 65, "<script>alert(1)</script>" * 2, "²" * 20])
def test_a_form_without_a_token_of_ours_is_saved_as_before(cast, framework, junk):
    """A form opened before the token existed, or a forged value: saved, without the guard."""
    client = cast.client_for(cast.secretary_a1)
    for _ in range(2):
        assert client.post(CREATE, _data(framework, form_token=junk)).status_code == 302
    assert Activity.objects.count() == 2


def test_the_form_opens_preset_to_the_measure_asked_for(cast):
    """The home page's "log one" button for a measure not yet covered this quarter."""
    measures = [
        factories.MeasureFactory(committee=cast.committee_a, position=n, code=f"M{n}")
        for n in (1, 2, 3)
    ]
    other_committees = factories.MeasureFactory(committee=cast.committee_b)
    client = cast.client_for(cast.secretary_a1)
    url = reverse("activities:create")

    html = client.get(f"{url}?measure={measures[1].pk}").content.decode()
    checked = re.findall(r'<input type="radio" name="measure" value="(\d+)"[^>]*checked', html)
    assert checked == [str(measures[1].pk)]

    for foreign in (other_committees.pk, "abc", ""):
        response = client.get(f"{url}?measure={foreign}")
        assert response.status_code == 200
        assert not re.search(
            r'<input type="radio" name="measure" value="\d+"[^>]*checked', response.content.decode()
        )
