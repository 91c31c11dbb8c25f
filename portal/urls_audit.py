"""The audit log page, mounted under ``/audit/`` by the project URLs (namespace ``audit``)."""

from django.urls import path

from portal import views_audit as views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
]
