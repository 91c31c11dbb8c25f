"""Restore a backup made by ``manage.py backup`` into an empty database and media folder
(see docs/backup.md):

    createdb -h 127.0.0.1 -U postgres portal_restored
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_restored \\
        MEDIA_ROOT=/srv/media-restored manage.py restore /srv/backups/portal-2026-11-27
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty PostgreSQL database and an empty MEDIA_ROOT, "
        "then check row counts and file checksums against its manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="a folder made by `manage.py backup`")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, directory: Path, database: str, **options) -> None:
        try:
            summary = backup_restore(directory=directory, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
            f"({summary.file_bytes / 1024 / 1024:.1f} MiB) from {summary.directory} "
            f"in {summary.seconds:.1f} s: row counts and checksums equal the manifest."
        )
