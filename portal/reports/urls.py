"""The progress reports, mounted under ``/reports/`` by the project URLs (namespace ``reports``)."""

from django.urls import path

from portal.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/regenerate/", views.report_regenerate, name="regenerate"),
    path("<int:pk>/download/<slug:fmt>/", views.report_download, name="download"),
]
