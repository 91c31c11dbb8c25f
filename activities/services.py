"""Writes of activities: every relation checked before anything is saved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from activities.models import Activity, Goal
from branches.models import Branch, Member
from partnerships.models import PartnerOrganisation


@transaction.atomic
def activity_create(
    *,
    created_by: AbstractBaseUser | None,
    partners: Iterable[PartnerOrganisation] = (),
    attendees: Iterable[Member] = (),
    co_branches: Iterable[Branch] = (),
    goals: Iterable[Goal] = (),
    **fields: Any,
) -> Activity:
    """Create an activity with its relations; on any invalid field or relation, nothing is saved."""
    partners, attendees, co_branches, goals = (
        list(partners),
        list(attendees),
        list(co_branches),
        list(goals),
    )
    activity = Activity(created_by=created_by, **fields)
    activity.full_clean()
    activity.validate_relations(
        partners=partners, attendees=attendees, co_branches=co_branches, goals=goals
    )
    activity.save()
    activity.partners.set(partners)
    activity.attendees.set(attendees)
    activity.co_branches.set(co_branches)
    activity.goals.set(goals)
    return activity
