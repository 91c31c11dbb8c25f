"""The review workflow and the write services, below the pages: legal and illegal moves,
reasons, rights, the version check, and that a refused write leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities import services
from activities.models import (
    ACTIVITY_TRANSITIONS,
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityStatus,
    Attachment,
    AttachmentKind,
    StagedUpload,
    TransitionError,
)
from tests import factories
from tests.activities.test_uploads import photo

DRAFT, SUBMITTED, APPROVED, RETURNED = (
    ActivityStatus.DRAFT,
    ActivityStatus.SUBMITTED,
    ActivityStatus.APPROVED,
    ActivityStatus.RETURNED,
)


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def activity(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    activity.attendees.set([cast.member_a1])
    return activity


def _set_status(activity: Activity, status: str) -> Activity:
    Activity.objects.filter(pk=activity.pk).update(status=status)
    activity.refresh_from_db()
    return activity


def _snapshot(activity: Activity) -> tuple:
    activity = Activity.objects.get(pk=activity.pk)
    return (
        activity.status,
        activity.version,
        activity.title,
        activity.submitted_at,
        activity.reviewed_by_id,
        activity.review_comment,
        sorted(activity.attendees.values_list("pk", flat=True)),
        sorted(activity.partners.values_list("pk", flat=True)),
        ActivityEvent.objects.filter(activity=activity).count(),
        Attachment.objects.filter(activity=activity).count(),
    )


# --- Legal moves --------------------------------------------------------------------------


def test_the_whole_workflow_records_who_when_and_why(cast, activity):
    version = activity.version
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    assert activity.status == SUBMITTED
    assert activity.submitted_at is not None
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment=" 请补充照片 "
    )
    assert (activity.status, activity.review_comment) == (RETURNED, "请补充照片")
    assert activity.reviewed_by == cast.staff_a
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.admin_a)
    assert activity.status == APPROVED
    services.activity_transition(
        activity, action=ActivityAction.REOPENED, by=cast.staff_a, comment="日期有误"
    )
    assert activity.status == RETURNED
    assert activity.version == version + 5

    events = list(
        activity.events.values_list("action", "actor__username", "from_status", "to_status")
    )
    assert events == [
        ("submitted", "secretary_a1", DRAFT, SUBMITTED),
        ("returned", "staff_a", SUBMITTED, RETURNED),
        ("submitted", "secretary_a1", RETURNED, SUBMITTED),
        ("approved", "admin_a", SUBMITTED, APPROVED),
        ("reopened", "staff_a", APPROVED, RETURNED),
    ]
    assert activity.events.get(action="reopened").comment == "日期有误"
    assert all(e.at <= timezone.now() for e in activity.events.all())


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (DRAFT, ["submitted"]),
        (SUBMITTED, ["approved", "returned"]),
        (APPROVED, ["reopened"]),
        (RETURNED, ["submitted"]),
    ],
)
def test_each_status_allows_only_its_moves(activity, status, expected):
    assert _set_status(activity, status).allowed_actions() == expected


# --- Illegal moves: refused, nothing written ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (DRAFT, ActivityAction.APPROVED),
        (DRAFT, ActivityAction.RETURNED),
        (DRAFT, ActivityAction.REOPENED),
        (SUBMITTED, ActivityAction.SUBMITTED),
        (SUBMITTED, ActivityAction.REOPENED),
        (APPROVED, ActivityAction.APPROVED),
        (APPROVED, ActivityAction.RETURNED),
        (APPROVED, ActivityAction.SUBMITTED),
        (RETURNED, ActivityAction.APPROVED),
        (RETURNED, ActivityAction.REOPENED),
    ],
)
def test_move_the_status_does_not_allow_is_refused_and_writes_nothing(
    cast, activity, status, action
):
    _set_status(activity, status)
    before = _snapshot(activity)
    by = cast.secretary_a1 if action == ActivityAction.SUBMITTED else cast.staff_a
    with pytest.raises(TransitionError, match="activity cannot be"):
        services.activity_transition(activity, action=action, by=by, comment="理由")
    assert _snapshot(activity) == before


@pytest.mark.parametrize("comment", ["", "   ", "\n\t"])
@pytest.mark.parametrize(
    ("status", "action"),
    [(SUBMITTED, ActivityAction.RETURNED), (APPROVED, ActivityAction.REOPENED)],
)
def test_return_and_reopen_need_a_reason(cast, activity, comment, status, action):
    _set_status(activity, status)
    before = _snapshot(activity)
    with pytest.raises(TransitionError, match="Please give a reason"):
        services.activity_transition(activity, action=action, by=cast.staff_a, comment=comment)
    assert _snapshot(activity) == before


def test_activity_that_has_not_started_cannot_be_submitted(cast, activity):
    start = timezone.now() + dt.timedelta(hours=3)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    before = _snapshot(activity)
    with pytest.raises(TransitionError, match="once it has taken place"):
        services.activity_transition(
            activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
        )
    assert _snapshot(activity) == before


def test_unknown_action_is_refused(cast, activity):
    with pytest.raises(PermissionDenied):
        services.activity_transition(activity, action="deleted", by=cast.staff_a)
    with pytest.raises(TransitionError, match="Unknown action"):
        activity.transition("deleted", by=cast.staff_a)


@pytest.mark.parametrize(
    ("user", "status", "action"),
    [
        ("secretary_a1", SUBMITTED, ActivityAction.APPROVED),
        ("secretary_a1", SUBMITTED, ActivityAction.RETURNED),
        ("secretary_a1", APPROVED, ActivityAction.REOPENED),
        ("staff_a", DRAFT, ActivityAction.SUBMITTED),
        ("secretary_a2", DRAFT, ActivityAction.SUBMITTED),
        ("former_secretary_a1", DRAFT, ActivityAction.SUBMITTED),
        ("admin_b", SUBMITTED, ActivityAction.APPROVED),
    ],
)
def test_user_without_the_right_is_refused_and_nothing_is_written(
    cast, activity, user, status, action
):
    _set_status(activity, status)
    before = _snapshot(activity)
    with pytest.raises(PermissionDenied):
        services.activity_transition(
            activity, action=action, by=getattr(cast, user), comment="理由"
        )
    assert _snapshot(activity) == before


def test_co_organising_branch_cannot_submit(cast, activity):
    activity.co_branches.add(cast.branch_a2)
    with pytest.raises(PermissionDenied):
        services.activity_transition(
            activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a2
        )
    assert Activity.objects.get(pk=activity.pk).status == DRAFT


def test_committee_staff_submit_their_committee_level_activity(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=None)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.staff_a)
    assert activity.status == SUBMITTED


# --- Four eyes -------------------------------------------------------------------------------


def _committee_activity_submitted(cast, *, created_by, submitted_by):
    activity = factories.ActivityFactory(
        committee=cast.committee_a, branch=None, created_by=created_by
    )
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=submitted_by)
    return activity


@pytest.mark.parametrize("action", [ActivityAction.APPROVED, ActivityAction.RETURNED])
@pytest.mark.parametrize("author", ["creator", "submitter"])
def test_the_service_refuses_a_reviewer_their_own_work(cast, action, author):
    """The one place that decides: a page, the admin or a script calling the service alike."""
    activity = _committee_activity_submitted(
        cast, created_by=cast.staff_a, submitted_by=cast.admin_a
    )
    reviewer = {"creator": cast.staff_a, "submitter": cast.admin_a}[author]
    before = _snapshot(activity)
    with pytest.raises(services.FourEyesRefusal, match="another reviewer"):
        services.activity_transition(activity, action=action, by=reviewer, comment="理由")
    assert _snapshot(activity) == before

    services.activity_transition(activity, action=action, by=cast.superuser, comment="理由")
    assert Activity.objects.get(pk=activity.pk).status == ACTIVITY_TRANSITIONS[action][1]


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_reviewer_who_added_or_removed_its_files_cannot_approve_it(cast, change):
    """Photos and sign-in sheets are the reviewer's evidence: changing them on the activity
    page is changing the activity, on its timeline and the changer's own work."""
    activity = factories.ActivityFactory(
        committee=cast.committee_a, branch=None, created_by=cast.staff_a
    )
    kept = services.attachment_add(
        activity, by=cast.staff_a, upload=photo("签到表.jpg"), kind=AttachmentKind.PHOTO
    )
    if change == "added":
        services.attachment_add(
            activity, by=cast.admin_a, upload=photo("现场.jpg"), kind=AttachmentKind.PHOTO
        )
    else:
        services.attachment_delete(kept, by=cast.admin_a)
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.staff_a)
    edited = activity.events.filter(action=ActivityAction.EDITED, actor=cast.admin_a).get()
    assert ("File added" if change == "added" else "File removed") in edited.comment
    with pytest.raises(services.FourEyesRefusal):
        services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.admin_a)


def test_the_committees_setting_allows_it_and_marks_the_event(cast):
    cast.committee_a.allow_self_review = True
    cast.committee_a.save()
    activity = _committee_activity_submitted(
        cast, created_by=cast.staff_a, submitted_by=cast.staff_a
    )
    event = services.activity_transition(activity, action=ActivityAction.APPROVED, by=cast.staff_a)
    assert activity.status == APPROVED
    assert event.self_review
    # Another reviewer's review under the same setting is an ordinary one.
    other = _committee_activity_submitted(cast, created_by=cast.staff_a, submitted_by=cast.staff_a)
    assert not services.activity_transition(
        other, action=ActivityAction.APPROVED, by=cast.admin_a
    ).self_review


# --- The version check ----------------------------------------------------------------------


def _update(activity, by, expected, **fields):
    return services.activity_update(activity, by=by, expected_version=expected, **fields)


def test_update_bumps_the_version_and_records_an_edit(cast, activity):
    version = activity.version
    updated = _update(activity, cast.secretary_a1, version, title="新标题", attendees=[])
    assert updated.version == version + 1
    assert Activity.objects.get(pk=activity.pk).title == "新标题"
    assert not activity.attendees.exists()
    event = activity.events.get()
    assert (event.action, event.actor) == (ActivityAction.EDITED, cast.secretary_a1)


def test_second_save_from_the_same_version_is_refused(cast, activity):
    version = activity.version
    _update(activity, cast.secretary_a1, version, title="第一次保存", attendees=[cast.member_a1])
    before = _snapshot(activity)
    with pytest.raises(services.ActivityConflict) as excinfo:
        _update(activity, cast.secretary_a1, version, title="第二次保存", attendees=[])
    assert "Somebody else changed this activity" in excinfo.value.messages[0]
    assert _snapshot(activity) == before


def test_a_review_since_the_form_was_opened_makes_the_form_stale(cast, activity):
    version = activity.version
    services.activity_transition(activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1)
    services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="补充"
    )
    with pytest.raises(services.ActivityConflict):
        _update(activity, cast.secretary_a1, version, title="旧表单")
    assert Activity.objects.get(pk=activity.pk).title != "旧表单"


@pytest.mark.parametrize("status", [SUBMITTED, APPROVED])
def test_locked_activity_cannot_be_updated(cast, activity, status):
    _set_status(activity, status)
    before = _snapshot(activity)
    with pytest.raises(PermissionDenied):
        _update(activity, cast.secretary_a1, activity.version, title="改")
    assert _snapshot(activity) == before


@pytest.mark.parametrize("user", ["staff_a", "secretary_a2"])
def test_only_the_organiser_updates(cast, activity, user):
    before = _snapshot(activity)
    with pytest.raises(PermissionDenied):
        _update(activity, getattr(cast, user), activity.version, title="改")
    assert _snapshot(activity) == before


@pytest.mark.parametrize("field", ["status", "branch", "committee_id", "version"])
def test_update_does_not_touch_status_organiser_or_version(cast, activity, field):
    before = _snapshot(activity)
    with pytest.raises(ValueError, match="does not change"):
        _update(activity, cast.secretary_a1, activity.version, **{field: None})
    assert _snapshot(activity) == before


# --- Nothing half-saved ---------------------------------------------------------------------


def test_invalid_relation_on_update_leaves_fields_relations_and_timeline_alone(cast, activity):
    foreign = factories.PartnerFactory(committee=cast.committee_b)
    before = _snapshot(activity)
    with pytest.raises(ValidationError) as excinfo:
        _update(
            activity,
            cast.secretary_a1,
            activity.version,
            title="半途而废",
            partners=[foreign],
            attendees=[],
        )
    assert "partners" in excinfo.value.message_dict
    assert _snapshot(activity) == before


def test_invalid_field_on_update_leaves_everything_alone(cast, activity):
    before = _snapshot(activity)
    with pytest.raises(ValidationError) as excinfo:
        _update(
            activity,
            cast.secretary_a1,
            activity.version,
            ends_at=activity.starts_at - dt.timedelta(hours=1),
            attendees=[],
        )
    assert "ends_at" in excinfo.value.message_dict
    assert _snapshot(activity) == before


def _create_fields(cast, **overrides):
    start = timezone.now() - dt.timedelta(days=1)
    fields = {
        "committee": cast.committee_a,
        "branch": cast.branch_a1,
        "measure": factories.MeasureFactory(committee=cast.committee_a),
        "title": "联学",
        "kind": "study",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=1),
    }
    return fields | overrides


def test_create_with_somebody_elses_staged_file_saves_nothing(cast):
    theirs = services.staged_upload_create(owner=cast.secretary_a2, upload=photo(), kind="photo")
    with pytest.raises(PermissionDenied):
        services.activity_create(
            created_by=cast.secretary_a1, staged=[theirs], **_create_fields(cast)
        )
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()
    assert StagedUpload.objects.get() == theirs


def test_create_over_the_total_file_limit_saves_nothing_and_keeps_the_files(cast, settings):
    settings.ATTACHMENT_MAX_TOTAL_MB = 1
    staged = services.staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")
    StagedUpload.objects.filter(pk=staged.pk).update(size=2 * 1024 * 1024)
    staged.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.activity_create(
            created_by=cast.secretary_a1, staged=[staged], **_create_fields(cast)
        )
    assert "attachments" in excinfo.value.message_dict
    assert not Activity.objects.exists()
    assert StagedUpload.objects.get() == staged


def test_staged_files_become_the_activitys_attachments(cast):
    staged = services.staged_upload_create(
        owner=cast.secretary_a1, upload=photo("合影.jpg"), kind="photo", caption=" 合影 "
    )
    activity = services.activity_create(
        created_by=cast.secretary_a1, staged=[staged], **_create_fields(cast)
    )
    attachment = activity.attachments.get()
    assert (attachment.file.name, attachment.thumbnail.name) == (
        staged.file.name,
        staged.thumbnail.name,
    )
    assert (attachment.caption, attachment.original_name) == ("合影", "合影.jpg")
    assert attachment.uploaded_by == cast.secretary_a1
    assert not StagedUpload.objects.exists()


@pytest.mark.parametrize("junk", ["²", "١٢", "9" * 40, "-1", "1.5", "", "abc"])
def test_staged_ids_that_are_not_plain_numbers_are_ignored(cast, junk):
    staged = services.staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")
    assert services.staged_uploads_of(cast.secretary_a1, [junk, str(staged.pk)]) == [staged]


def test_staged_uploads_are_their_owners_only(cast):
    staged = services.staged_upload_create(owner=cast.secretary_a1, upload=photo(), kind="photo")
    assert services.staged_uploads_of(cast.secretary_a2, [staged.pk]) == []
    assert services.staged_upload_discard(cast.secretary_a2, staged.pk) is False
    assert StagedUpload.objects.filter(pk=staged.pk).exists()
    assert services.staged_upload_discard(cast.secretary_a1, staged.pk) is True
    assert not StagedUpload.objects.exists()


@pytest.mark.parametrize("status", [SUBMITTED, APPROVED])
def test_files_of_a_locked_activity_are_neither_added_nor_deleted(cast, activity, status):
    attachment = services.attachment_add(
        activity, by=cast.secretary_a1, upload=photo(), kind="photo"
    )
    _set_status(activity, status)
    files = set(activity.attachments.all())
    assert attachment in files
    with pytest.raises(PermissionDenied):
        services.attachment_add(activity, by=cast.secretary_a1, upload=photo(), kind="photo")
    with pytest.raises(PermissionDenied):
        services.attachment_delete(attachment, by=cast.secretary_a1)
    assert set(activity.attachments.all()) == files
