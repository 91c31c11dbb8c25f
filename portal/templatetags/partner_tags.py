"""The partner side on the activity page: ``{% partner_confirmation %}`` renders the section
"合作单位确认" (templates/partners/includes/activity_section.html) from the page's ``activity``
and ``request``.

The activity page's view (``activities.views.detail``) knows nothing of partner links: the
section reads them itself, in two queries whatever their number, and only for an activity that
has partner units or has been asked about.
"""

from __future__ import annotations

from django import template

from activities.models import PartnerCheck
from portal.partners import selectors, services

register = template.Library()


@register.inclusion_tag("partners/includes/activity_section.html", takes_context=True)
def partner_confirmation(context: template.Context) -> dict:
    activity = context["activity"]
    request = context["request"]
    # The page prefetched the partners: no query.
    partners = list(activity.partners.all())
    if not partners and activity.partner_check == PartnerCheck.NOT_ASKED:
        return {"shown": False}
    may_ask = services.may_ask_partners(request.user, activity)
    return {
        "shown": True,
        "activity": activity,
        "partners": partners,
        "confirmation": selectors.activity_partner_confirmation(activity),
        "may_ask": may_ask,
        "askable": may_ask
        and bool(partners)
        and not activity.is_archived
        and activity.status in services.ASKABLE_STATUSES,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
