"""Partner and partnership admin: contacts' phones masked, partners chosen in-committee."""

from __future__ import annotations

from django.urls import reverse

from partnerships.models import Contact, PartnershipMember
from tests import factories


def _post_data(response) -> dict:
    """The change page's form and inline formsets as the browser would post them back."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value() or 0)
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_partner_change_page_masks_contact_phones(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    factories.ContactFactory(partner=partner, name="陈主任", phone="13566667777")
    url = reverse("admin:partnerships_partnerorganisation_change", args=[partner.pk])
    html = cast.client_for(cast.admin_a).get(url).content.decode()
    assert "135****7777" in html
    assert "13566667777" not in html


def test_saving_a_partner_untouched_keeps_contact_phones(cast):
    partner = factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    contact = factories.ContactFactory(partner=partner, name="陈主任", phone="13566667777")
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_partnerorganisation_change", args=[partner.pk])
    data = _post_data(client.get(url))
    data["city"] = "杭州富阳"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    contact.refresh_from_db()
    assert contact.phone == "13566667777"
    partner.refresh_from_db()
    assert partner.city == "杭州富阳"


def test_partner_list_is_scoped_and_search_finds_own_contacts(cast):
    mine = factories.PartnerFactory(committee=cast.committee_a, name="宿城区工会")
    factories.ContactFactory(partner=mine, name="共同的名字")
    theirs = factories.PartnerFactory(committee=cast.committee_b, name="外地工会")
    factories.ContactFactory(partner=theirs, name="共同的名字")
    response = cast.client_for(cast.admin_a).get(
        reverse("admin:partnerships_partnerorganisation_changelist"), {"q": "共同的名字"}
    )
    assert list(response.context["cl"].result_list) == [mine]


def test_partnership_cannot_take_a_partner_of_another_committee(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    foreign = factories.PartnerFactory(committee=cast.committee_b, name="外地社区")
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    data = _post_data(client.get(url))
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-partner": str(foreign.pk),
            "memberships-0-joined_on": "2023-02-01",
            "memberships-0-partnership": str(partnership.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert not PartnershipMember.objects.filter(partner=foreign).exists()


def test_contacts_of_another_committee_never_show_in_an_inline(cast):
    factories.ContactFactory(
        partner=factories.PartnerFactory(committee=cast.committee_b), name="外人联系人"
    )
    partner = factories.PartnerFactory(committee=cast.committee_a)
    url = reverse("admin:partnerships_partnerorganisation_change", args=[partner.pk])
    html = cast.client_for(cast.admin_a).get(url).content.decode()
    assert "外人联系人" not in html
    assert Contact.objects.count() == 1


def test_a_forged_form_count_renders_no_more_rows_than_the_inline_allows(cast):
    """TOTAL_FORMS of 10³⁰ once made the page render Django's bound of a thousand inline rows
    (seconds of a worker per POST): now the inline's own bound, with a message and nothing
    saved."""
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    data = _post_data(client.get(url))
    data.update({"memberships-TOTAL_FORMS": "9" * 30, "title": "改过的名字"})

    response = client.post(url, data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert len(formset.forms) == 100
    assert "请最多提交 100 个表单" in response.content.decode()
    partnership.refresh_from_db()
    assert partnership.title != "改过的名字"
    assert not PartnershipMember.objects.filter(partnership=partnership).exists()
