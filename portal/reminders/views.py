"""The reminders page: this week's reminders first, then older weeks, paginated.

Every user sees their own reminders only (``Reminder.objects.for_user``); what is recorded for
whom is decided in ``portal.reminders.services``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.core.periods import local_today
from portal.reminders.models import Reminder, iso_week
from portal.reminders.services import reminders_this_week

#: Older reminders per page.
PER_PAGE = 25


@dataclass(frozen=True)
class Week:
    week: str
    reminders: list[Reminder]

    @property
    def monday(self) -> dt.date:
        year, number = self.week.split("-W")
        return dt.date.fromisocalendar(int(year), int(number), 1)

    @property
    def label(self) -> str:
        monday = self.monday
        return _("Week of %(monday)s") % {"monday": monday.isoformat()}


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    today = local_today()
    this_week = list(reminders_this_week(request.user, today=today))
    older = (
        Reminder.objects.for_user(request.user)
        .exclude(week=iso_week(today))
        .order_by("-week", "kind", "-created_at", "pk")
    )
    page = Paginator(older, PER_PAGE).get_page(request.GET.get("page"))
    weeks = [
        Week(week=week, reminders=list(items))
        for week, items in groupby(page.object_list, key=lambda r: r.week)
    ]
    context = {
        "this_week": this_week,
        "this_week_label": Week(week=iso_week(today), reminders=this_week).label,
        "weeks": weeks,
        "page": page,
    }
    return render(request, "reminders/list.html", context)
