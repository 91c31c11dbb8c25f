"""A duplicate in the admin is the form's message, never a 500: every model with a uniqueness
rule, also where the rule reads a field the form does not have (a partner's name is unique
among the committee's live partners: the archive stamp is set by the portal, not the form)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from activities.models import Goal, Measure
from branches.models import Branch, Member, ProjectSite
from partnerships.models import PartnerOrganisation
from tests import factories
from tests.partnerships.test_admin import _post_data

pytestmark = pytest.mark.django_db


def _message(text: str) -> str:
    with override("zh-hans"):
        return gettext(text)


def _rename(client, model, row, **changes):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
    data = _post_data(client.get(url))
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(url, data)


def test_adding_a_partner_with_a_name_the_committee_has_is_refused_with_a_message(cast):
    factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:partnerships_partnerorganisation_add")
    data = _post_data(client.get(url))
    data.update({"name": "春江街道", "kind": "subdistrict"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert _message("A partner organisation with this name already exists.") in (
        response.content.decode()
    )
    assert PartnerOrganisation.all_objects.filter(name="春江街道").count() == 1


@pytest.mark.parametrize("who", ["admin_a", "superuser"])
def test_renaming_a_partner_to_a_name_the_committee_has_is_refused_with_a_message(cast, who):
    factories.PartnerFactory(committee=cast.committee_a, name="春江街道")
    other = factories.PartnerFactory(committee=cast.committee_a, name="宿城区工会")
    response = _rename(
        cast.client_for(getattr(cast, who)), PartnerOrganisation, other, name="春江街道"
    )
    assert response.status_code == 200
    assert _message("A partner organisation with this name already exists.") in (
        response.content.decode()
    )
    other.refresh_from_db()
    assert other.name == "宿城区工会"


def test_an_archived_partners_name_may_be_taken_by_a_live_one(cast):
    factories.PartnerFactory(
        committee=cast.committee_a, name="春江街道", archived_at=timezone.now()
    )
    other = factories.PartnerFactory(committee=cast.committee_a, name="宿城区工会")
    response = _rename(cast.client_for(cast.admin_a), PartnerOrganisation, other, name="春江街道")
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.name == "春江街道"


def test_another_committees_partner_name_is_free(cast):
    factories.PartnerFactory(committee=cast.committee_b, name="春江街道")
    other = factories.PartnerFactory(committee=cast.committee_a, name="宿城区工会")
    response = _rename(cast.client_for(cast.admin_a), PartnerOrganisation, other, name="春江街道")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("model", "make", "field", "message"),
    [
        (Branch, factories.BranchFactory, "name", "A branch with this name already exists."),
        (
            ProjectSite,
            factories.ProjectSiteFactory,
            "name",
            "A project site with this name already exists.",
        ),
        (Goal, factories.GoalFactory, "code", None),
        (Measure, factories.MeasureFactory, "code", None),
    ],
)
def test_a_duplicate_in_the_committee_is_refused_with_a_message(cast, model, make, field, message):
    first, second = make(committee=cast.committee_a), make(committee=cast.committee_a)
    response = _rename(
        cast.client_for(cast.admin_a), model, second, **{field: getattr(first, field)}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors, "the duplicate was not refused"
    if message:
        assert _message(message) in response.content.decode()
    second.refresh_from_db()
    assert getattr(second, field) != getattr(first, field)


def test_a_member_number_taken_in_the_committee_is_refused_with_a_message(cast):
    factories.MemberFactory(branch=cast.branch_a1, member_number="A-001")
    other = factories.MemberFactory(branch=cast.branch_a2, member_number="A-002")
    response = _rename(cast.client_for(cast.admin_a), Member, other, member_number="A-001")
    assert response.status_code == 200
    assert _message("Another member of the committee has this number.") in (
        response.content.decode()
    )
    other.refresh_from_db()
    assert other.member_number == "A-002"
