"""The review workflow through the activity page's buttons: submit, approve, return, reopen.

Every move is recorded (who, when, why) and shown on the timeline; a move the status does not
allow, a missing reason or a stale page is refused with a message and writes nothing; a user
without the right gets 403, an outsider 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from activities import services
from activities.models import Activity, ActivityAction, ActivityEvent, ActivityStatus
from branches.access import forget_scope
from branches.models import CommitteeRoleKind
from branches.services import committee_role_grant
from tests import factories
from tests.activities.test_detail import (
    detail_url,
    english,
    make_activity,
    page,
    transition_forms,
)

SLUG = {
    ActivityAction.SUBMITTED: "submit",
    ActivityAction.APPROVED: "approve",
    ActivityAction.RETURNED: "return",
    ActivityAction.REOPENED: "reopen",
}


def kept_relations(activity: Activity) -> dict[str, list]:
    """An edit keeps the partner and the attendees (the form sends them back each time)."""
    return {"partners": list(activity.partners.all()), "attendees": list(activity.attendees.all())}


def transition_url(activity: Activity, slug: str) -> str:
    return reverse("activities:transition", kwargs={"pk": activity.pk, "action": slug})


def post(cast, user, activity, slug, **data):
    """POST the button's form as the page sends it (with the version it shows), follow back."""
    data.setdefault("version", Activity.objects.get(pk=activity.pk).version)
    client = english(cast.client_for(user))
    return client.post(transition_url(activity, slug), data, follow=True)


def written(activity: Activity) -> tuple[str, int, int]:
    """What a refused move must leave alone: status, version and the timeline."""
    fresh = Activity.objects.get(pk=activity.pk)
    return fresh.status, fresh.version, ActivityEvent.objects.filter(activity=activity).count()


def message_of(response) -> tuple[str, str]:
    """The message saying what was done (after a review decision, one saying where the
    reviewer is taken next may follow it)."""
    message, *_next = list(response.context["messages"])
    return message.level_tag, str(message)


def assert_back_on_the_page(response, activity):
    assert response.redirect_chain == [(detail_url(activity), 302)]
    assert response.status_code == 200


def move_to(cast, activity: Activity, status: str) -> Activity:
    """Take ``activity`` (a draft) to ``status`` through the services."""
    steps = {
        ActivityStatus.DRAFT: [],
        ActivityStatus.SUBMITTED: [(ActivityAction.SUBMITTED, cast.secretary_a1)],
        ActivityStatus.APPROVED: [
            (ActivityAction.SUBMITTED, cast.secretary_a1),
            (ActivityAction.APPROVED, cast.staff_a),
        ],
        ActivityStatus.RETURNED: [
            (ActivityAction.SUBMITTED, cast.secretary_a1),
            (ActivityAction.RETURNED, cast.staff_a),
        ],
    }[status]
    for action, user in steps:
        services.activity_transition(activity, action=action, by=user, comment="理由")
    activity.refresh_from_db()
    assert activity.status == status
    return activity


# --- The whole workflow ------------------------------------------------------------------


def test_the_whole_workflow_through_the_pages(cast):
    activity = make_activity(cast, summary="初稿")
    assert activity.status == ActivityStatus.DRAFT

    # The secretary submits the draft.
    response = post(cast, cast.secretary_a1, activity, "submit")
    assert_back_on_the_page(response, activity)
    assert message_of(response) == ("success", "Submitted for review.")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.submitted_at is not None

    # Committee staff return it with a comment; the secretary sees it in the banner.
    response = post(cast, cast.staff_a, activity, "return", comment="请补充照片和签到表")
    assert message_of(response) == (
        "success",
        f"“{activity.title}” was returned to the organiser with your comment.",
    )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RETURNED
    assert activity.reviewed_by == cast.staff_a
    assert activity.review_comment == "请补充照片和签到表"
    html = english(cast.client_for(cast.secretary_a1)).get(detail_url(activity)).content.decode()
    assert 'class="review-banner"' in html
    assert "请补充照片和签到表" in html

    # The secretary fixes it (the edit page calls this service) and resubmits.
    services.activity_update(
        activity,
        by=cast.secretary_a1,
        expected_version=activity.version,
        summary="修改稿",
        **kept_relations(activity),
    )
    response = post(cast, cast.secretary_a1, activity, "submit")
    assert message_of(response) == ("success", "Submitted for review.")

    # A committee admin approves it, with a comment: it is locked for the branch.
    response = post(cast, cast.admin_a, activity, "approve", comment="材料齐全")
    assert message_of(response) == ("success", f"“{activity.title}” was approved.")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED
    assert activity.reviewed_by == cast.admin_a
    html = english(cast.client_for(cast.secretary_a1)).get(detail_url(activity)).content.decode()
    assert reverse("activities:edit", kwargs={"pk": activity.pk}) not in html
    assert "workflow/" not in html
    with pytest.raises(PermissionDenied):
        services.activity_update(
            activity, by=cast.secretary_a1, expected_version=activity.version, summary="偷改"
        )
    response = post(cast, cast.secretary_a1, activity, "submit")
    assert message_of(response)[0] == "error"

    # Staff reopen it with a reason; the secretary resubmits; staff approve again.
    response = post(cast, cast.staff_a, activity, "reopen", comment="受益人数需要更正")
    assert message_of(response) == ("success", "Reopened: the organiser can change it again.")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.RETURNED
    post(cast, cast.secretary_a1, activity, "submit")
    post(cast, cast.staff_a, activity, "approve")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED
    assert activity.summary == "修改稿"

    events = list(activity.events.order_by("at", "pk"))
    assert [(e.action, e.actor, e.comment, e.from_status, e.to_status) for e in events] == [
        ("created", cast.secretary_a1, "", "", "draft"),
        ("submitted", cast.secretary_a1, "", "draft", "submitted"),
        ("returned", cast.staff_a, "请补充照片和签到表", "submitted", "returned"),
        ("edited", cast.secretary_a1, "", "", "returned"),
        ("submitted", cast.secretary_a1, "", "returned", "submitted"),
        ("approved", cast.admin_a, "材料齐全", "submitted", "approved"),
        ("reopened", cast.staff_a, "受益人数需要更正", "approved", "returned"),
        ("submitted", cast.secretary_a1, "", "returned", "submitted"),
        ("approved", cast.staff_a, "", "submitted", "approved"),
    ]

    # The page shows the same story, oldest first.
    html = english(cast.client_for(cast.secretary_a1)).get(detail_url(activity)).content.decode()
    timeline = html[html.index('class="timeline"') :]
    labels = [
        "Created",
        "Submitted for review",
        "Returned for changes",
        "Edited",
        "Submitted for review",
        "Approved",
        "Reopened",
        "Submitted for review",
        "Approved",
    ]
    position = 0
    for label, event in zip(labels, events, strict=True):
        position = timeline.index(f'<strong class="timeline__action">{label}</strong>', position)
        entry = timeline[position : timeline.index("</li>", position)]
        assert event.actor.get_username() in entry
        assert timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M") in entry
        if event.comment:
            assert event.comment in entry
        position += 1
    assert 'class="status status--approved">Approved</span>' in html


# --- Moves the status does not allow -------------------------------------------------------

REVIEWER_SLUGS = ("approve", "return", "reopen")
ILLEGAL = [
    (ActivityStatus.DRAFT, "approve"),
    (ActivityStatus.DRAFT, "return"),
    (ActivityStatus.DRAFT, "reopen"),
    (ActivityStatus.SUBMITTED, "submit"),
    (ActivityStatus.SUBMITTED, "reopen"),
    (ActivityStatus.APPROVED, "submit"),
    (ActivityStatus.APPROVED, "approve"),
    (ActivityStatus.APPROVED, "return"),
    (ActivityStatus.RETURNED, "approve"),
    (ActivityStatus.RETURNED, "return"),
    (ActivityStatus.RETURNED, "reopen"),
]


@pytest.mark.parametrize(("status", "slug"), ILLEGAL)
def test_a_move_the_status_does_not_allow_is_refused_with_a_message(cast, status, slug):
    activity = move_to(cast, make_activity(cast), status)
    before = written(activity)
    user = cast.staff_a if slug in REVIEWER_SLUGS else cast.secretary_a1
    response = post(cast, user, activity, slug, comment="一个理由")
    assert_back_on_the_page(response, activity)
    level, text = message_of(response)
    assert level == "error"
    with translation.override("en"):
        assert text.startswith(f"A {activity.get_status_display()} activity cannot be ")
    assert written(activity) == before


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_return_without_a_comment_is_refused(cast, comment):
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    before = written(activity)
    response = post(cast, cast.staff_a, activity, "return", comment=comment)
    assert_back_on_the_page(response, activity)
    assert message_of(response) == ("error", "Please give a reason; the branch will see it.")
    assert written(activity) == before


def test_reopen_without_a_reason_is_refused(cast):
    activity = move_to(cast, make_activity(cast), ActivityStatus.APPROVED)
    before = written(activity)
    response = post(cast, cast.staff_a, activity, "reopen")
    assert message_of(response) == ("error", "Please give a reason; the branch will see it.")
    assert written(activity) == before


def test_submitting_an_activity_that_has_not_taken_place_is_refused(cast):
    soon = timezone.now() + dt.timedelta(days=2)
    activity = make_activity(cast, starts_at=soon, ends_at=soon + dt.timedelta(hours=2))
    before = written(activity)
    response = post(cast, cast.secretary_a1, activity, "submit")
    assert_back_on_the_page(response, activity)
    assert message_of(response) == (
        "error",
        "An activity can be submitted for review once it has taken place.",
    )
    assert written(activity) == before


def test_a_page_opened_before_the_activity_changed_is_refused(cast):
    """Reviewer A opened the page; meanwhile it was returned, edited and resubmitted."""
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    seen = activity.version
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.admin_a, comment="改"
    )
    activity.refresh_from_db()
    services.activity_update(
        activity,
        by=cast.secretary_a1,
        expected_version=activity.version,
        summary="新内容",
        **kept_relations(activity),
    )
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    before = written(activity)

    response = post(cast, cast.staff_a, activity, "approve", version=seen)
    assert_back_on_the_page(response, activity)
    level, text = message_of(response)
    assert level == "error"
    assert text.startswith("This activity changed after you opened the page")
    assert written(activity) == before


def test_the_service_compares_the_version_on_the_locked_row(cast):
    """Two reviewers clicking at once: the second click carries a version that is gone."""
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    seen = activity.version
    services.activity_transition(
        activity, action=ActivityAction.APPROVED, by=cast.staff_a, expected_version=seen
    )
    before = written(activity)
    with pytest.raises(services.ActivityConflict):
        services.activity_transition(
            activity,
            action=ActivityAction.REOPENED,
            by=cast.admin_a,
            comment="再看",
            expected_version=seen,
        )
    assert written(activity) == before


def test_a_garbled_version_is_refused_like_a_stale_one(cast):
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    before = written(activity)
    response = post(cast, cast.staff_a, activity, "approve", version="abc")
    assert message_of(response)[0] == "error"
    assert written(activity) == before


def test_a_form_without_a_version_still_works(cast):
    activity = make_activity(cast)
    client = english(cast.client_for(cast.secretary_a1))
    response = client.post(transition_url(activity, "submit"), follow=True)
    assert message_of(response) == ("success", "Submitted for review.")
    assert written(activity)[0] == ActivityStatus.SUBMITTED


# --- Who may make a move --------------------------------------------------------------------


@pytest.mark.parametrize("slug", REVIEWER_SLUGS)
def test_the_organising_secretary_may_not_review(cast, slug):
    status = ActivityStatus.APPROVED if slug == "reopen" else ActivityStatus.SUBMITTED
    activity = move_to(cast, make_activity(cast), status)
    before = written(activity)
    response = post(cast, cast.secretary_a1, activity, slug, comment="自己批准")
    assert response.status_code == 403
    assert written(activity) == before


def test_a_co_organising_branch_may_not_submit(cast):
    activity = make_activity(cast, co_branches=[cast.branch_a2])
    before = written(activity)
    response = post(cast, cast.secretary_a2, activity, "submit")
    assert response.status_code == 403
    assert written(activity) == before


def test_committee_staff_may_not_submit_a_branchs_activity(cast):
    activity = make_activity(cast)
    before = written(activity)
    response = post(cast, cast.staff_a, activity, "submit")
    assert response.status_code == 403
    assert written(activity) == before


@pytest.mark.parametrize("outsider", ["secretary_a2", "former_secretary_a1", "admin_b"])
@pytest.mark.parametrize("slug", ["submit", "approve", "return", "reopen"])
def test_outsiders_get_not_found(cast, outsider, slug):
    """Another branch's secretary, a former secretary and another committee's staff."""
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    before = written(activity)
    response = post(cast, getattr(cast, outsider), activity, slug, comment="x")
    assert response.status_code == 404
    assert written(activity) == before


def test_anonymous_visitor_is_sent_to_login(cast):
    activity = make_activity(cast)
    response = cast.client_for(None).post(transition_url(activity, "submit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert written(activity)[0] == ActivityStatus.DRAFT


def test_get_is_not_allowed(cast):
    activity = make_activity(cast)
    response = cast.client_for(cast.secretary_a1).get(transition_url(activity, "submit"))
    assert response.status_code == 405
    assert written(activity)[0] == ActivityStatus.DRAFT


@pytest.mark.parametrize("slug", ["publish", "submitted", "delete"])
def test_unknown_action_is_not_found(cast, slug):
    activity = make_activity(cast)
    before = written(activity)
    response = post(cast, cast.superuser, activity, slug)
    assert response.status_code == 404
    assert written(activity) == before


def test_superuser_reviews_any_committee(cast):
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    response = post(cast, cast.superuser, activity, "approve")
    assert message_of(response) == ("success", f"“{activity.title}” was approved.")
    assert written(activity)[0] == ActivityStatus.APPROVED


def test_a_superscript_digit_as_version_is_refused_like_a_stale_one(cast):
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    before = written(activity)
    response = post(cast, cast.staff_a, activity, "approve", version="²")
    assert message_of(response)[0] == "error"
    assert written(activity) == before


def test_a_nul_character_in_a_comment_is_a_bad_request_and_changes_nothing(cast):
    # No keyboard types a NUL byte: every input holding one is refused centrally (a 400 page,
    # RejectNulBytesMiddleware) before PostgreSQL could refuse it with a 500.
    activity = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    response = post(cast, cast.staff_a, activity, "return", comment="补充\x00照片")
    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.review_comment == ""


# --- Four eyes: nobody approves or returns their own work -----------------------------------


def committee_activity(cast, *, created_by, submitted_by=None):
    """An activity of committee A itself (no branch), created and submitted through services."""
    activity = make_activity(cast, by=created_by, branch=None, title="党委联建推进会")
    services.activity_transition(
        activity, action=ActivityAction.SUBMITTED, by=submitted_by or created_by
    )
    activity.refresh_from_db()
    return activity


def make_staff(cast, user) -> None:
    committee_role_grant(user=user, committee=cast.committee_a, role=CommitteeRoleKind.STAFF)
    forget_scope(user)


OWN_WORK_NOTE = "another reviewer approves or returns it"


def test_staff_who_logged_and_submitted_a_committee_activity_cannot_approve_or_return_it(cast):
    """The review's finding: one login as creator, submitter and approver. The page offers
    staff no approve or return button on their own activity and says why; a forced POST is
    refused with a message and nothing counts; another reviewer approves it."""
    activity = committee_activity(cast, created_by=cast.staff_a)

    html = page(cast, cast.staff_a, activity)
    assert transition_forms(html) == set()
    assert OWN_WORK_NOTE in html
    for slug in ("approve", "return"):
        before = written(activity)
        response = post(cast, cast.staff_a, activity, slug, comment="自己审自己")
        assert_back_on_the_page(response, activity)
        level, text = message_of(response)
        assert level == "error"
        assert "another reviewer must approve or return it" in text
        assert written(activity) == before
    assert not Activity.objects.approved().exists()

    assert transition_forms(page(cast, cast.admin_a, activity)) == {"approve", "return"}
    response = post(cast, cast.admin_a, activity, "approve")
    assert message_of(response) == ("success", f"“{activity.title}” was approved.")
    assert Activity.objects.approved().get() == activity


def test_the_refusal_reads_in_chinese(cast):
    activity = committee_activity(cast, created_by=cast.staff_a)
    client = cast.client_for(cast.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(
        transition_url(activity, "approve"), {"version": activity.version}, follow=True
    )
    (message,) = list(response.context["messages"])
    assert "另一位审核人" in str(message)


def test_who_only_submitted_or_changed_it_cannot_review_it_either(cast):
    activity = make_activity(cast, by=cast.admin_a, branch=None, title="党委联建推进会")
    services.activity_update(
        activity,
        by=cast.superuser,
        expected_version=activity.version,
        summary="补充",
        **kept_relations(activity),
    )
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.staff_a)

    for author in (cast.admin_a, cast.superuser, cast.staff_a):  # created, changed, submitted
        html = page(cast, author, activity)
        assert transition_forms(html) == set(), author
        assert message_of(post(cast, author, activity, "approve"))[0] == "error"
    assert written(activity)[0] == ActivityStatus.SUBMITTED

    other_staff = factories.UserFactory(username="staff_a_2")
    make_staff(cast, other_staff)
    assert message_of(post(cast, other_staff, activity, "return", comment="请补充"))[0] == (
        "success"
    )


def test_a_branch_secretary_who_is_also_committee_staff_does_not_review_their_branchs_work(cast):
    """The login that is both: their own branch's activity (organised or co-organised, even
    when a colleague logged it) is not theirs to judge; another branch's is."""
    make_staff(cast, cast.secretary_a1)
    own = move_to(cast, make_activity(cast), ActivityStatus.SUBMITTED)
    make_staff(cast, cast.secretary_a2)
    co_organised = make_activity(
        cast, by=cast.secretary_a2, branch=cast.branch_a2, co_branches=[cast.branch_a1]
    )
    services.activity_transition(
        co_organised, action=ActivityAction.SUBMITTED, by=cast.secretary_a2
    )

    for activity in (own, co_organised):
        html = page(cast, cast.secretary_a1, activity)
        assert transition_forms(html) == set()
        assert OWN_WORK_NOTE in html
        assert message_of(post(cast, cast.secretary_a1, activity, "approve"))[0] == "error"
        assert written(activity)[0] == ActivityStatus.SUBMITTED

    elsewhere = make_activity(cast, by=cast.secretary_a2, branch=cast.branch_a2, title="宿迁联学")
    services.activity_transition(elsewhere, action=ActivityAction.SUBMITTED, by=cast.secretary_a2)
    assert transition_forms(page(cast, cast.secretary_a1, elsewhere)) == {"approve", "return"}
    assert message_of(post(cast, cast.secretary_a1, elsewhere, "approve")) == (
        "success",
        f"“{elsewhere.title}” was approved.",
    )


def test_a_committee_that_allows_self_review_has_each_use_on_the_timeline(cast):
    cast.committee_a.allow_self_review = True
    cast.committee_a.save()
    activity = committee_activity(cast, created_by=cast.staff_a)

    assert transition_forms(page(cast, cast.staff_a, activity)) == {"approve", "return"}
    response = post(cast, cast.staff_a, activity, "approve")
    assert message_of(response) == ("success", f"“{activity.title}” was approved.")

    approval = activity.events.get(action=ActivityAction.APPROVED)
    assert approval.self_review
    assert not activity.events.exclude(pk=approval.pk).filter(self_review=True).exists()
    html = page(cast, cast.admin_a, activity)
    entry = html[html.index("timeline__item--approved") :]
    entry = entry[: entry.index("</li>")]
    assert "Reviewed by a person who created, changed or submitted it" in entry


def test_reopening_is_not_judging_its_creator_may_reopen(cast):
    """Reopening takes an approved activity out of the figures and back to the organiser."""
    activity = committee_activity(cast, created_by=cast.staff_a)
    post(cast, cast.admin_a, activity, "approve")
    response = post(cast, cast.staff_a, activity, "reopen", comment="人数有误")
    assert message_of(response) == ("success", "Reopened: the organiser can change it again.")
    assert not activity.events.filter(self_review=True).exists()
