"""What a committee's progress report for a period says, as plain data.

``report_content`` reads the figures through the dashboards' selectors
(``portal.dashboards.selectors``: same rules, same numbers as the committee dashboard) and
returns a JSON-able dict. It is stored on the ``Report`` row, and every form of the report —
the portal page, the PDF, the Word document and the Excel workbook — is rendered from that one
dict, so their totals cannot disagree.

Names (committee, branches, measures, partners) are stored as they were when the report was
generated; the labels around them are translated when a form is rendered.

The dict (``CONTENT_VERSION`` 2; version 1 had no partner confirmation: ``confirmations``,
the branches' and partners' confirmation figures and the activities' ``partner_check``,
``confirmed_by`` and ``confirmed_at`` — the forms leave out what a stored version 1 lacks)::

    committee   {id, name, organisation}
    framework   {name, main_line}                       (empty strings without a framework)
    period      {kind, start, end, last_day, label, previous_label, year_ago_label}
    generated_at  ISO datetime (local time)
    headline    [{key, current, previous, year_ago}]     keys: HEADLINE_KEYS
    backlog     {waiting, over_week}                      (at generation time)
    measures    [{code, title, activities: {current, previous, year_ago},
                  volunteers, beneficiaries, external_participants}]   (current period)
    goals       [{code, title, activities: {current, previous, year_ago}}]
    branches    [{id, name, activities: {current, previous, year_ago},
                  members_active, members_attended, participation, participation_previous,
                  confirmations: {partnered, confirmed, corrected, satisfied, fair,
                  unsatisfied}}]   (confirmations: current period)
    participation {members_active, members_attended, rate, previous_rate, year_ago_rate}
    confirmations {partnered, confirmed, corrected, satisfied, fair, unsatisfied}: each
                 {current, previous, year_ago} (``selectors.Confirmations``)
    coverage    {columns: [{code, title}], rows: [{branch, counts: [n per column], gaps: [code]}],
                 covered_by: [n branches per column], gap_count}
    partners    [{name, kind, in_period, last_activity_date, is_quiet, agreement_ends_on,
                  confirmed, corrected, satisfied, fair, unsatisfied}]
    honours     [{title, level, awarding_body, awarded_on, branch}]
    highlights  [{id, title, date, organiser, measure, outcome, photo}]   photo: a stored
                 file name (the image shown), or ""
    activities  [{id, date, title, organiser, co_branches, measure, goals, partners, location,
                  attendees, volunteers, beneficiaries, external_participants,
                  partner_check, confirmed_by, confirmed_at}]   partner_check: a
                 ``PartnerCheck`` value ("" without partners); confirmed_by: {contact,
                 partner} and confirmed_at (local, "YYYY-MM-DD HH:MM") of the confirmation a row
                 tells (``activities.selectors.told_confirmation``), else None
    totals      {activities, attendances, volunteers, beneficiaries, external_participants}

Rates are fractions (0.25 = 25 %) or ``None``; dates are ISO strings.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from activities.models import (
    Activity,
    Attachment,
    AttachmentKind,
    Framework,
    Goal,
    Honour,
)
from activities.selectors import told_confirmation, with_partner_confirmation
from branches.models import Branch, Committee
from partnerships.models import PartnerOrganisation
from portal.core.periods import Period
from portal.dashboards import selectors as dashboards
from portal.dashboards.selectors import Compared

CONTENT_VERSION = 2
#: Highlights: this many approved activities with an outcome, photos first.
HIGHLIGHT_COUNT = 4

#: Headline figures in the order they are shown, with their labels.
HEADLINE_LABELS = {
    "approved": _("Approved joint activities"),
    "volunteers": _("Volunteers"),
    "beneficiaries": _("People served"),
    "external_participants": _("External participants"),
    "partners_engaged": _("Partner organisations engaged"),
    "new_partnerships": _("New partnerships"),
    "honours": _("Honours received"),
}
HEADLINE_KEYS = tuple(HEADLINE_LABELS)


def _three(compared: Compared) -> dict[str, float | None]:
    return {
        "current": compared.current,
        "previous": compared.previous,
        "year_ago": compared.year_ago,
    }


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _organiser(activity: Activity) -> str:
    return activity.branch.name if activity.branch_id else activity.committee.name


def _framework(committee: Committee) -> dict[str, str]:
    framework = Framework.objects.filter(committee=committee).first()
    if framework is None:
        return {"name": "", "main_line": ""}
    return {"name": framework.name, "main_line": framework.main_line}


def _approved_in(committee: Committee, period: Period):
    start, end = period.bounds()
    return Activity.objects.approved().filter(
        committee=committee,
        starts_at__gte=start,
        starts_at__lt=end,
    )


def _confirmation(activity: Activity) -> dict[str, object]:
    """The partner confirmation of a row of ``_activity_rows``: only an activity with partners
    (prefetched) has anyone to confirm it."""
    if not activity.partners.all():
        return {"partner_check": "", "confirmed_by": None, "confirmed_at": None}
    told = told_confirmation(activity)
    return {
        "partner_check": activity.partner_check,
        "confirmed_by": {"contact": told.contact, "partner": told.partner} if told else None,
        "confirmed_at": (timezone.localtime(told.at).strftime("%Y-%m-%d %H:%M") if told else None),
    }


def _confirmation_figures(confirmations: dashboards.Confirmations) -> dict[str, dict]:
    return {
        figure: _three(getattr(confirmations, figure)) for figure in dashboards.CONFIRMATION_FIGURES
    }


def _activity_rows(committee: Committee, period: Period) -> list[dict[str, object]]:
    """Every approved activity of the period, oldest first. Four queries (the activities with
    organiser, measure, attendee count and latest partner confirmation; their co-organisers,
    goals and partners)."""
    activities = (
        with_partner_confirmation(_approved_in(committee, period))
        .select_related("committee", "branch", "measure")
        .annotate(attendee_count=Count("attendees", distinct=True))
        .prefetch_related(
            Prefetch("co_branches", queryset=Branch.objects.order_by("sort_order", "name", "pk")),
            Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
            Prefetch("partners", queryset=PartnerOrganisation.objects.order_by("name", "pk")),
        )
        .order_by("starts_at", "pk")
    )
    return [
        {
            "id": a.pk,
            "date": _day(a.starts_at),
            "title": a.title,
            "organiser": _organiser(a),
            "co_branches": [b.name for b in a.co_branches.all()],
            "measure": a.measure.code,
            "goals": [g.code for g in a.goals.all()],
            "partners": [p.name for p in a.partners.all()],
            "location": a.location,
            "attendees": a.attendee_count,
            "volunteers": a.volunteers,
            "beneficiaries": a.beneficiaries,
            "external_participants": a.external_participants,
            **_confirmation(a),
        }
        for a in activities
    ]


def _highlights(committee: Committee, period: Period) -> list[dict[str, object]]:
    """A few approved activities with an outcome: those with a photo first, then the ones that
    served most people. Two queries."""
    photos = Attachment.objects.filter(activity=OuterRef("pk"), kind=AttachmentKind.PHOTO)
    chosen = list(
        _approved_in(committee, period)
        .exclude(outcome="")
        .select_related("committee", "branch", "measure")
        .annotate(has_photo=Exists(photos))
        .order_by("-has_photo", "-beneficiaries", "starts_at", "pk")[:HIGHLIGHT_COUNT]
    )
    first_photo: dict[int, str] = {}
    for activity_id, name in (
        Attachment.objects.filter(
            activity__in=[a.pk for a in chosen if a.has_photo], kind=AttachmentKind.PHOTO
        )
        .order_by("activity_id", "uploaded_at", "pk")
        .values_list("activity_id", "file")
    ):
        first_photo.setdefault(activity_id, name)
    return [
        {
            "id": a.pk,
            "title": a.title,
            "date": _day(a.starts_at),
            "organiser": _organiser(a),
            "measure": f"{a.measure.code} {a.measure.title}",
            "outcome": a.outcome,
            "photo": first_photo.get(a.pk, ""),
        }
        for a in chosen
    ]


def _honours(committee: Committee, period: Period) -> list[dict[str, object]]:
    honours = (
        Honour.objects.filter(
            committee=committee, awarded_on__gte=period.start, awarded_on__lt=period.end
        )
        .select_related("branch")
        .order_by("awarded_on", "pk")
    )
    return [
        {
            "title": h.title,
            "level": h.get_level_display(),
            "awarding_body": h.awarding_body,
            "awarded_on": h.awarded_on.isoformat(),
            "branch": h.branch.name if h.branch_id else committee.name,
        }
        for h in honours
    ]


def _partners(committee: Committee, period: Period) -> list[dict[str, object]]:
    rows = dashboards.partner_engagement(committee, period, today=period.last_day)
    result = []
    for row in rows:
        if not row.partner.is_active and not row.in_period:
            continue
        ends = [line.partnership.ends_on for line in row.partnerships if line.partnership.ends_on]
        ending = [d for d in ends if d >= period.start]
        result.append(
            {
                "name": row.partner.name,
                "kind": row.partner.get_kind_display(),
                "in_period": row.in_period,
                "last_activity_date": (
                    row.last_activity_date.isoformat() if row.last_activity_date else None
                ),
                "is_quiet": row.is_quiet,
                "agreement_ends_on": min(ending).isoformat() if ending else None,
                "confirmed": row.confirmed,
                "corrected": row.corrected,
                **{figure: getattr(row, figure) for figure in dashboards.RATING_FIGURES},
            }
        )
    return result


def report_content(
    committee: Committee, period: Period, *, now: dt.datetime | None = None
) -> dict[str, object]:
    """The report of ``committee`` for ``period`` as a JSON-able dict (see the module)."""
    now = now or timezone.now()
    # Names of choices (partner kind, honour level) are stored in the report's language.
    with override("zh-hans"):
        return _printable(_content(committee, period, now))


#: Control characters (pasted from Word) that XML — the Word and Excel files — cannot hold.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _printable(value):
    """``value`` with every string stripped of characters no document format can carry."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


def _content(committee: Committee, period: Period, now: dt.datetime) -> dict[str, object]:
    overview = dashboards.committee_overview(committee, period, now=now)
    matrix = dashboards.coverage_matrix(committee, period)
    activities = _activity_rows(committee, period)
    headline = overview.headline
    participation = overview.participation
    members_active = sum(int(b.members_active.current or 0) for b in overview.branches)
    members_attended = sum(int(b.members_attended.current or 0) for b in overview.branches)
    return {
        "version": CONTENT_VERSION,
        "committee": {
            "id": committee.pk,
            "name": committee.name,
            "organisation": committee.organisation,
        },
        "framework": _framework(committee),
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "last_day": period.last_day.isoformat(),
            "label": period.label,
            "previous_label": period.previous().label,
            "year_ago_label": period.year_earlier().label,
        },
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "headline": [{"key": key, **_three(getattr(headline, key))} for key in HEADLINE_KEYS],
        "backlog": {
            "waiting": headline.backlog.waiting,
            "over_week": headline.backlog.over_week,
        },
        "measures": [
            {
                "code": row.item.code,
                "title": row.item.title,
                "activities": _three(row.activities),
                "volunteers": row.volunteers.current,
                "beneficiaries": row.beneficiaries.current,
                "external_participants": row.external_participants.current,
            }
            for row in overview.measures
        ],
        "goals": [
            {"code": row.item.code, "title": row.item.title, "activities": _three(row.activities)}
            for row in overview.goals
        ],
        "branches": [
            {
                "id": row.branch.pk,
                "name": row.branch.name,
                "activities": _three(row.activities),
                "members_active": row.members_active.current,
                "members_attended": row.members_attended.current,
                "participation": row.participation.current,
                "participation_previous": row.participation.previous,
                "confirmations": {
                    figure: getattr(row.confirmations, figure).current
                    for figure in dashboards.CONFIRMATION_FIGURES
                },
            }
            for row in overview.branches
        ],
        "participation": {
            "members_active": members_active,
            "members_attended": members_attended,
            "rate": participation.current,
            "previous_rate": participation.previous,
            "year_ago_rate": participation.year_ago,
        },
        "confirmations": _confirmation_figures(headline.confirmations),
        "coverage": {
            "columns": [{"code": c.code, "title": c.title} for c in matrix.columns],
            "rows": [
                {
                    "branch": row.branch.name,
                    "counts": [cell.count for cell in row.cells],
                    "gaps": [column.code for column in row.gaps],
                }
                for row in matrix.rows
            ],
            "covered_by": matrix.covered_by,
            "gap_count": matrix.gap_count,
        },
        "partners": _partners(committee, period),
        "honours": _honours(committee, period),
        "highlights": _highlights(committee, period),
        "activities": activities,
        "totals": {
            "activities": len(activities),
            "attendances": sum(a["attendees"] for a in activities),
            "volunteers": sum(a["volunteers"] for a in activities),
            "beneficiaries": sum(a["beneficiaries"] for a in activities),
            "external_participants": sum(a["external_participants"] for a in activities),
        },
    }
