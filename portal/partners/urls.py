"""The partner side's URLs, mounted at ``p/`` (short: they go into QR codes)."""

from django.urls import path

from portal.partners.views import public

app_name = "partners"
urlpatterns = [
    # --- Public, behind a partner's link (no login; the token rules: views/public.py) -------
    # "<str:token>/" takes any one segment: routes of the portal's own (login) pages under
    # p/ go above this group, or have two segments or more.
    # A link about one activity: GET the record and the form, POST the answer.
    path("<str:token>/", public.answer, name="answer"),
    path("<str:token>/photo/<int:attachment_id>/", public.photo, name="photo"),
    path(
        "<str:token>/photo/<int:attachment_id>/thumb/",
        public.photo,
        {"size": "thumb"},
        name="photo_thumb",
    ),
    # A partner's own page, and the answer about one of its pending activities (POST).
    path("u/<str:token>/", public.page, name="page"),
    path("u/<str:token>/<int:activity_id>/", public.page_answer, name="page_answer"),
]
