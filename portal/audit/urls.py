"""The audit log page, mounted under ``/audit/`` by the project URLs (namespace ``audit``)."""

from django.urls import path

from portal.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
]
