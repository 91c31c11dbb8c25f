"""Generate one committee's progress report now, in this process, and say how long it took.

For operators (a report needed at once, without a worker) and for measuring:

    manage.py generate_report --committee 3 --kind year --day 2025-06-30
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from branches.models import Committee
from portal.core.periods import Period, local_today
from portal.reports.models import ReportFormat, ReportKind, ReportStatus
from portal.reports.services import report_generate, report_request


class Command(BaseCommand):
    help = "Generate a committee's report for a period in this process (all its forms)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--committee", required=True, help="the committee's id or name")
        parser.add_argument("--kind", choices=ReportKind.values, default=ReportKind.MONTH)
        parser.add_argument(
            "--day",
            type=dt.date.fromisoformat,
            default=None,
            help="a day inside the period (default: the previous period's first day)",
        )

    def handle(self, *args, committee: str, kind: str, day: dt.date | None, **options) -> None:
        lookup = {"pk": int(committee)} if committee.isdigit() else {"name": committee}
        try:
            chosen = Committee.objects.get(**lookup)
        except Committee.DoesNotExist as exc:
            raise CommandError(f"No committee {committee!r}.") from exc
        if day is None:
            day = Period.containing(kind, local_today()).previous().start
        try:
            report = report_request(
                committee=chosen, kind=kind, day=day, regenerate=True, enqueue=False
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if report.status == ReportStatus.RUNNING:
            raise CommandError("A worker is generating this report right now; try again later.")
        started = time.perf_counter()
        generated = report_generate(report_id=report.pk)
        elapsed = time.perf_counter() - started
        if generated is None:
            raise CommandError("Another run took the report; nothing was generated here.")
        sizes = ", ".join(
            f"{fmt} {generated.file_for(fmt).size / 1024:.0f} KiB" for fmt in ReportFormat.values
        )
        content = generated.content
        steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in generated.timings.items())
        self.stdout.write(
            f"{generated}: {content['totals']['activities']} approved activities, "
            f"generated in {elapsed:.1f} s ({steps}; {sizes})."
        )
