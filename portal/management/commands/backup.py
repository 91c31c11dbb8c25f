"""Back up the database and the uploaded files into a new folder (see docs/backup.md):

manage.py backup /srv/backups/portal-2026-11-27
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format), MEDIA_ROOT (a tar) and a "
        "manifest of row counts and file checksums into a new or empty folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="a new or empty folder")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, directory: Path, database: str, **options) -> None:
        try:
            summary = backup_create(directory=directory, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
            f"({summary.file_bytes / 1024 / 1024:.1f} MiB) into {summary.directory} "
            f"in {summary.seconds:.1f} s."
        )
