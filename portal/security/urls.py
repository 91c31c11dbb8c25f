"""Logging in and out, the password and the second factor, mounted under ``/accounts/``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal.security.forms import LoginForm
from portal.security.views import two_factor
from portal.security.views.password import PasswordChangeView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", two_factor.account, name="two_factor_account"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        two_factor.recovery_codes_new,
        name="two_factor_recovery_codes",
    ),
]
