"""The portal's one Celery app.

Without a broker (``CELERY_BROKER_URL`` / ``REDIS_URL`` unset) settings turn on
``task_always_eager`` so that tasks run in-process and ``make run`` needs no Redis.
The periodic schedule is ``portal.schedule.BEAT_SCHEDULE``.
"""

import os

from celery import Celery

from portal.schedule import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

#: The portal's feature packages that define tasks (the apps' ``tasks`` modules are found from
#: ``INSTALLED_APPS``).
FEATURE_TASK_PACKAGES = [
    "portal.core",
    "portal.reports",
    "portal.partners",
    "portal.records",
    "portal.reminders",
    "portal.audit",
]

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = BEAT_SCHEDULE
app.autodiscover_tasks()
app.autodiscover_tasks(FEATURE_TASK_PACKAGES)
