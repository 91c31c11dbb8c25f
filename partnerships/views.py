"""Partner views: revealing one contact's phone number (committee admins only, audited)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnerships.models import Contact, PartnerOrganisation
from partnerships.services import contact_phone_reveal


@never_cache
@login_required
@require_POST
def contact_phone_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one partner contact's full phone number to an admin of the partner's committee.

    Anyone else gets a 404, as if the contact did not exist; every reveal is audited.
    """
    contact = get_object_or_404(
        Contact.objects.for_admin_user(request.user).select_related("partner__committee"), pk=pk
    )
    phone = contact_phone_reveal(contact=contact, user=request.user, request=request)
    partner = contact.partner
    return render(
        request,
        "admin/phone_reveal.html",
        {
            **admin.site.each_context(request),
            "opts": PartnerOrganisation._meta,
            "changelist_url": reverse("admin:partnerships_partnerorganisation_changelist"),
            "change_url": reverse(
                "admin:partnerships_partnerorganisation_change", args=[partner.pk]
            ),
            "owner_name": partner.name,
            "holder_name": contact.name,
            "holder_context": f"{contact.title} · {partner.name}"
            if contact.title
            else partner.name,
            "phone_label": Contact._meta.get_field("phone").verbose_name,
            "phone": phone,
            "back_label": _("Back to the partner organisation"),
        },
    )
