"""Login controls in the admin (superusers only): locked-out logins, whose row a superuser
deletes to unlock them, and each login's second factor, which a superuser resets.

django-otp's own device admins are taken away: their pages show the secret keys and the
recovery codes.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.security.two_factor import two_factor_reset

admin.site.register(AccessAttempt, AccessAttemptAdmin)

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """Django's user admin, with whether each login has a second factor, and the action that
    resets it."""

    list_display = (*UserAdmin.list_display, "has_two_factor")
    actions = ("two_factor_reset_selected",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(two_factor=Exists(confirmed))

    @admin.display(boolean=True, description=gettext_lazy("Two-step verification"))
    def has_two_factor(self, user) -> bool:
        return user.two_factor

    def has_two_factor_reset_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(
        permissions=["two_factor_reset"],
        description=gettext_lazy("Reset two-step verification of selected logins"),
    )
    def two_factor_reset_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """After a confirmation page, take the chosen logins' authenticators and recovery
        codes away: they set one up again at their next page if they must have one."""
        users = list(queryset.order_by("username"))
        if request.POST.get("post") == "yes":
            for user in users:
                two_factor_reset(user=user, by=request.user, request=request)
            self.message_user(
                request,
                _(
                    "Two-step verification reset for %(count)d logins: they set it up again "
                    "when they next open a page, if they must have it."
                )
                % {"count": len(users)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reset two-step verification?"),
            "opts": self.model._meta,
            "users": users,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:auth_user_changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/two_factor_reset_confirmation.html", context)
