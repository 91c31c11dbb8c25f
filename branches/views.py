"""Branch views: revealing one member's phone number (committee admins only, audited)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from branches.models import Member
from branches.services import member_phone_reveal


@never_cache
@login_required
@require_POST
def member_phone_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one member's full phone number to an admin of the member's committee.

    Anyone else gets a 404, as if the member did not exist; every reveal is audited.
    """
    member = get_object_or_404(
        Member.objects.for_admin_user(request.user).select_related("committee", "branch"), pk=pk
    )
    phone = member_phone_reveal(member=member, user=request.user, request=request)
    return render(
        request,
        "admin/phone_reveal.html",
        {
            **admin.site.each_context(request),
            "opts": Member._meta,
            "changelist_url": reverse("admin:branches_member_changelist"),
            "change_url": reverse("admin:branches_member_change", args=[member.pk]),
            "owner_name": member.name,
            "holder_name": member.name,
            "holder_context": member.branch.name,
            "phone_label": Member._meta.get_field("phone").verbose_name,
            "phone": phone,
            "back_label": _("Back to the member"),
        },
    )
