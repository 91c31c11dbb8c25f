"""The portal's one Celery app.

Without a broker (``CELERY_BROKER_URL`` / ``REDIS_URL`` unset) settings turn on
``task_always_eager`` so that tasks run in-process and ``make run`` needs no Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
