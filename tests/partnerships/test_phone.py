"""Partner contacts' phone numbers: masked everywhere, revealed to a committee admin only,
every reveal audited."""

from __future__ import annotations

from django.urls import reverse

from branches.models import AuditAction, AuditEntry
from tests import factories

RAW = "13566667777"
MASKED = "135****7777"


def _contact(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="城东社区")
    return factories.ContactFactory(partner=partner, name="陈主任", title="书记", phone=RAW)


def _reveal_url(contact) -> str:
    return reverse("partnerships:contact_phone_reveal", args=[contact.pk])


def test_partner_page_shows_the_contact_phone_masked_with_a_reveal_button(cast):
    contact = _contact(cast)
    url = reverse("admin:partnerships_partnerorganisation_change", args=[contact.partner.pk])
    html = cast.client_for(cast.admin_a).get(url).content.decode()
    assert MASKED in html
    assert RAW not in html
    assert f'formaction="{_reveal_url(contact)}"' in html


def test_committee_admin_reveals_a_contact_number_and_the_reveal_is_audited(cast):
    contact = _contact(cast)
    response = cast.client_for(cast.admin_a).post(_reveal_url(contact))
    assert response.status_code == 200
    html = response.content.decode()
    assert RAW in html
    assert "陈主任" in html
    assert reverse("admin:partnerships_partnerorganisation_change", args=[contact.partner.pk]) in (
        html
    )
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action=AuditAction.PHONE_REVEAL)
    assert entry.user == cast.admin_a
    assert entry.committee == cast.committee_a
    assert entry.object_type == "contact"
    assert entry.object_id == str(contact.pk)
    assert RAW not in entry.detail
    assert RAW not in entry.object_repr


def test_contact_reveal_is_not_found_for_another_committees_admin_and_a_secretary(cast):
    contact = _contact(cast)
    for user in (cast.admin_b, cast.secretary_a1, cast.staff_a):
        response = cast.client_for(user).post(_reveal_url(contact))
        assert response.status_code == 404, user
        assert RAW not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


def test_contact_reveal_refuses_get_and_needs_a_login(cast):
    contact = _contact(cast)
    assert cast.client_for(cast.admin_a).get(_reveal_url(contact)).status_code == 405
    anonymous = cast.client_for(None).post(_reveal_url(contact))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert not AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


def test_reveal_button_posting_the_partner_form_reveals_and_changes_nothing(cast):
    contact = _contact(cast)
    client = cast.client_for(cast.admin_a)
    # The button submits the whole change form to the reveal URL: the form's fields ride along
    # and must be ignored.
    response = client.post(_reveal_url(contact), {"name": "改掉的名字", "contacts-0-phone": "1"})
    assert response.status_code == 200
    contact.partner.refresh_from_db()
    contact.refresh_from_db()
    assert contact.partner.name == "城东社区"
    assert contact.phone == RAW
