"""The partner side of the weekly reminders (issue 16): a branch secretary is reminded of the
partner contacts who have not answered for over a week, and of a correction a partner asked
for until the branch asks again. The contacts themselves are never reminded by the run.

On top of the reminders' ``work`` (tests/reminders/conftest.py): A1 asked 俞晓燕 (春江街道) and
方志刚 (富春湾集团) ten days ago about ``joint``; A1 asked 俞晓燕 three days ago about
``recent``; A2 asked its own contact ten days ago about ``sq_joint``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityStatus, PartnerCheck
from partnerships.models import Contact, PartnerOrganisation
from portal.partners.models import PartnerLink, Verdict
from portal.partners.services import (
    partner_answer_record,
    partner_link_revoke,
    partner_links_issue,
)
from portal.reminders.models import Reminder, ReminderKind
from portal.reminders.services import reminders_due, reminders_record, reminders_send_weekly
from tests import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PORTAL_BASE_URL = "https://dj.example.cn"


@dataclass
class Asked:
    work: object
    joint: Activity
    recent: Activity
    sq_joint: Activity
    yu: Contact
    fang: Contact
    sun: Contact


def _submitted(cast, branch, title: str, partners: list[PartnerOrganisation], m) -> Activity:
    now = timezone.now()
    return factories.ActivityFactory(
        committee=cast.committee_a,
        branch=branch,
        measure=m,
        title=title,
        status=ActivityStatus.SUBMITTED,
        starts_at=now - dt.timedelta(days=12),
        ends_at=now - dt.timedelta(days=12) + dt.timedelta(hours=2),
        submitted_at=now - dt.timedelta(days=11),
        partners=partners,
    )


@pytest.fixture
def asked(work) -> Asked:
    cast = work.cast
    now = timezone.now()
    chunjiang = PartnerOrganisation.objects.get(committee=cast.committee_a, name="春江街道")
    fuchunwan = PartnerOrganisation.objects.get(committee=cast.committee_a, name="富春湾集团")
    mobile = factories.PartnerFactory(committee=cast.committee_a, name="中国移动宿迁宿城党支部")
    yu = factories.ContactFactory(
        partner=chunjiang, name="俞晓燕", is_primary=True, email="yu@chunjiang.example.cn"
    )
    factories.ContactFactory(partner=chunjiang, name="街道党建办干事")
    fang = factories.ContactFactory(partner=fuchunwan, name="方志刚", is_primary=True)
    sun = factories.ContactFactory(partner=mobile, name="孙海波", is_primary=True)

    joint = _submitted(
        cast, cast.branch_a1, "春南社区联合志愿服务", [chunjiang, fuchunwan], work.m1
    )
    partner_links_issue(
        activity=joint, contacts=[yu, fang], by=cast.secretary_a1, now=now - dt.timedelta(days=10)
    )
    recent = _submitted(cast, cast.branch_a1, "春江街道联学", [chunjiang], work.m1)
    partner_links_issue(
        activity=recent, contacts=[yu], by=cast.secretary_a1, now=now - dt.timedelta(days=3)
    )
    sq_joint = _submitted(cast, cast.branch_a2, "宿迁结对支部联学", [mobile], work.m1)
    partner_links_issue(
        activity=sq_joint, contacts=[sun], by=cast.secretary_a2, now=now - dt.timedelta(days=10)
    )
    return Asked(work, joint, recent, sq_joint, yu, fang, sun)


def partner_due(asked: Asked, user, kind: str | None = None):
    return [
        d
        for d in reminders_due(asked.work.today)
        if d.recipient_id == user.pk
        and d.kind
        in ({kind} if kind else {ReminderKind.PARTNER_UNANSWERED, ReminderKind.PARTNER_CORRECTION})
    ]


def link_of(activity: Activity, contact: Contact) -> PartnerLink:
    """The contact's open link about the activity (the one they would answer through)."""
    return PartnerLink.objects.get(
        activity=activity, contact=contact, revoked_at=None, answered_at=None
    )


# --- contacts who have not answered ----------------------------------------------------------


def test_secretary_is_reminded_once_per_activity_of_the_contacts_asked_over_a_week_ago(asked):
    cast = asked.work.cast

    [due] = partner_due(asked, cast.secretary_a1)

    assert due.kind == ReminderKind.PARTNER_UNANSWERED
    assert due.item_key == f"activity:{asked.joint.pk}"
    asked_on = timezone.localdate(timezone.now() - dt.timedelta(days=10))
    assert due.detail == {
        "title": "春南社区联合志愿服务",
        "branch": "杭州项目公司党支部",
        "contacts": "俞晓燕（春江街道）、方志刚（富春湾集团）",
        "date": asked_on.isoformat(),
    }
    assert due.link == f"/activities/{asked.joint.pk}/"
    # Asked three days ago: not yet.
    assert f"activity:{asked.recent.pk}" not in {
        d.item_key for d in partner_due(asked, cast.secretary_a1)
    }


def test_each_branch_hears_only_of_its_own_activities_and_nobody_else_of_them(asked):
    cast = asked.work.cast

    [a2] = partner_due(asked, cast.secretary_a2)
    assert a2.item_key == f"activity:{asked.sq_joint.pk}"
    assert a2.detail["contacts"] == "孙海波（中国移动宿迁宿城党支部）"
    for user in (
        cast.staff_a,
        cast.admin_a,
        cast.admin_b,
        cast.former_secretary_a1,
        cast.superuser,
    ):
        assert partner_due(asked, user) == []


def test_a_contact_who_answers_leaves_the_reminder_and_when_all_have_it_is_gone(asked):
    cast = asked.work.cast
    partner_answer_record(
        link=link_of(asked.joint, asked.yu), activity=asked.joint, verdict=Verdict.CONFIRMED
    )

    [due] = partner_due(asked, cast.secretary_a1)
    assert due.detail["contacts"] == "方志刚（富春湾集团）"

    partner_answer_record(
        link=link_of(asked.joint, asked.fang),
        activity=asked.joint,
        verdict=Verdict.CONFIRMED,
        rating="satisfied",
    )
    assert partner_due(asked, cast.secretary_a1) == []


def test_asking_again_withdrawing_the_link_or_its_expiry_ends_the_reminder(asked):
    cast = asked.work.cast
    # Asked again today: a new link, the ten-day-old one withdrawn; a week to answer again.
    partner_links_issue(activity=asked.joint, contacts=[asked.yu], by=cast.secretary_a1)
    [due] = partner_due(asked, cast.secretary_a1)
    assert due.detail["contacts"] == "方志刚（富春湾集团）"

    partner_link_revoke(link_of(asked.joint, asked.fang), by=cast.secretary_a1)
    assert partner_due(asked, cast.secretary_a1) == []

    # A2's link expired (it had a short life): nothing to remind of.
    PartnerLink.objects.filter(activity=asked.sq_joint).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert partner_due(asked, cast.secretary_a2) == []


def test_an_archived_activity_is_not_reminded_of(asked):
    Activity.objects.filter(pk=asked.joint.pk).update(archived_at=timezone.now())

    assert partner_due(asked, asked.work.cast.secretary_a1) == []


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_is_reminded_until_the_branch_asks_again(asked):
    cast = asked.work.cast
    partner_answer_record(
        link=link_of(asked.joint, asked.yu),
        activity=asked.joint,
        verdict=Verdict.CORRECTION,
        comment="街道实际来了4人，不是6人。",
    )
    asked.joint.refresh_from_db()
    assert asked.joint.status == ActivityStatus.RETURNED  # handed back by the correction

    kinds = {
        (d.kind, d.item_key)
        for d in reminders_due(asked.work.today)
        if d.recipient_id == cast.secretary_a1.pk
    }
    item = f"activity:{asked.joint.pk}"
    # One line for it: the correction (not also "returned"), besides 方志刚's silence.
    assert (ReminderKind.PARTNER_CORRECTION, item) in kinds
    assert (ReminderKind.RETURNED_ACTIVITY, item) not in kinds
    [correction] = partner_due(asked, cast.secretary_a1, ReminderKind.PARTNER_CORRECTION)
    assert correction.detail["said"] == "俞晓燕（春江街道）：街道实际来了4人，不是6人。"
    assert correction.detail["date"] == asked.work.today.isoformat()
    assert correction.link == f"/activities/{asked.joint.pk}/"

    # The branch changes the record and asks again: the correction reminder is gone.
    partner_links_issue(activity=asked.joint, contacts=[asked.yu], by=cast.secretary_a1)
    asked.joint.refresh_from_db()
    assert asked.joint.partner_check == PartnerCheck.PENDING
    assert partner_due(asked, cast.secretary_a1, ReminderKind.PARTNER_CORRECTION) == []


def test_an_older_correction_answered_by_asking_again_is_not_quoted_again(asked):
    cast = asked.work.cast
    partner_answer_record(
        link=link_of(asked.joint, asked.yu),
        activity=asked.joint,
        verdict=Verdict.CORRECTION,
        comment="地点写错了。",
        now=timezone.now() - dt.timedelta(days=5),
    )
    partner_links_issue(
        activity=asked.joint,
        contacts=[asked.yu],
        by=cast.secretary_a1,
        now=timezone.now() - dt.timedelta(days=4),
    )
    partner_answer_record(
        link=link_of(asked.joint, asked.yu),
        activity=asked.joint,
        verdict=Verdict.CORRECTION,
        comment="人数也不对。",
    )

    [correction] = partner_due(asked, cast.secretary_a1, ReminderKind.PARTNER_CORRECTION)
    assert correction.detail["said"] == "俞晓燕（春江街道）：人数也不对。"


# --- the weekly run: the secretary is e-mailed, the contacts never ----------------------------


def test_the_weekly_run_emails_the_secretary_and_never_a_partner_contact(asked):
    cast = asked.work.cast
    partner_answer_record(
        link=link_of(asked.joint, asked.fang),
        activity=asked.joint,
        verdict=Verdict.CORRECTION,
        comment="活动时间应为下午。",
    )

    reminders_send_weekly(today=asked.work.today)

    recipients = {address for message in mail.outbox for address in message.to}
    contact_addresses = set(Contact.objects.exclude(email="").values_list("email", flat=True))
    assert contact_addresses == {"yu@chunjiang.example.cn"}
    assert not recipients & contact_addresses
    assert not PartnerLink.objects.exclude(reminded_at=None).exists()
    [message] = [m for m in mail.outbox if m.to == [cast.secretary_a1.email]]
    assert "“春南社区联合志愿服务” (杭州项目公司党支部): 俞晓燕（春江街道）" in message.body
    assert "have not answered yet" in message.body
    assert "a partner asked for a correction" in message.body
    assert "方志刚（富春湾集团）：活动时间应为下午。" in message.body
    assert f"https://dj.example.cn/activities/{asked.joint.pk}/" in message.body
    assert "宿迁结对支部联学" not in message.body
    [a2_message] = [m for m in mail.outbox if m.to == [cast.secretary_a2.email]]
    assert "孙海波（中国移动宿迁宿城党支部）" in a2_message.body
    assert "春南社区联合志愿服务" not in a2_message.body


def test_the_reminders_page_shows_the_owner_their_partners_and_the_outsider_nothing_of_them(
    asked,
):
    cast = asked.work.cast
    reminders_send_weekly(today=asked.work.today)
    url = reverse("reminders:list")

    owner = cast.client_for(cast.secretary_a1).get(url).content.decode()
    outsider = cast.client_for(cast.secretary_a2).get(url).content.decode()

    assert "Partner has not answered" in owner
    assert "俞晓燕（春江街道）、方志刚（富春湾集团）" in owner
    assert f'href="/activities/{asked.joint.pk}/"' in owner
    assert "俞晓燕" not in outsider
    assert "孙海波（中国移动宿迁宿城党支部）" in outsider


def test_recording_takes_the_same_queries_however_many_activities_wait_for_partners(
    asked, django_assert_num_queries
):
    cast = asked.work.cast
    # secretaries, measures, covered pairs, returned; partners unanswered, corrections; staff,
    # waiting; admins, partnerships, their partners, the agreement stages already recorded;
    # the week's recorded keys, the insert
    with django_assert_num_queries(14):
        first = reminders_record(asked.work.today)

    now = timezone.now()
    for n in range(4):
        activity = _submitted(
            cast, cast.branch_a1, f"春江街道联学{n}", [asked.yu.partner], asked.work.m1
        )
        partner_links_issue(
            activity=activity,
            contacts=[asked.yu],
            by=cast.secretary_a1,
            now=now - dt.timedelta(days=9),
        )
        if n % 2:
            partner_answer_record(
                link=link_of(activity, asked.yu),
                activity=activity,
                verdict=Verdict.CORRECTION,
                comment="请核对人数。",
            )
    with django_assert_num_queries(14):
        second = reminders_record(asked.work.today + dt.timedelta(days=7))

    kinds = [r.kind for r in Reminder.objects.filter(recipient=cast.secretary_a1)]
    assert kinds.count(ReminderKind.PARTNER_CORRECTION) == 2
    assert len(second) > len(first)


def test_reminding_another_contact_leaves_an_open_correction_on_the_list(asked, settings):
    """The e-mailed link of a reminder is no new ask: 俞晓燕's correction stays a reminder."""
    from portal.partners import services as partner_services

    cast = asked.work.cast
    settings.ACTIVITY_EMAILS = False
    asked.fang.email = "fang@example.cn"
    asked.fang.save()
    partner_services.partner_answer_record(
        link=link_of(asked.joint, asked.yu),
        activity=asked.joint,
        verdict=Verdict.CORRECTION,
        comment="人数不对",
    )
    assert partner_due(asked, cast.secretary_a1, ReminderKind.PARTNER_CORRECTION)

    fang_link = link_of(asked.joint, asked.fang)
    partner_services.partner_link_remind(fang_link, by=cast.secretary_a1)
    partner_services.partner_link_email(fang_link.pk, reminder=True)  # the outbox's task

    assert partner_due(asked, cast.secretary_a1, ReminderKind.PARTNER_CORRECTION)
