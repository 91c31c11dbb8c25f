"""Reads of the on-site sign-in: the sheet of an activity for its officers, its list and counts,
and the sheets taking sign-ins now (a typed code is compared with theirs)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from activities.models import EDITABLE_STATUSES
from branches.models import Member
from portal.signin.models import SignInEntry, SignInSheet


def sheet_of(activity) -> SignInSheet | None:
    sheet = SignInSheet.objects.filter(activity_id=activity.pk).first()
    if sheet is not None:
        sheet.activity = activity  # the caller's row: its branch and committee are loaded
    return sheet


def sheet_entries(sheet: SignInSheet) -> list[SignInEntry]:
    """Everybody on the sheet, first signed first, with what their rows show (one query)."""
    return list(
        sheet.entries.select_related("member__branch", "partner", "added_by").order_by(
            "signed_at", "pk"
        )
    )


def accepting_sheets(now: dt.datetime | None = None) -> QuerySet[SignInSheet]:
    """The sheets taking sign-ins at ``now``, across committees: open, within their window,
    their activity not yet submitted. A handful at any moment."""
    now = now or timezone.now()
    opens_before = dt.timedelta(minutes=settings.SIGNIN_OPENS_MINUTES)
    return SignInSheet.objects.filter(
        closed_at__isnull=True,
        activity__starts_at__lte=now + opens_before,
        activity__ends_at__gte=now,
        activity__status__in=EDITABLE_STATUSES,
        activity__archived_at__isnull=True,
    ).select_related("activity")


def sheet_by_public_id(public_id: str) -> SignInSheet | None:
    """The sheet named in a public address, with its activity (archived: none)."""
    if not public_id or len(public_id) > 16:
        return None
    return (
        SignInSheet.objects.filter(public_id=public_id, activity__archived_at__isnull=True)
        .select_related("activity", "activity__committee", "activity__branch")
        .first()
    )


def members_to_add(sheet: SignInSheet, query: str, *, limit: int = 20) -> list[Member]:
    """Members on the roll of the sheet's committee whose name contains ``query``, not on the
    sheet yet: the officer's search when adding by hand. The organising branches' first."""
    query = query.strip()
    if not query:
        return []
    members = (
        Member.objects.current()
        .filter(committee_id=sheet.committee_id, name__icontains=query)
        .exclude(signins__sheet=sheet)
        .select_related("branch")
        .order_by("branch__sort_order", "name", "pk")
    )
    ids = sheet.activity.organising_branch_ids()
    found = list(members[: limit * 3])
    found.sort(key=lambda m: m.branch_id not in ids)
    return found[:limit]
