"""Delete files uploaded with activity forms that were never saved (run daily)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from activities.services import STAGED_UPLOAD_LIFETIME, staged_uploads_purge


class Command(BaseCommand):
    help = "Delete files kept for activity forms that were abandoned (older than --hours)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=int(STAGED_UPLOAD_LIFETIME.total_seconds() // 3600),
            help="age in hours above which a staged upload is deleted (default: %(default)s)",
        )

    def handle(self, *args, hours: int, **options) -> None:
        purged = staged_uploads_purge(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"{purged} staged upload(s) deleted.")
