"""Backups (issue 6 point 8): `manage.py backup` and `manage.py restore` give back the same rows
and the same files, refuse to overwrite anything, and keep personal data from other users.

The data is committed in pytest's PostgreSQL test database (transactional tests) and its
uploaded files in a temporary MEDIA_ROOT; the backup is restored by `manage.py restore` in a
separate process into a database this test creates under a unique name and drops at its end,
and into a fresh media folder.

Needs PostgreSQL and pg_dump / pg_restore: in CI, or whenever DATABASE_URL / REDIS_URL are set
(``services_required()``), a missing one fails the tests; in a plain local SQLite run they are
skipped with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from activities.models import Activity, Attachment, AttachmentKind
from activities.services import attachment_add
from portal.core.backups import DUMP_NAME, MANIFEST_NAME, MEDIA_NAME
from tests import factories
from tests.activities.test_uploads import PDF, image_bytes
from tests.conftest import services_required

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgresql_and_its_client_tools() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append(
            f"the database is {connection.vendor}: backups are pg_dump's, "
            "run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal (CI does)"
        )
    problems += [
        f"{tool} is not installed (Debian: apt-get install postgresql-client)"
        for tool in ("pg_dump", "pg_restore")
        if not shutil.which(tool)
    ]
    if not problems:
        return
    reason = "NOT TESTED: " + "; ".join(problems) + "."
    if services_required():
        pytest.fail(f"{reason} CI=true or a service URL is set, so this must not skip.")
    pytest.skip(reason)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def activities_with_files(cast, media) -> list[Activity]:
    """Three activities of branch A1, each with a photo (stored with its thumbnail) and a PDF,
    and a file left outside any row (a report's file, say): all must come back."""
    activities = []
    for n in range(3):
        activity = factories.ActivityFactory(
            committee=cast.committee_a,
            branch=cast.branch_a1,
            title=f"主题党日联建活动{n}",
            evidence=False,  # its files are the real ones added below
        )
        photo = SimpleUploadedFile(
            f"现场{n}.jpg", image_bytes((60 + n, 40)), content_type="image/jpeg"
        )
        attachment_add(activity, by=cast.secretary_a1, upload=photo, kind=AttachmentKind.PHOTO)
        sheet = SimpleUploadedFile(f"签到表{n}.pdf", PDF, content_type="application/pdf")
        attachment_add(
            activity, by=cast.secretary_a1, upload=sheet, kind=AttachmentKind.SIGN_IN_SHEET
        )
        activities.append(activity)
    (media / "reports").mkdir(parents=True)
    (media / "reports" / "2026年第三季度.pdf").write_bytes(PDF + b"report")
    return activities


def _settings_dict() -> dict:
    return connection.settings_dict


def _connect(dbname: str) -> psycopg.Connection:
    db = _settings_dict()
    return psycopg.connect(
        dbname=dbname,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database under a unique name, dropped at the end of the test."""
    name = f"test_backup_restore_{uuid.uuid4().hex[:12]}"
    with _connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _connect("postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _row_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def _database_url(name: str) -> str:
    db = _settings_dict()
    credentials = db["USER"] or ""
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _manage_restore(
    backup: Path, *, database: str, media_root: Path
) -> subprocess.CompletedProcess:
    """`manage.py restore` as an operator runs it: a new process configured by its environment."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": _database_url(database),
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.run(  # noqa: S603 - this interpreter and this project's manage.py
        [sys.executable, "manage.py", "restore", str(backup)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_restore_into_a_fresh_database_and_media_folder_gives_the_same_rows_and_files(
    activities_with_files, media, tmp_path, fresh_database
):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with connection.cursor() as cursor:
        source_rows = _row_counts(cursor)
    source_files = _checksums(media)
    # Not vacuous: the activities, their attachments (photo, thumbnail, PDF) and the loose file.
    assert source_rows["activities_activity"] == 3
    assert source_rows["activities_attachment"] == 6
    assert len(source_files) == 3 * 3 + 1

    restored_media = tmp_path / "restored-media"
    result = _manage_restore(backup, database=fresh_database, media_root=restored_media)
    assert result.returncode == 0, result.stderr
    assert "row counts and checksums equal the manifest" in result.stdout

    with _connect(fresh_database) as restored, restored.cursor() as cursor:
        assert _row_counts(cursor) == source_rows
        cursor.execute(
            "SELECT a.title, f.file, f.original_name FROM activities_attachment f "
            "JOIN activities_activity a ON a.id = f.activity_id ORDER BY f.file"
        )
        restored_attachments = cursor.fetchall()
    assert _checksums(restored_media) == source_files
    # Each restored row still leads to its own file, byte for byte.
    expected = sorted(
        (a.activity.title, a.file.name, a.original_name)
        for a in Attachment.objects.select_related("activity")
    )
    assert sorted(restored_attachments) == expected
    for _title, name, _original in restored_attachments:
        assert (restored_media / name).read_bytes() == (media / name).read_bytes()


def test_restore_refuses_a_database_that_already_has_tables_and_changes_nothing(
    activities_with_files, media, tmp_path
):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    Activity.objects.filter(pk=activities_with_files[0].pk).update(title="备份之后的修改")
    files_before = _checksums(media)

    with pytest.raises(CommandError, match=r"already has \d+ tables: restore only into a new"):
        call_command("restore", str(backup))

    assert Activity.objects.get(pk=activities_with_files[0].pk).title == "备份之后的修改"
    assert _checksums(media) == files_before


def test_restore_refuses_a_damaged_backup_before_touching_the_database(
    activities_with_files, tmp_path, fresh_database
):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with (backup / MEDIA_NAME).open("r+b") as tar:
        tar.seek(-1, os.SEEK_END)
        tar.write(b"\x01")

    result = _manage_restore(
        backup, database=fresh_database, media_root=tmp_path / "restored-media"
    )

    assert result.returncode != 0
    assert "does not match its checksum in the manifest" in result.stderr
    with _connect(fresh_database) as restored, restored.cursor() as cursor:
        assert _row_counts(cursor) == {}
    assert not (tmp_path / "restored-media").exists()


def test_backup_never_overwrites_an_earlier_backup(activities_with_files, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    earlier = _checksums(backup)

    with pytest.raises(CommandError, match="is not empty: back up into a new folder"):
        call_command("backup", str(backup))

    assert _checksums(backup) == earlier


def test_backup_is_readable_by_its_owner_only(activities_with_files, tmp_path):
    """A backup holds members' names and phone numbers: no other account on the server may
    read it (PIPL)."""
    backup = tmp_path / "backup"
    call_command("backup", str(backup))

    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for name in (DUMP_NAME, MEDIA_NAME, MANIFEST_NAME):
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600, name
