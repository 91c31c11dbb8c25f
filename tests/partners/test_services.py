"""Asking the partners, answering, withdrawing and reminding (portal.partners.services): the
activity's confirmation state moves as the branch and the partners act, and each contact with
an e-mail address gets a link of their own, the token of which is never stored."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.models import ActivityAction, ActivityStatus, PartnerCheck
from activities.services import ACTIVITY_EVENT_NOTIFY_TASK
from portal.core.models import OutboxMessage
from portal.partners import services
from portal.partners.models import PartnerLink, Verdict, token_hash
from tests import factories
from tests.partners.conftest import BASE, mailed_tokens, new_activity

pytestmark = pytest.mark.django_db


def ask(activity, contacts, by, *, capture, now=None):
    """Ask ``contacts``; the e-mail tasks run when the transaction commits, as in a request."""
    with capture(execute=True):
        return services.partner_links_issue(activity=activity, contacts=contacts, by=by, now=now)


def answer(issued, verdict=Verdict.CONFIRMED, **fields):
    link = issued.link if isinstance(issued, services.IssuedLink) else issued
    return services.partner_answer_record(
        link=link, activity=link.activity, verdict=verdict, **fields
    )


def check_of(activity) -> str:
    activity.refresh_from_db()
    return activity.partner_check


# --- The state machine ------------------------------------------------------------------------


def test_asking_makes_the_activity_wait_and_a_confirmation_confirms_it(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    assert check_of(activity) == PartnerCheck.NOT_ASKED

    (issued,) = ask(
        activity, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )
    assert check_of(activity) == PartnerCheck.PENDING
    asked = activity.events.get(action=ActivityAction.PARTNER_ASKED)
    assert (asked.actor, asked.comment) == (cast.secretary_a1, "张三（春江街道）")

    answer(issued, partner_head_count=12, rating="satisfied", rating_comment="很有收获")
    assert check_of(activity) == PartnerCheck.CONFIRMED
    confirmed = activity.events.get(action=ActivityAction.PARTNER_CONFIRMED)
    assert (confirmed.actor, confirmed.contact) == (None, zhang)
    assert confirmed.comment == "情况属实；本单位参加12人；评价：满意；很有收获"


def test_a_correction_returns_the_submitted_activity_and_asking_again_makes_it_wait(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    (issued,) = ask(
        activity, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=False):
        answer(issued, Verdict.CORRECTION, comment="参加人数应为 20 人")

    activity.refresh_from_db()
    assert (activity.partner_check, activity.status) == (
        PartnerCheck.CORRECTION,
        ActivityStatus.RETURNED,
    )
    returned = activity.events.get(action=ActivityAction.RETURNED)
    assert (returned.actor, returned.contact) == (None, zhang)
    # The branch is told by e-mail, as of a reviewer's return.
    assert OutboxMessage.objects.filter(
        task_name=ACTIVITY_EVENT_NOTIFY_TASK, args=[returned.pk]
    ).exists()

    ask(activity, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks)
    assert check_of(activity) == PartnerCheck.PENDING


def test_withdrawing_the_last_open_link_leaves_the_activity_not_asked(
    cast, activity, zhang, li, django_capture_on_commit_callbacks
):
    issued = ask(
        activity, [zhang, li], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )
    emailed = PartnerLink.objects.get(contact=zhang, emailed_at__isnull=False)
    for one in issued:
        services.partner_link_revoke(one.link, by=cast.secretary_a1)
    # 张三's e-mailed link still opens: the activity still waits for him.
    assert check_of(activity) == PartnerCheck.PENDING

    services.partner_link_revoke(emailed, by=cast.admin_a)
    assert check_of(activity) == PartnerCheck.NOT_ASKED


def test_two_partners_one_correction_keeps_the_activity_to_be_corrected(
    cast, activity, zhang, li, django_capture_on_commit_callbacks
):
    to_zhang, to_li = ask(
        activity, [zhang, li], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )
    answer(to_li, Verdict.CORRECTION, comment="活动地点写错了")
    answer(to_zhang, Verdict.CONFIRMED)

    assert check_of(activity) == PartnerCheck.CORRECTION


def test_only_the_organiser_or_a_committee_admin_asks(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    for outsider in (cast.secretary_a2, cast.staff_a, cast.admin_b):
        with pytest.raises(PermissionDenied):
            ask(activity, [zhang], outsider, capture=django_capture_on_commit_callbacks)
    assert not PartnerLink.objects.exists()

    ask(activity, [zhang], cast.admin_a, capture=django_capture_on_commit_callbacks)
    assert PartnerLink.objects.filter(created_by=cast.admin_a).count() == 2  # shown, e-mailed


# --- E-mail -----------------------------------------------------------------------------------


def test_a_contact_with_an_address_is_mailed_a_link_of_their_own_and_no_token_is_stored(
    cast, activity, zhang, li, django_capture_on_commit_callbacks
):
    shown_zhang, shown_li = ask(
        activity, [zhang, li], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )

    # Only 张三 has an address: one task asked for, with the shown link's id and no token.
    (message,) = OutboxMessage.objects.filter(task_name=services.PARTNER_LINK_EMAIL_TASK)
    assert (message.args, message.kwargs) == ([shown_zhang.link.pk], {})
    (sent,) = mail.outbox
    assert sent.to == ["zhangsan@cj.example.cn"]
    assert sent.subject == "请确认“春江社区理论联学”的活动记录"
    (token,) = mailed_tokens()
    assert f"{BASE}/p/{token}/" in sent.body
    # The e-mailed link is a link of its own: same contact, activity and expiry.
    emailed = PartnerLink.objects.get(token_hash=token_hash(token))
    assert emailed.pk != shown_zhang.link.pk
    assert (emailed.contact, emailed.activity, emailed.expires_at) == (
        zhang,
        activity,
        shown_zhang.link.expires_at,
    )
    assert emailed.emailed_at is not None
    # No token anywhere in the database: the links keep their hashes only.
    stored = [str(v) for row in PartnerLink.objects.values() for v in row.values()]
    stored += [str(m.args) + str(m.kwargs) for m in OutboxMessage.objects.all()]
    for secret in (token, shown_zhang.token, shown_li.token):
        assert not any(secret in value for value in stored)


def test_the_email_names_the_activity_and_nothing_of_its_members(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    ask(activity, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks)

    body = mail.outbox[0].body
    assert "张三：您好！" in body
    assert "杭州项目公司党支部登记了与春江街道共同开展的一次联建活动" in body
    assert "活动：春江社区理论联学" in body
    assert "地点：项目部会议室" in body
    member = cast.member_a1
    for private in (member.name, member.phone, cast.secretary_a1.username, "secretary_a1本人"):
        assert private not in body


def test_the_email_task_is_idempotent_and_skips_a_withdrawn_link(
    cast, activity, zhang, wang, django_capture_on_commit_callbacks
):
    shown_zhang, _shown_wang = ask(
        activity, [zhang, wang], cast.secretary_a1, capture=django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 1  # 王五 has no address

    assert services.partner_link_email(shown_zhang.link.pk) is False  # run again: nothing
    assert len(mail.outbox) == 1
    assert PartnerLink.objects.filter(contact=zhang).count() == 2

    services.partner_link_revoke(shown_zhang.link, by=cast.secretary_a1)
    PartnerLink.objects.filter(contact=zhang, emailed_at__isnull=False).delete()
    assert services.partner_link_email(shown_zhang.link.pk) is False  # withdrawn: nothing
    assert len(mail.outbox) == 1


def test_a_failed_send_leaves_no_link_behind_and_is_raised_for_the_retry(
    cast, activity, zhang, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        (shown,) = services.partner_links_issue(
            activity=activity, contacts=[zhang], by=cast.secretary_a1
        )

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.partner_link_email(shown.link.pk)
    assert list(PartnerLink.objects.values_list("pk", flat=True)) == [shown.link.pk]

    monkeypatch.undo()
    assert services.partner_link_email(shown.link.pk) is True  # the retry sends it
    assert len(mail.outbox) == 1


def test_answering_through_the_emailed_link_uses_up_the_shown_one_too(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    (shown,) = ask(activity, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks)
    emailed = PartnerLink.objects.get(contact=zhang, emailed_at__isnull=False)

    answer(emailed, Verdict.CONFIRMED)

    shown.link.refresh_from_db()
    assert shown.link.answered_at is not None
    assert services.partner_link_find(shown.token, purpose="answer") is None


# --- The one reminder -------------------------------------------------------------------------


def test_a_contact_silent_for_a_week_is_reminded_once_with_a_new_link(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    eight_days_ago = timezone.now() - dt.timedelta(days=8)
    (shown,) = ask(
        activity,
        [zhang],
        cast.secretary_a1,
        capture=django_capture_on_commit_callbacks,
        now=eight_days_ago,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.partner_link_remind(shown.link, by=cast.secretary_a1)

    (reminder,) = mail.outbox
    assert reminder.subject == "提醒：请确认“春江社区理论联学”的活动记录"
    (token,) = mailed_tokens()
    reminded = PartnerLink.objects.get(token_hash=token_hash(token))
    assert reminded.reminded_at is not None
    assert reminded.emailed_at is not None
    # Every open link of 张三 about the activity is marked: no second reminder, whichever row.
    assert not PartnerLink.objects.filter(contact=zhang, reminded_at__isnull=True).exists()
    for link in PartnerLink.objects.filter(contact=zhang):
        with pytest.raises(ValidationError, match="已提醒过该联系人"):
            services.partner_link_remind(link, by=cast.secretary_a1)
    # The task run again sends nothing.
    assert services.partner_link_email(shown.link.pk, reminder=True) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("days", "email", "refusal"),
    [
        (3, "zhangsan@cj.example.cn", "7 天未答复后才能提醒"),
        (8, "", "没有电子邮箱"),
    ],
)
def test_a_reminder_is_refused_too_early_or_without_an_address(
    cast, activity, zhang, days, email, refusal, django_capture_on_commit_callbacks
):
    zhang.email = email
    zhang.save()
    (shown,) = ask(
        activity,
        [zhang],
        cast.secretary_a1,
        capture=django_capture_on_commit_callbacks,
        now=timezone.now() - dt.timedelta(days=days),
    )
    mail.outbox.clear()

    with pytest.raises(ValidationError, match=refusal):
        services.partner_link_remind(shown.link, by=cast.secretary_a1)
    assert not PartnerLink.objects.filter(reminded_at__isnull=False).exists()
    assert not OutboxMessage.objects.filter(task_name=services.PARTNER_LINK_REMIND_TASK).exists()


def test_only_the_organiser_or_a_committee_admin_reminds(
    cast, activity, zhang, django_capture_on_commit_callbacks
):
    (shown,) = ask(
        activity,
        [zhang],
        cast.secretary_a1,
        capture=django_capture_on_commit_callbacks,
        now=timezone.now() - dt.timedelta(days=8),
    )
    for outsider in (cast.secretary_a2, cast.staff_a, cast.admin_b):
        with pytest.raises(PermissionDenied):
            services.partner_link_remind(shown.link, by=outsider)
    services.partner_link_remind(shown.link, by=cast.admin_a)


def test_a_draft_is_not_asked_about(cast, zhang, chunjiang, django_capture_on_commit_callbacks):
    draft = new_activity(cast, partners=[chunjiang], status=ActivityStatus.DRAFT)
    with pytest.raises(ValidationError, match="提交审核后"):
        ask(draft, [zhang], cast.secretary_a1, capture=django_capture_on_commit_callbacks)
    assert check_of(draft) == PartnerCheck.NOT_ASKED
    assert not PartnerLink.objects.exists()


def test_a_contact_of_another_unit_is_not_asked(cast, activity, django_capture_on_commit_callbacks):
    stranger = factories.ContactFactory(
        partner=factories.PartnerFactory(committee=cast.committee_a, name="另一社区")
    )
    with pytest.raises(ValidationError, match="只能邀请本活动共建单位的联系人"):
        ask(activity, [stranger], cast.secretary_a1, capture=django_capture_on_commit_callbacks)
    assert not PartnerLink.objects.exists()


def _check(activity) -> str:
    activity.refresh_from_db()
    return activity.partner_check


def test_a_correction_stands_until_the_record_changes_not_through_a_resubmission(
    cast, activity, zhang, li
):
    """李四 asks for a correction; the branch resubmits without changing anything: 张三's
    confirmation through his first link leaves the activity 需更正, and with the committee's
    rule on, staff cannot approve it. Once the record changes, 张三's confirmation stands."""
    from activities import services as activity_services

    to_zhang, to_li = services.partner_links_issue(
        activity=activity, contacts=[zhang, li], by=cast.secretary_a1
    )
    services.partner_answer_record(
        link=to_li.link, activity=activity, verdict=Verdict.CORRECTION, comment="地点写错了"
    )
    activity_services.activity_transition(
        activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
    )
    services.partner_answer_record(link=to_zhang.link, activity=activity, verdict=Verdict.CONFIRMED)
    assert _check(activity) == PartnerCheck.CORRECTION

    cast.committee_a.partner_confirmation_required = True
    cast.committee_a.save()
    with pytest.raises(ValidationError):
        activity_services.activity_transition(
            activity, action=ActivityAction.APPROVED, by=cast.staff_a
        )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED

    # Returned, the place corrected, resubmitted, 张三 asked again: his confirmation stands.
    activity_services.activity_transition(
        activity, action=ActivityAction.RETURNED, by=cast.staff_a, comment="请按共建单位意见更正"
    )
    activity.refresh_from_db()
    activity_services.activity_update(
        activity,
        by=cast.secretary_a1,
        expected_version=activity.version,
        partners=list(activity.partners.all()),
        attendees=list(activity.attendees.all()),
        location="春江街道会议室",
    )
    activity.refresh_from_db()
    activity_services.activity_transition(
        activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
    )
    (again,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    services.partner_answer_record(link=again.link, activity=activity, verdict=Verdict.CONFIRMED)
    assert _check(activity) == PartnerCheck.CONFIRMED


def test_a_contact_who_answered_cannot_be_deleted_and_the_answer_stays(cast, activity, zhang):
    from django.db.models import ProtectedError

    from portal.partners.models import PartnerAnswer

    (to_zhang,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    services.partner_answer_record(
        link=to_zhang.link, activity=activity, verdict=Verdict.CONFIRMED, rating="satisfied"
    )
    with pytest.raises(ProtectedError):
        zhang.delete()
    assert PartnerAnswer.objects.filter(activity=activity, contact=zhang).count() == 1
