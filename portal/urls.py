"""The project's URLs: one ``urls.py`` per feature, mounted here."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("Joint Party-Building Portal")
admin.site.site_title = _("Joint Party-Building Portal")
admin.site.index_title = _("Roster maintenance")

urlpatterns = [
    path("", include("portal.home.urls")),
    path("accounts/", include("portal.security.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("branches/", include("branches.urls")),
    path("partnerships/", include("partnerships.urls")),
    path("activities/", include("activities.urls")),
    path("dashboard/", include("portal.dashboards.urls")),
    path("reminders/", include("portal.reminders.urls")),
    path("audit/", include("portal.audit.urls")),
    path("reports/", include("portal.reports.urls")),
    path("records/", include("portal.records.urls")),
    # Partner confirmation: the partners' token pages (p/…) and the branch's pages about them.
    path("", include("portal.partners.urls")),
    # On-site sign-in: the organisers' pages beside the activity, the public ones under s/.
    path("", include("portal.signin.urls")),
    # One password page for every login: its rules, its throttle of wrong current passwords,
    # its record of who chose the password (the admin's own page has none of them).
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change", query_string=True),
    ),
    path("admin/", admin.site.urls),
    # Protected files (access-checked downloads) and the health check (no login).
    path("", include("portal.core.urls")),
]

# No stack trace, a reference the server log also carries (403/404: templates/403.html, 404.html).
handler500 = "portal.core.errors.server_error"
