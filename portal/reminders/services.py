"""Weekly reminders: what is due for whom, recorded once per recipient, item and ISO week, and
e-mailed once.

The rules:

* each current branch secretary (their member active, their login active): the measures their
  branch has not covered this quarter — no approved activity organised or co-organised under
  it, the rule of ``portal.dashboards.selectors.coverage_matrix`` — and the branch's returned
  activities not yet resubmitted;
* the same secretary, for the activities their branch organises: the partner contacts asked to
  confirm one more than 7 days ago who have not answered (their link still usable: not
  answered, withdrawn or expired), one reminder per activity naming them; and a correction a
  partner asked for, until the branch asks the partner again (the activity is 需更正, and it
  then stands for the "returned" reminder too when the correction sent the activity back).
  The partner contacts themselves are never reminded by this run: only the branch's own
  "remind" on the activity sends them (one) e-mail;
* committee staff: the committee's submissions waiting for review for more than 7 days;
* committee admins, and the current secretary of the partnership's branch: a partnership not
  renewed (no next term yet) whose agreement ends within 60 days, once, and again within 30
  days, once (the stage is part of the item: a reminder of a stage is not repeated weekly).

``reminders_due`` reads what is due (a fixed number of queries, whatever the number of
committees); ``reminders_record`` stores it as ``Reminder`` rows, relying on the unique key
(recipient, kind, item, week) so that running twice in a week records nothing new;
``reminders_email`` sends each recipient one message listing their reminders of the week not yet
e-mailed, and marks them. ``reminders_send_weekly`` (the Monday beat task) does all three.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from activities.models import Activity, ActivityStatus, Measure, PartnerCheck
from branches.models import BranchRole, CommitteeRole, CommitteeRoleKind, RoleKind
from partnerships.models import Partnership, PartnershipMember
from portal.core.periods import Period, local_today
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink, Verdict
from portal.reminders.models import Reminder, ReminderKind, iso_week

logger = logging.getLogger(__name__)

#: A submission waiting longer than this is brought to committee staff.
REVIEW_WAITING_DAYS = 7
#: An agreement not renewed is brought to committee admins and its branch's secretary once when
#: it ends within 60 days, and once more within 30 (today included): the reminder's stage.
AGREEMENT_ENDING_STAGES = (60, 30)
AGREEMENT_ENDING_DAYS = AGREEMENT_ENDING_STAGES[0]
#: A partner contact asked longer ago than this without answering is brought to the secretary.
PARTNER_WAITING_DAYS = 7
#: How much of a partner's correction request the reminder quotes.
CORRECTION_QUOTE_CHARS = 120


@dataclass(frozen=True)
class Due:
    """One reminder as it would be recorded this week."""

    recipient_id: int
    committee_id: int
    kind: str
    item_key: str
    detail: dict[str, Any]
    link: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.recipient_id, self.kind, self.item_key)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment, timezone.get_default_timezone()) if moment else None


def _office_holders(role: str, today: dt.date) -> dict[int, list[int]]:
    """Committee id → the active logins currently holding ``role`` in its office. One query."""
    holders: dict[int, list[int]] = defaultdict(list)
    rows = (
        CommitteeRole.objects.current_on(today)
        .filter(role=role, user__is_active=True)
        .order_by("committee_id", "user_id")
        .values_list("committee_id", "user_id")
    )
    for committee_id, user_id in rows:
        holders[committee_id].append(user_id)
    return holders


# --- What is due --------------------------------------------------------------------------


#: (branch id, branch name, committee id, user id) of a branch's current secretary.
Secretary = tuple[int, str, int, int]


def _current_secretaries(today: dt.date) -> list[Secretary]:
    """Each branch's current secretary whose member and login are active. One query."""
    return list(
        BranchRole.objects.current_on(today)
        .filter(role=RoleKind.SECRETARY, member__user__is_active=True)
        .filter(Q(member__active_to__isnull=True) | Q(member__active_to__gte=today))
        .filter(member__active_from__lte=today)
        .order_by("branch_id")
        .values_list("branch_id", "branch__name", "branch__committee_id", "member__user_id")
    )


def _secretaries_due(today: dt.date, secretaries: list[Secretary]) -> list[Due]:
    """Uncovered measures and returned activities, to each branch's current secretary. Three
    queries: measures, covered (branch, measure) pairs, returned activities."""
    if not secretaries:
        return []
    branch_ids = {row[0] for row in secretaries}
    committee_ids = {row[2] for row in secretaries}

    quarter = Period.quarter(today)
    measures: dict[int, list[Measure]] = defaultdict(list)
    for measure in Measure.objects.filter(committee_id__in=committee_ids).order_by("position"):
        measures[measure.committee_id].append(measure)

    # The coverage matrix's rule: an approved activity of the quarter counts for its organising
    # branch and for each co-organising branch.
    start, end = quarter.bounds()
    approved = (
        Activity.objects.approved()
        .filter(
            committee_id__in=committee_ids,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by()
    )
    organised = approved.filter(branch_id__in=branch_ids).values_list("branch_id", "measure_id")
    co_organised = approved.filter(co_branches__in=branch_ids).values_list(
        "co_branches", "measure_id"
    )
    covered = set(organised.union(co_organised))

    returned: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for activity in (
        Activity.objects.filter(status=ActivityStatus.RETURNED, branch_id__in=branch_ids)
        # A partner's correction is reminded as such (``_partners_due``): one line for it.
        .exclude(partner_check=PartnerCheck.CORRECTION)
        .order_by("reviewed_at", "pk")
        .values("pk", "title", "branch_id", "reviewed_at")
    ):
        returned[activity["branch_id"]].append(activity)

    due: list[Due] = []
    quarter_label = quarter.label
    for branch_id, branch_name, committee_id, user_id in secretaries:
        link = reverse("dashboards:branch", kwargs={"pk": branch_id})
        for measure in measures[committee_id]:
            if (branch_id, measure.pk) in covered:
                continue
            due.append(
                Due(
                    recipient_id=user_id,
                    committee_id=committee_id,
                    kind=ReminderKind.UNCOVERED_MEASURE,
                    item_key=f"branch:{branch_id}/measure:{measure.pk}/{quarter.start.isoformat()}",
                    detail={
                        "branch": branch_name,
                        "measure": f"{measure.code} {measure.title_display}",
                        "quarter": quarter_label,
                    },
                    link=link,
                )
            )
        for activity in returned[branch_id]:
            returned_on = _local_day(activity["reviewed_at"])
            due.append(
                Due(
                    recipient_id=user_id,
                    committee_id=committee_id,
                    kind=ReminderKind.RETURNED_ACTIVITY,
                    item_key=f"activity:{activity['pk']}",
                    detail={
                        "title": activity["title"],
                        "branch": branch_name,
                        "date": returned_on.isoformat() if returned_on else "",
                    },
                    link=reverse("activities:detail", kwargs={"pk": activity["pk"]}),
                )
            )
    return due


def _contact_label(name: str, partner: str) -> str:
    """A contact as the portal names one (``Contact.__str__``): name and unit."""
    return f"{name}（{partner}）"


def _partners_due(today: dt.date, secretaries: list[Secretary]) -> list[Due]:
    """Partner contacts who have not answered for over a week, and partners' corrections not
    yet followed by a new request, to the secretary of the organising branch. Two queries."""
    if not secretaries:
        return []
    secretaries_of: dict[int, list[Secretary]] = defaultdict(list)
    for secretary in secretaries:
        secretaries_of[secretary[0]].append(secretary)
    branch_ids = list(secretaries_of)
    day_start = _midnight(today)

    waiting: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for link in (
        PartnerLink.objects.usable(day_start)
        .filter(
            purpose=LinkPurpose.ANSWER,
            created_at__lt=_midnight(today - dt.timedelta(days=PARTNER_WAITING_DAYS)),
            activity__branch_id__in=branch_ids,
            activity__archived_at__isnull=True,
        )
        .order_by("activity_id", "created_at", "pk")  # as the branch asked them
        .values(
            "activity_id",
            "activity__title",
            "activity__branch_id",
            "created_at",
            "contact__name",
            "partner__name",
        )
    ):
        waiting[link["activity_id"]].append(link)

    last_asked = (
        # The branch's asks only: a link the e-mail task issues (a reminder's, say) asks
        # nothing new.
        PartnerLink.objects.filter(
            activity=OuterRef("activity"), purpose=LinkPurpose.ANSWER, emailed_at__isnull=True
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    corrections: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer in (
        PartnerAnswer.objects.filter(
            verdict=Verdict.CORRECTION,
            activity__partner_check=PartnerCheck.CORRECTION,
            activity__branch_id__in=branch_ids,
            activity__archived_at__isnull=True,
            # Those of the latest request: earlier ones were answered by asking again.
            answered_at__gte=Subquery(last_asked),
        )
        .order_by("activity_id", "answered_at", "pk")
        .values(
            "activity_id",
            "activity__title",
            "activity__branch_id",
            "answered_at",
            "comment",
            "contact__name",
            "partner__name",
        )
    ):
        corrections[answer["activity_id"]].append(answer)

    due: list[Due] = []
    for activity_id, links in waiting.items():
        first = links[0]
        asked_on = _local_day(first["created_at"])
        contacts = "、".join(
            dict.fromkeys(_contact_label(k["contact__name"], k["partner__name"]) for k in links)
        )
        for _branch_id, branch_name, committee_id, user_id in secretaries_of[
            first["activity__branch_id"]
        ]:
            due.append(
                Due(
                    recipient_id=user_id,
                    committee_id=committee_id,
                    kind=ReminderKind.PARTNER_UNANSWERED,
                    item_key=f"activity:{activity_id}",
                    detail={
                        "title": first["activity__title"],
                        "branch": branch_name,
                        "contacts": contacts,
                        "date": asked_on.isoformat(),
                    },
                    link=reverse("activities:detail", kwargs={"pk": activity_id}),
                )
            )
    for activity_id, answers in corrections.items():
        first = answers[0]
        said = "；".join(
            f"{_contact_label(a['contact__name'], a['partner__name'])}："
            f"{_quote(a['comment'], CORRECTION_QUOTE_CHARS)}"
            for a in answers
        )
        for _branch_id, branch_name, committee_id, user_id in secretaries_of[
            first["activity__branch_id"]
        ]:
            due.append(
                Due(
                    recipient_id=user_id,
                    committee_id=committee_id,
                    kind=ReminderKind.PARTNER_CORRECTION,
                    item_key=f"activity:{activity_id}",
                    detail={
                        "title": first["activity__title"],
                        "branch": branch_name,
                        "date": _local_day(first["answered_at"]).isoformat(),
                        "said": said,
                    },
                    link=reverse("activities:detail", kwargs={"pk": activity_id}),
                )
            )
    return due


def _quote(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _staff_due(today: dt.date) -> list[Due]:
    """Submissions waiting for review since before the day a week ago, to committee staff.
    Two queries."""
    staff = _office_holders(CommitteeRoleKind.STAFF, today)
    if not staff:
        return []
    waiting = (
        Activity.objects.filter(
            committee_id__in=staff.keys(),
            status=ActivityStatus.SUBMITTED,
            submitted_at__lt=_midnight(today - dt.timedelta(days=REVIEW_WAITING_DAYS)),
        )
        .order_by("submitted_at", "pk")
        .values(
            "pk",
            "title",
            "committee_id",
            "submitted_at",
            "branch__name",
            "committee__name",
        )
    )
    due: list[Due] = []
    for activity in waiting:
        submitted_on = _local_day(activity["submitted_at"])
        detail = {
            "title": activity["title"],
            # The committee's own activities have no branch.
            "organiser": activity["branch__name"] or activity["committee__name"],
            "date": submitted_on.isoformat(),
            "days": (today - submitted_on).days,
        }
        link = reverse("activities:detail", kwargs={"pk": activity["pk"]})
        due.extend(
            Due(
                recipient_id=user_id,
                committee_id=activity["committee_id"],
                kind=ReminderKind.REVIEW_WAITING,
                item_key=f"activity:{activity['pk']}",
                detail=detail,
                link=link,
            )
            for user_id in staff[activity["committee_id"]]
        )
    return due


def _agreement_stage(days_left: int) -> int:
    """The smallest stage (60, 30) the days left are within."""
    return min(stage for stage in AGREEMENT_ENDING_STAGES if days_left <= stage)


def _admins_due(today: dt.date, secretaries: list[Secretary]) -> list[Due]:
    """Partnerships not renewed ending within 60 days, to committee admins and the branch's
    secretary, once per stage (60, then 30 days). Four queries: admins, partnerships, their
    partners, the stages already recorded."""
    admins = _office_holders(CommitteeRoleKind.ADMIN, today)
    secretary_of = {branch_id: user_id for branch_id, _n, _c, user_id in secretaries}
    committee_ids = set(admins) | {c for _b, _n, c, _u in secretaries}
    if not committee_ids:
        return []
    ending = list(
        Partnership.objects.filter(committee_id__in=committee_ids, renewal__isnull=True)
        .ending_within(today, AGREEMENT_ENDING_DAYS)
        .order_by("ends_on", "pk")
        .values("pk", "title", "committee_id", "branch_id", "ends_on")
    )
    if not ending:
        return []
    partners: dict[int, list[str]] = defaultdict(list)
    for partnership_id, name in (
        PartnershipMember.objects.filter(partnership_id__in=[p["pk"] for p in ending])
        .order_by("joined_on", "partner__name")
        .values_list("partnership_id", "partner__name")
    ):
        partners[partnership_id].append(name)
    due: list[Due] = []
    for partnership in ending:
        days = (partnership["ends_on"] - today).days
        detail = {
            "partner": "、".join(partners[partnership["pk"]]),
            "partnership": partnership["title"],
            "date": partnership["ends_on"].isoformat(),
            "days": days,
        }
        # A new end date is a new thing to act on; each stage is reminded once.
        item_key = (
            f"partnership:{partnership['pk']}/{partnership['ends_on'].isoformat()}"
            f"/{_agreement_stage(days)}"
        )
        recipients = [
            (user_id, reverse("admin:partnerships_partnership_change", args=[partnership["pk"]]))
            for user_id in admins.get(partnership["committee_id"], [])
        ]
        secretary = secretary_of.get(partnership["branch_id"])
        if secretary is not None and secretary not in {r for r, _link in recipients}:
            branch_page = reverse("dashboards:branch", kwargs={"pk": partnership["branch_id"]})
            recipients.append((secretary, branch_page))
        due.extend(
            Due(
                recipient_id=user_id,
                committee_id=partnership["committee_id"],
                kind=ReminderKind.AGREEMENT_ENDING,
                item_key=item_key,
                detail=detail,
                link=link,
            )
            for user_id, link in recipients
        )
    if not due:
        return []
    # Recorded in an earlier week: not again (the unique key only keeps one a week).
    recorded = set(
        Reminder.objects.filter(
            kind=ReminderKind.AGREEMENT_ENDING, item_key__in={d.item_key for d in due}
        ).values_list("recipient_id", "item_key")
    )
    return [d for d in due if (d.recipient_id, d.item_key) not in recorded]


def reminders_due(today: dt.date) -> list[Due]:
    """Every reminder due on ``today``, for every committee. Names are written in the site's
    language (Simplified Chinese) as they are stored. At most twelve queries."""
    with override(settings.LANGUAGE_CODE):
        secretaries = _current_secretaries(today)
        return (
            _secretaries_due(today, secretaries)
            + _partners_due(today, secretaries)
            + _staff_due(today)
            + _admins_due(today, secretaries)
        )


# --- Recording and e-mailing --------------------------------------------------------------


def reminders_record(today: dt.date) -> list[Due]:
    """Store this week's reminders; those already recorded this week are left as they are.
    Returns the reminders that are new."""
    week = iso_week(today)
    due = reminders_due(today)
    if not due:
        return []
    recorded = set(
        Reminder.objects.filter(week=week, recipient_id__in={d.recipient_id for d in due})
        .values_list("recipient_id", "kind", "item_key")
        .iterator()
    )
    new = [d for d in due if d.key not in recorded]
    # ignore_conflicts: a run at the same time may have recorded some of them meanwhile; the
    # unique key (recipient, kind, item, week) keeps one.
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient_id=d.recipient_id,
                committee_id=d.committee_id,
                kind=d.kind,
                item_key=d.item_key,
                week=week,
                detail=d.detail,
                link=d.link,
            )
            for d in new
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return new


def _message_for(recipient, reminders: list[Reminder], week: str) -> EmailMessage:
    with override(settings.LANGUAGE_CODE):
        year, number = week.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
        subject = gettext("Reminders for the week %(first)s to %(last)s") % {
            "first": monday.isoformat(),
            "last": (monday + dt.timedelta(days=6)).isoformat(),
        }
        lines = [
            f"- {reminder.message}\n  {settings.PORTAL_BASE_URL}{reminder.link}"
            if reminder.link
            else f"- {reminder.message}"
            for reminder in reminders
        ]
        body = gettext(
            "This week in the Joint Party-Building Portal:\n\n%(items)s\n\n"
            "All your reminders: %(url)s\n\n"
            "This message was sent automatically by the Joint Party-Building Portal."
        ) % {
            "items": "\n".join(lines),
            "url": settings.PORTAL_BASE_URL + reverse("reminders:list"),
        }
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def reminders_email(week: str, *, now: dt.datetime | None = None) -> int:
    """One e-mail per recipient listing their reminders of ``week`` not yet e-mailed; each is
    e-mailed once (``emailed_at``). Returns the number of messages sent.

    Each recipient's reminders are locked while their message goes out, so that two runs at once
    do not both send it. A failed send leaves that recipient's reminders unmarked and does not
    stop the others; the first failure is raised at the end (the task then retries, and only
    the unmarked ones go out).
    """
    now = now or timezone.now()
    failure: Exception | None = None
    recipient_ids = (
        Reminder.objects.filter(week=week, emailed_at=None, recipient__is_active=True)
        .exclude(recipient__email="")
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    connection = get_connection()
    for recipient_id in list(recipient_ids):
        with transaction.atomic():
            reminders = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(recipient_id=recipient_id, week=week, emailed_at=None)
                .order_by("kind", "created_at", "pk")
            )
            if not reminders:
                continue
            try:
                connection.send_messages([_message_for(reminders[0].recipient, reminders, week)])
            except Exception as error:  # one bad address must not stop the rest
                logger.warning("Reminders of %s to user %s not sent: %s", week, recipient_id, error)
                failure = failure or error
                continue
            Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(emailed_at=now)
            sent += 1
    if failure is not None:
        raise failure
    return sent


def reminders_send_weekly(*, today: dt.date | None = None) -> int:
    """The Monday task: record this week's reminders and e-mail the new ones. Returns the number
    of reminders recorded."""
    today = today or local_today()
    new = reminders_record(today)
    sent = reminders_email(iso_week(today))
    logger.info("Weekly reminders %s: %d new, %d e-mails", iso_week(today), len(new), sent)
    return len(new)


def reminders_this_week(user, *, today: dt.date | None = None) -> QuerySet[Reminder]:
    """The user's reminders of the current ISO week (the reminders page's first section)."""
    week = iso_week(today or local_today())
    return Reminder.objects.for_user(user).filter(week=week).order_by("kind", "created_at", "pk")
