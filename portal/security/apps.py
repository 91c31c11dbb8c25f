from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "portal.security"
    label = "security"
    verbose_name = _("Login controls")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal.security.sessions import session_begin
        from portal.security.two_factor import two_factor_begin

        # Every way in (the login page, the admin's, a test client's force_login) passes here.
        user_logged_in.connect(session_begin, dispatch_uid="portal.security.session_begin")
        user_logged_in.connect(two_factor_begin, dispatch_uid="portal.security.two_factor_begin")
