"""The partner side's URLs (namespace ``partners``), mounted at the site's root by the project
URLs: the public pages behind a token under ``p/``, the logged-in pages beside the activity they
concern (``activities/<pk>/partners/``) and under ``partners/``."""

from django.urls import path

from portal.partners.views import branch

app_name = "partners"
urlpatterns = [
    # --- The branch, staff and committee admins (logged in): asking, withdrawing, reminding,
    # and a contact's links to their unit's own page.
    path("activities/<int:pk>/partners/", branch.partner_ask, name="ask"),
    path("partners/links/<int:pk>/withdraw/", branch.partner_link_withdraw, name="link_withdraw"),
    path("partners/links/<int:pk>/remind/", branch.partner_link_remind, name="link_remind"),
    path("partners/contacts/<int:pk>/page-links/", branch.partner_page_links, name="page_links"),
    # --- The partner's pages behind a token (no login): placeholders until the public side's
    # views are merged; they answer nothing yet.
    path("p/<str:token>/", branch.public_page_placeholder, name="answer"),
    path("p/u/<str:token>/", branch.public_page_placeholder, name="page"),
]
