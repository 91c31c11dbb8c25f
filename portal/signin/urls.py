"""The on-site sign-in's URLs (namespace ``signin``), mounted at the site's root: the organisers'
pages beside the activity (``activities/<pk>/signin/``), the public ones under ``s/`` (short:
they go into QR codes)."""

from django.urls import path

from portal.signin.views import officer, public

app_name = "signin"
urlpatterns = [
    path("activities/<int:pk>/signin/", officer.sheet, name="sheet"),
    path("activities/<int:pk>/signin/open/", officer.sheet_open, name="open"),
    path("activities/<int:pk>/signin/close/", officer.sheet_close, name="close"),
    path("activities/<int:pk>/signin/live/", officer.live, name="live"),
    path("activities/<int:pk>/signin/poster/", officer.poster, name="poster"),
    path("activities/<int:pk>/signin/add/", officer.entry_add, name="add"),
    path(
        "activities/<int:pk>/signin/entries/<int:entry_id>/remove/",
        officer.entry_remove,
        name="remove",
    ),
    # --- Public (no login needed) ---------------------------------------------------------
    path("s/", public.code, name="code"),
    # The sheet's page ("in/" first: a token always has two dots, so never reads "in").
    path("s/in/<str:public_id>/", public.sign, name="sign"),
    path("s/<str:token>/", public.scan, name="scan"),
]
