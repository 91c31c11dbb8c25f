"""The evidence packs' Celery tasks: thin wrappers around ``portal.records.services``; the purge
is scheduled in ``portal.schedule``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from portal.core.tasks import RETRY_POLICY
from portal.records import services


@shared_task(
    name=services.EVIDENCE_PACK_TASK,
    acks_late=True,
    soft_time_limit=settings.REPORT_TIME_LIMIT_SECONDS * 3,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS * 3 + 60,
    **RETRY_POLICY,
)
def evidence_pack_generate(pack_id: int) -> str:
    pack = services.evidence_pack_generate(pack_id=pack_id)
    return "packed" if pack is not None else "skipped"


@shared_task(name="portal.tasks.evidence_packs_purge", **RETRY_POLICY)
def evidence_packs_purge() -> int:
    return services.evidence_packs_purge()
