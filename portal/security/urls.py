"""Logging in and out, the password and the second factor, mounted under ``/accounts/``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal.security import views_two_factor
from portal.security.views import PasswordChangeView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views_two_factor.account, name="two_factor_account"),
    path("two-factor/setup/", views_two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", views_two_factor.verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        views_two_factor.recovery_codes_new,
        name="two_factor_recovery_codes",
    ),
]
