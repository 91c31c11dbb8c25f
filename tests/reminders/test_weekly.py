"""The Monday run: each reminder recorded and e-mailed at most once per recipient, item and ISO
week; the next week, again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from portal.reminders.models import Reminder, iso_week
from portal.reminders.services import reminders_send_weekly
from portal.reminders.tasks import reminders_weekly


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PORTAL_BASE_URL = "https://dj.example.cn"


def mails_to(user) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_one_message_per_recipient_listing_their_reminders_with_portal_links(work):
    cast = work.cast

    created = reminders_send_weekly(today=work.today)

    # secretary_a1: 1, secretary_a2: 2, staff_a: 1, admin_a: 1, admin_b: 1
    assert created == 6 == Reminder.objects.count()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email
        for u in (cast.secretary_a1, cast.secretary_a2, cast.staff_a, cast.admin_a, cast.admin_b)
    )
    [message] = mails_to(cast.secretary_a2)
    # The week by its dates (an ISO week number means little to most readers).
    monday = work.today - dt.timedelta(days=work.today.weekday())
    assert f"{monday.isoformat()} to {(monday + dt.timedelta(days=6)).isoformat()}" in (
        message.subject
    )
    assert "宿迁项目公司党支部 has logged no approved activity under M1" in message.body
    assert "“宿迁联建（待补充）” (宿迁项目公司党支部) was returned for changes" in message.body
    assert f"https://dj.example.cn/dashboard/branches/{cast.branch_a2.pk}/" in message.body
    assert f"https://dj.example.cn/activities/{work.returned_a2.pk}/" in message.body
    assert "https://dj.example.cn/reminders/" in message.body
    # Nobody is told of another's items.
    [staff_message] = mails_to(cast.staff_a)
    assert "宿迁理论联学" in staff_message.body
    assert "宿迁联建（待补充）" not in staff_message.body
    assert "外单位协议" not in mails_to(cast.admin_a)[0].body
    assert not Reminder.objects.filter(emailed_at=None).exists()


def test_running_twice_in_a_week_records_and_emails_nothing_new_and_next_week_again(work):
    first = reminders_send_weekly(today=work.today)
    sent = len(mail.outbox)

    # Another day of the same week (the beat's retry, a second worker, somebody running it by
    # hand): two days later, or two days earlier at the weekend.
    other_day = work.today + dt.timedelta(days=2 if work.today.weekday() <= 4 else -2)
    assert iso_week(other_day) == iso_week(work.today)
    assert reminders_send_weekly(today=other_day) == 0
    assert len(mail.outbox) == sent
    assert Reminder.objects.count() == first

    next_week = work.today + dt.timedelta(days=7)
    # The same items again (plus the submission that has now waited over a week), but for the
    # two agreements ending: each stage (60, 30 days) is told once, to admin_a and admin_b.
    assert reminders_send_weekly(today=next_week) == first + 1 - 2
    assert len(mail.outbox) == 2 * sent - 2
    assert Reminder.objects.filter(week=iso_week(next_week)).count() == first + 1 - 2


def test_a_new_item_later_in_the_week_is_emailed_alone(work):
    reminders_send_weekly(today=work.today)
    mail.outbox.clear()
    work.ending_soon.ends_on = work.today + dt.timedelta(days=5)  # a new end date: a new item
    work.ending_soon.save()

    assert reminders_send_weekly(today=work.today) == 1

    [message] = mail.outbox
    assert message.to == [work.cast.admin_a.email]
    assert message.body.count("杭州结对共建协议") == 1


def test_a_failed_send_leaves_the_reminders_to_be_emailed_by_the_next_run(work, monkeypatch):
    def refuse(self, messages):
        raise OSError("mail server unreachable")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(OSError, match="unreachable"):
        reminders_send_weekly(today=work.today)
    assert Reminder.objects.count() == 6
    assert not Reminder.objects.exclude(emailed_at=None).exists()

    monkeypatch.undo()
    assert reminders_send_weekly(today=work.today) == 0  # nothing new to record …
    assert len(mail.outbox) == 5  # … but every message goes out
    assert not Reminder.objects.filter(emailed_at=None).exists()


def test_one_refused_address_does_not_stop_the_other_messages(work, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    deliver = EmailBackend.send_messages
    refused = work.cast.staff_a.email

    def refuse_one(self, messages):
        if messages[0].to == [refused]:
            raise OSError(f"{refused}: recipient refused")
        return deliver(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_one)
    with pytest.raises(OSError, match="refused"):
        reminders_send_weekly(today=work.today)

    assert len(mail.outbox) == 4
    assert list(Reminder.objects.filter(emailed_at=None).values_list("recipient", flat=True)) == [
        work.cast.staff_a.pk
    ]


def test_a_recipient_without_an_email_address_still_sees_the_reminders(work):
    work.cast.staff_a.email = ""
    work.cast.staff_a.save()

    reminders_send_weekly(today=work.today)

    assert not mails_to(work.cast.staff_a)
    assert Reminder.objects.filter(recipient=work.cast.staff_a, emailed_at=None).count() == 1


def test_the_celery_task_runs_the_weekly_service(work):
    # apply(): in this process, inside the test's transaction (a worker could not see its rows).
    assert reminders_weekly.apply().get(timeout=60) == 6
    assert len(mail.outbox) == 5
