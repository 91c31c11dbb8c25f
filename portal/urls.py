from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import files, views, views_health
from portal.security import views_two_factor
from portal.security.views import PasswordChangeView

admin.site.site_header = _("Joint Party-Building Portal")
admin.site.site_title = _("Joint Party-Building Portal")
admin.site.index_title = _("Roster maintenance")

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/two-factor/", views_two_factor.account, name="two_factor_account"),
    path("accounts/two-factor/setup/", views_two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", views_two_factor.verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        views_two_factor.recovery_codes_new,
        name="two_factor_recovery_codes",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("branches/", include("branches.urls")),
    path("partnerships/", include("partnerships.urls")),
    path("activities/", include("activities.urls")),
    path("dashboard/", include("portal.urls_dashboards")),
    path("reminders/", include("portal.urls_reminders")),
    path("audit/", include("portal.urls_audit")),
    path("reports/", include("portal.urls_reports")),
    path("files/<path:path>", files.download, name="protected_file"),
    path("admin/", admin.site.urls),
    # Monitoring: database, broker and worker heartbeat as JSON, 200 or 503; no login.
    path("healthz", views_health.healthz, name="healthz"),
]

# No stack trace, a reference the server log also carries (403/404: templates/403.html, 404.html).
handler500 = "portal.errors.server_error"
