"""The partner side's URLs (namespace ``partners``), mounted at the site's root by the project
URLs: the public pages behind a token under ``p/`` (short: they go into QR codes), the logged-in
pages beside the activity they concern (``activities/<pk>/partners/``) and under ``partners/``."""

from django.urls import path

from portal.partners.views import branch, public

app_name = "partners"
urlpatterns = [
    # --- The branch, staff and committee admins (logged in): asking, withdrawing, reminding,
    # and a contact's links to their unit's own page.
    path("activities/<int:pk>/partners/", branch.partner_ask, name="ask"),
    path("partners/links/<int:pk>/withdraw/", branch.partner_link_withdraw, name="link_withdraw"),
    path("partners/links/<int:pk>/remind/", branch.partner_link_remind, name="link_remind"),
    path("partners/contacts/<int:pk>/page-links/", branch.partner_page_links, name="page_links"),
    # --- Public, behind a partner's link (no login; the token rules: views/public.py) -------
    # "p/<str:token>/" takes any one segment under p/: a login page of the portal under p/
    # would go above this group, or have two segments or more.
    # A link about one activity: GET the record and the form, POST the answer.
    path("p/<str:token>/", public.answer, name="answer"),
    path("p/<str:token>/photo/<int:attachment_id>/", public.photo, name="photo"),
    path(
        "p/<str:token>/photo/<int:attachment_id>/thumb/",
        public.photo,
        {"size": "thumb"},
        name="photo_thumb",
    ),
    # A partner's own page, and the answer about one of its pending activities (POST).
    path("p/u/<str:token>/", public.page, name="page"),
    path("p/u/<str:token>/<int:activity_id>/", public.page_answer, name="page_answer"),
]
