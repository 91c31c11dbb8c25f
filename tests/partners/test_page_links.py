"""A committee admin gives a partner's contact a link to their unit's own page: from the partner's
contact list in the admin, shown once with its QR code, withdrawn from the contact's page.
Nobody else reaches these pages."""

from __future__ import annotations

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal.partners.models import LinkPurpose, PartnerLink, token_hash
from tests.partners.conftest import tokens_in
from tests.portal.test_chinese_pages import ALLOWED, english_words

pytestmark = pytest.mark.django_db


def page_links_url(contact) -> str:
    return reverse("partners:page_links", args=[contact.pk])


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_the_partners_contact_list_in_the_admin_links_to_each_contacts_page_links(
    cast, chunjiang, zhang
):
    client = cast.client_for(cast.admin_a)
    page = text_of(
        client.get(reverse("admin:partnerships_partnerorganisation_change", args=[chunjiang.pk]))
    )
    assert f'href="{page_links_url(zhang)}"' in page
    assert "专页链接" in page
    assert 'name="contacts-0-is_primary"' in page  # the default contact is kept here too


def test_the_admin_gives_a_page_link_shown_once_with_its_qr_code(cast, zhang):
    client = cast.client_for(cast.admin_a)
    assert "暂无。" in text_of(client.get(page_links_url(zhang)))

    response = client.post(page_links_url(zhang))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = text_of(response)
    assert "此链接只显示一次" in text
    assert 'class="qr-code"' in text
    assert "贵单位专页" in text
    # No English word but the login's name in the header (the cast's logins have no full name).
    assert english_words(response.content.decode(), allowed=ALLOWED | {"admin_a"}) == []
    (token,) = set(tokens_in(text))
    assert f"/p/u/{token}/" in text
    link = PartnerLink.objects.get()
    assert (link.purpose, link.contact, link.created_by) == (LinkPurpose.PAGE, zhang, cast.admin_a)
    assert link.token_hash == token_hash(token)

    listed = text_of(client.get(page_links_url(zhang)))
    assert "有效" in listed
    assert token not in listed


def test_a_new_page_link_replaces_the_earlier_one_and_a_link_is_withdrawn(cast, zhang):
    client = cast.client_for(cast.admin_a)
    client.post(page_links_url(zhang))
    client.post(page_links_url(zhang))
    first, second = PartnerLink.objects.order_by("pk")
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None

    withdraw = reverse("partners:link_withdraw", args=[second.pk])
    assert "撤回后，链接将无法打开" in text_of(client.get(withdraw))
    response = client.post(withdraw, follow=True)

    assert response.redirect_chain == [(page_links_url(zhang), 302)]
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已撤回发给张三（春江街道）的链接，该链接从此无法打开。" in messages
    second.refresh_from_db()
    assert second.revoked_by == cast.admin_a


@pytest.mark.parametrize("username", ["secretary_a1", "secretary_a2", "staff_a", "admin_b"])
def test_only_the_committees_admins_reach_a_contacts_page_links(cast, zhang, username):
    cast.client_for(cast.admin_a).post(page_links_url(zhang))
    link = PartnerLink.objects.get()
    client = cast.client_for(getattr(cast, username))

    assert client.get(page_links_url(zhang)).status_code == 404
    assert client.post(page_links_url(zhang)).status_code == 404
    withdraw = reverse("partners:link_withdraw", args=[link.pk])
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 404
    assert PartnerLink.objects.get().revoked_at is None
    assert PartnerLink.objects.count() == 1
