"""E-mail at each review step (activities.notifications): reviewers on submission, the
submitter on approval, return or reopening; through the outbox; once per recipient."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from activities import services
from activities.models import ActivityAction, ActivityEvent, ActivityStatus
from activities.notifications import activity_event_notify
from activities.tasks import activity_event_notify as notify_task
from portal.core.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese_mail(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PORTAL_BASE_URL = "https://dj.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def activity(cast):
    return factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="走访社区困难党员",
        created_by=cast.secretary_a1,
    )


def step(activity, action, by, comment=""):
    return services.activity_transition(activity, action=action, by=by, comment=comment)


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_submission_is_kept_in_the_outbox_for_the_notice_task(cast, activity):
    event = step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == (notify_task.name, [event.pk])


def test_a_submission_mails_the_committees_reviewers_in_chinese_with_a_link(cast, activity):
    event = step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)

    assert activity_event_notify(event.pk) == 2

    assert mailed_to() == ["admin_a@example.cn", "staff_a@example.cn"]  # not committee B's
    message = mail.outbox[0]
    assert message.subject == "待审核：走访社区困难党员"
    assert "杭州项目公司党支部" in message.body
    assert f"https://dj.example.cn/activities/{activity.pk}/" in message.body


@pytest.mark.parametrize(
    ("action", "subject"),
    [
        (ActivityAction.APPROVED, "已通过：走访社区困难党员"),
        (ActivityAction.RETURNED, "被退回修改：走访社区困难党员"),
    ],
)
def test_a_review_mails_the_submitter_with_the_reviewers_comment(cast, activity, action, subject):
    step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    event = step(activity, action, cast.staff_a, comment="请补充签到表")
    mail.outbox.clear()

    activity_event_notify(event.pk)

    assert mailed_to() == ["secretary_a1@example.cn"]
    assert mail.outbox[0].subject == subject
    assert "请补充签到表" in mail.outbox[0].body


def test_the_actor_is_never_told_of_their_own_step(cast):
    # A committee-level activity submitted by a reviewer: the other reviewer is told, not them.
    own = factories.ActivityFactory(
        committee=cast.committee_a, branch=None, created_by=cast.staff_a
    )
    event = step(own, ActivityAction.SUBMITTED, cast.staff_a)
    activity_event_notify(event.pk)
    assert mailed_to() == ["admin_a@example.cn"]


def test_a_submitter_who_no_longer_speaks_for_the_branch_is_not_told(cast, activity):
    step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    ActivityEvent.objects.filter(action=ActivityAction.SUBMITTED).update(
        actor=cast.former_secretary_a1
    )
    activity.created_by = cast.former_secretary_a1
    activity.save(update_fields=["created_by"])
    event = step(activity, ActivityAction.APPROVED, cast.staff_a)

    assert activity_event_notify(event.pk) == 0
    assert mail.outbox == []


def test_logins_without_an_address_or_inactive_are_skipped(cast, activity):
    cast.staff_a.email = ""
    cast.staff_a.save()
    cast.admin_a.is_active = False
    cast.admin_a.save()
    event = step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    assert activity_event_notify(event.pk) == 0


def test_each_recipient_is_mailed_once_even_when_the_task_runs_again(cast, activity):
    event = step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    activity_event_notify(event.pk)
    activity_event_notify(event.pk)
    assert len(mail.outbox) == 2
    event.refresh_from_db()
    assert event.notified_at is not None


def test_a_failed_send_is_raised_after_the_others_and_only_it_goes_out_again(
    cast, activity, monkeypatch
):
    event = step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def refuse_admin(self, messages):
        if messages[0].to == ["admin_a@example.cn"]:
            raise smtplib.SMTPRecipientsRefused({"admin_a@example.cn": (550, b"no")})
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_admin)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        activity_event_notify(event.pk)
    assert mailed_to() == ["staff_a@example.cn"]
    event.refresh_from_db()
    assert (event.notified_user_ids, event.notified_at) == ([cast.staff_a.pk], None)

    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert activity_event_notify(event.pk) == 1
    assert mailed_to() == ["admin_a@example.cn", "staff_a@example.cn"]


def test_edits_send_nothing_and_the_setting_turns_the_mails_off(cast, activity, settings):
    services.activity_update(
        activity,
        by=cast.secretary_a1,
        expected_version=activity.version,
        title="改名",
        partners=list(activity.partners.all()),
        attendees=list(activity.attendees.all()),
    )
    assert not OutboxMessage.objects.exists()

    settings.ACTIVITY_EMAILS = False
    step(activity, ActivityAction.SUBMITTED, cast.secretary_a1)
    assert not OutboxMessage.objects.exists()


def test_submitting_through_the_page_mails_the_reviewers_after_the_commit(
    cast, activity, django_capture_on_commit_callbacks, monkeypatch
):
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # no worker in this test
    client = cast.client_for(cast.secretary_a1)
    url = reverse("activities:transition", args=[activity.pk, "submit"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"version": activity.version})

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert mailed_to() == ["admin_a@example.cn", "staff_a@example.cn"]
    assert OutboxMessage.objects.get().sent_at is not None


def test_a_line_break_in_the_title_does_not_lose_the_mail(cast):
    # A forged form can send one; a header with a line break would be refused (BadHeaderError).
    broken = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="走访\r\n社区",
        created_by=cast.secretary_a1,
    )
    event = step(broken, ActivityAction.SUBMITTED, cast.secretary_a1)
    assert activity_event_notify(event.pk) == 2
    assert mail.outbox[0].subject == "待审核：走访 社区"


def test_a_hanging_mail_server_fails_a_send_after_a_timeout(settings):
    from django.core.mail import get_connection

    assert settings.EMAIL_TIMEOUT == 20
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert get_connection().timeout == 20
