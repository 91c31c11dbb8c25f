"""Services ask for tasks by name through the outbox: the names they use are the tasks' own, and
a process that has imported no task module yet (a web worker) still finds the task."""

from __future__ import annotations

import json
import os

from activities.services import ACTIVITY_EVENT_NOTIFY_TASK
from activities.tasks import activity_event_notify
from portal.reports.services import REPORT_DELIVER_TASK, REPORT_GENERATE_TASK
from portal.reports.tasks import report_deliver, report_generate
from tests.processes import run_project

FIND_BY_NAME = """
import json, sys, django
django.setup()
from portal.core import outbox
before = "portal.reports.tasks" in sys.modules
task = outbox._task("portal.tasks.report_generate")
print(json.dumps([before, task.name, "portal.reports.tasks" in sys.modules]))
"""


def test_the_names_the_services_ask_for_are_the_tasks_names() -> None:
    assert report_generate.name == REPORT_GENERATE_TASK
    assert report_deliver.name == REPORT_DELIVER_TASK
    assert activity_event_notify.name == ACTIVITY_EVENT_NOTIFY_TASK


def test_tasks_keep_the_names_waiting_outbox_messages_and_beat_rows_store() -> None:
    assert [report_generate.name, report_deliver.name, activity_event_notify.name] == [
        "portal.tasks.report_generate",
        "portal.tasks.report_deliver",
        "activities.tasks.activity_event_notify",
    ]


def test_a_fresh_process_finds_a_task_by_name_before_importing_any_task_module() -> None:
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1"}
    result = run_project("-c", FIND_BY_NAME, env=environment)
    assert result.returncode == 0, result.stderr
    before, name, after = json.loads(result.stdout.strip().splitlines()[-1])
    assert (before, name, after) == (False, "portal.tasks.report_generate", True)
