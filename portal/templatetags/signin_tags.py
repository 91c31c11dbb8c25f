"""The on-site sign-in on the activity page: ``{% signin_section %}`` renders the section
"现场签到" (templates/signin/includes/activity_section.html) from the page's ``activity`` and
``request``: the sheet's state and counts, and the way to it for those who hold it.

One query (the sheet and its counts) for an activity that has a sheet or may get one; none
for the others.
"""

from __future__ import annotations

from django import template

from portal.signin import services
from portal.signin.models import SignInSheet, entry_counts

register = template.Library()


@register.inclusion_tag("signin/includes/activity_section.html", takes_context=True)
def signin_section(context: template.Context) -> dict:
    activity = context["activity"]
    request = context["request"]
    holds = services.may_hold_signin(request.user, activity)
    sheet = (
        SignInSheet.objects.filter(activity_id=activity.pk)
        .annotate(**entry_counts("entries__"))
        .first()
    )
    if sheet is None and not (holds and services.signin_changeable(activity)):
        return {"shown": False}
    if sheet is not None:
        sheet.activity = activity
    return {
        "shown": True,
        "activity": activity,
        "sheet": sheet,
        "state": sheet.state() if sheet is not None else None,
        "holds": holds,
    }
