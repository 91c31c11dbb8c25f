"""Integrity rules of partner organisations and partnerships."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerships.models import PartnershipMember, PartnershipStatus
from tests import factories


@pytest.mark.django_db
def test_partner_name_is_unique_within_a_committee():
    partner = factories.PartnerFactory(name="春江街道")
    factories.PartnerFactory(name="春江街道")  # another committee keeps its own roster
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartnerFactory(committee=partner.committee, name="春江街道")


@pytest.mark.django_db
def test_partnership_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartnershipFactory(starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2023, 12, 31))


@pytest.mark.django_db
def test_partnership_status_follows_its_dates():
    partnership = factories.PartnershipFactory(
        starts_on=dt.date(2023, 3, 1), ends_on=dt.date(2025, 2, 28)
    )
    assert partnership.status_on(dt.date(2023, 2, 28)) == PartnershipStatus.UPCOMING
    assert partnership.status_on(dt.date(2023, 3, 1)) == PartnershipStatus.ACTIVE
    assert partnership.status_on(dt.date(2025, 2, 28)) == PartnershipStatus.ACTIVE
    assert partnership.status_on(dt.date(2025, 3, 1)) == PartnershipStatus.ENDED


@pytest.mark.django_db
def test_partner_joins_a_partnership_once():
    member = factories.PartnershipMemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnershipMember.objects.create(
            partnership=member.partnership, partner=member.partner, joined_on=dt.date(2024, 1, 1)
        )


@pytest.mark.django_db
def test_partner_of_another_committee_cannot_join():
    partnership = factories.PartnershipFactory()
    stranger = factories.PartnerFactory()  # a different committee
    link = PartnershipMember(
        partnership=partnership, partner=stranger, joined_on=dt.date(2024, 1, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        link.full_clean()
    assert "partner" in excinfo.value.message_dict


@pytest.mark.django_db
def test_partnership_branch_must_belong_to_its_committee():
    partnership = factories.PartnershipFactory.build(
        committee=factories.CommitteeFactory(), branch=factories.BranchFactory()
    )
    with pytest.raises(ValidationError) as excinfo:
        partnership.full_clean()
    assert "branch" in excinfo.value.message_dict
