"""Reads of partnerships: how far a yearly plan has got."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from activities.models import counted_as_done
from partnerships.models import PlanItem, YearPlan


@dataclass(frozen=True)
class PlanItemProgress:
    item: PlanItem
    #: activities fulfilling the item that count as done (``counted_as_done``)
    done_count: int
    #: the planned month or quarter is over (as of the day asked) and nothing is done
    is_overdue: bool

    @property
    def is_done(self) -> bool:
        return self.done_count > 0


@dataclass(frozen=True)
class PlanProgress:
    plan: YearPlan
    items: list[PlanItemProgress]

    @property
    def planned(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for row in self.items if row.is_done)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.items if row.is_overdue)


def plan_progress(plan: YearPlan, *, today: dt.date | None = None) -> PlanProgress:
    """Each item of ``plan`` with what is done of it, and whether it is overdue: done once an
    activity fulfilling it counts as done (approved, not archived), the figures' one rule;
    overdue once its month or quarter has ended (``today``: the committee's day, Asia/Shanghai)
    with nothing done. One query, whatever the number of items."""
    today = today or timezone.localdate()
    items = (
        PlanItem.objects.filter(plan=plan)
        .select_related("measure", "branch")
        .annotate(done_count=Count("activities", filter=counted_as_done("activities__")))
        .order_by("position", "pk")
    )
    rows = []
    for item in items:
        item.plan = plan  # period_dates reads the plan's year: no query per item
        _first, last = item.period_dates()
        rows.append(
            PlanItemProgress(
                item=item,
                done_count=item.done_count,
                is_overdue=item.done_count == 0 and last < today,
            )
        )
    return PlanProgress(plan=plan, items=rows)
