"""The logged-in side of partner confirmation: the branch (or a committee admin) asks an
activity's partner contacts to confirm it, sees the links it gave, withdraws one or has the one
reminder e-mailed; a committee admin gives a contact a link to their unit's own page.

Access: an activity's links are seen by whoever reads the activity (its page); asking,
withdrawing and reminding are the organiser's and the committee admins'
(``services.may_ask_partners``, checked again by the services under a lock). Outsiders get a
404, as for the activity itself; a reader without the right, a 403. A contact's own-page links
are its committee's admins' only (404 to anyone else).

A token is known only when its link is issued: the page showing it is the answer to the POST
that issued it, never cached, and cannot be opened again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from activities import access
from activities.models import Activity
from branches.access import scope_for
from partnerships.models import Contact
from portal.core.ids import parse_ids
from portal.core.qr import qr_code_svg
from portal.partners import selectors, services
from portal.partners.models import LinkPurpose, LinkState, PartnerLink


@dataclass(frozen=True)
class LinkCard:
    """A link just issued, as its one-time page shows it: the address, its QR code, and
    whether the contact also gets one by e-mail."""

    issued: services.IssuedLink
    url: str
    qr: SafeString

    @property
    def link(self) -> PartnerLink:
        return self.issued.link


def _cards(request: HttpRequest, issued: list[services.IssuedLink]) -> list[LinkCard]:
    cards = []
    for one in issued:
        url = request.build_absolute_uri(one.path)
        title = _("QR code of the link for %(contact)s") % {"contact": one.link.contact.name}
        cards.append(LinkCard(issued=one, url=url, qr=qr_code_svg(url, title=title)))
    return cards


def _activity_for_asking(request: HttpRequest, pk: int) -> Activity:
    """The activity, if the user may ask its partners: 404 to outsiders, 403 to readers."""
    activity = access.get_activity_or_404(request.user, pk)
    if not services.may_ask_partners(request.user, activity):
        raise PermissionDenied(_("You may not ask the partners about this activity."))
    return activity


def _askable(activity: Activity) -> bool:
    return not activity.is_archived and activity.status in services.ASKABLE_STATUSES


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partner_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the activity's partner units with their contacts to tick (each unit's default
    contact ticked). POST: one link per contact ticked, shown once with its QR code; any
    refusal (none ticked, a contact of another unit, a draft) comes back as a message, nothing
    saved."""
    activity = _activity_for_asking(request, pk)
    if request.method == "POST":
        return _ask(request, activity)
    units = selectors.askable_units(activity)
    return render(
        request,
        "partners/ask.html",
        {
            "activity": activity,
            "units": units,
            "askable": _askable(activity),
            "any_contact": any(unit.contacts for unit in units),
            "link_days": settings.PARTNER_LINK_DAYS,
            "is_committee_admin": scope_for(request.user).administers_committee(
                activity.committee_id
            ),
        },
    )


def _ask(request: HttpRequest, activity: Activity) -> HttpResponse:
    again = redirect("partners:ask", pk=activity.pk)
    posted = request.POST.getlist("contacts")
    ids = set(parse_ids(posted))
    contacts = list(
        Contact.objects.filter(pk__in=ids, partner__committee_id=activity.committee_id)
        .select_related("partner")
        .order_by("partner__name", "-is_primary", "name", "pk")
    )
    if len(contacts) != len(posted):  # a forged, unknown or repeated id: nothing is issued
        messages.error(
            request, _("Only contacts of the activity's partner organisations are asked.")
        )
        return again
    try:
        issued = services.partner_links_issue(
            activity=activity, contacts=contacts, by=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return again
    return render(
        request,
        "partners/asked.html",
        {"activity": activity, "cards": _cards(request, issued)},
    )


def _link_for_acting(request: HttpRequest, pk: int) -> PartnerLink:
    """A link the user may withdraw or remind of: about an activity they may ask about
    (404 when they cannot read it, 403 when they read it only), or — a partner's own page — of
    a committee they administer (404 otherwise)."""
    link = get_object_or_404(
        PartnerLink.objects.for_user(request.user).select_related("contact__partner"), pk=pk
    )
    if link.activity_id is None:
        if not scope_for(request.user).administers_committee(link.committee_id):
            raise Http404
        return link
    link.activity = _activity_for_asking(request, link.activity_id)
    return link


def _back_to(link: PartnerLink) -> HttpResponse:
    if link.activity_id is not None:
        return redirect("activities:detail", pk=link.activity_id)
    return redirect("partners:page_links", pk=link.contact_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partner_link_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what withdrawing the link means, and the button. POST: withdrawn (it opens nothing
    from now on), back to the activity or the contact's page links, with a message."""
    link = _link_for_acting(request, pk)
    if request.method == "POST":
        if link.state() != LinkState.OPEN:
            messages.info(request, _("This link no longer opens anything: nothing to withdraw."))
        elif services.partner_link_revoke(link, by=request.user, request=request):
            messages.success(
                request,
                _("The link for %(contact)s was withdrawn: it opens nothing any more.")
                % {"contact": link.contact},
            )
        return _back_to(link)
    return render(
        request,
        "partners/link_withdraw.html",
        {"link": link, "state": link.state(), "activity": link.activity},
    )


@login_required
@require_POST
def partner_link_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """The one reminder e-mail to a contact who has not answered for a week, sent when the
    branch asks for it; back to the activity with a message."""
    link = _link_for_acting(request, pk)
    if link.purpose != LinkPurpose.ANSWER:
        return _back_to(link)
    try:
        services.partner_link_remind(link, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A reminder with a new link is being e-mailed to %(contact)s (%(email)s).")
            % {"contact": link.contact, "email": link.contact.email},
        )
    return _back_to(link)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partner_page_links(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee admin's page for one contact: the links to their unit's own page given so
    far (each may be withdrawn) and, POST, a new one shown once with its QR code (the earlier
    ones withdrawn)."""
    contact = get_object_or_404(
        Contact.objects.for_admin_user(request.user).select_related("partner__committee"), pk=pk
    )
    if request.method == "POST":
        issued = services.partner_page_link_issue(contact=contact, by=request.user, request=request)
        return render(
            request,
            "partners/page_link_issued.html",
            {"contact": contact, "cards": _cards(request, [issued])},
        )
    return render(
        request,
        "partners/page_links.html",
        {
            "contact": contact,
            "links": [(link, link.state()) for link in selectors.contact_page_links(contact)],
            "page_days": settings.PARTNER_PAGE_DAYS,
        },
    )
