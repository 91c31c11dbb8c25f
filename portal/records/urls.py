"""The records, mounted under ``/records/`` by the project URLs (namespace ``records``)."""

from django.urls import path

from portal.records import views

app_name = "records"
urlpatterns = [
    path("activity/<int:pk>/record.<slug:fmt>", views.activity_record, name="activity"),
    path("evidence/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/", views.evidence_pack, name="pack"),
    path("evidence/<int:pk>/download/", views.evidence_pack_download, name="pack_download"),
]
