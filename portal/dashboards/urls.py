"""The dashboards, mounted under ``/dashboard/`` by the project URLs (namespace ``dashboards``)."""

from django.urls import path

from portal.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.committee_dashboard, name="committee"),
    path("coverage/", views.coverage, name="coverage"),
    path("trends/", views.trends, name="trends"),
    path("partners/", views.partners, name="partners"),
    path("my-branch/", views.my_branch, name="my_branch"),
    path("branches/<int:pk>/", views.branch_dashboard, name="branch"),
]
