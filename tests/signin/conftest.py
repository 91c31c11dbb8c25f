"""On-site sign-in. An activity of branch A1 (co-organised by A2 where a test says so) taking
place now, held with the partner unit 春江街道; its sign-in opened by A1's secretary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import ActivityStatus
from portal.signin import services
from tests import factories


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def chunjiang(cast):
    return factories.PartnerFactory(committee=cast.committee_a, name="春江街道")


@pytest.fixture
def venue(cast, chunjiang):
    """A draft of branch A1 that started ten minutes ago and ends in two hours."""
    now = timezone.now()
    return factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        title="春江街道联建主题党日",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        location="春江街道党群服务中心",
        status=ActivityStatus.DRAFT,
        partners=[chunjiang],
        attendees=[],
        evidence=False,
    )


@pytest.fixture
def sheet(cast, venue):
    return services.sheet_open(venue, by=cast.secretary_a1)


def member_with_login(branch, name: str, username: str):
    user = factories.UserFactory(username=username)
    return factories.MemberFactory(branch=branch, user=user, name=name)
