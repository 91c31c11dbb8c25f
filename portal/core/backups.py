"""Backups of the database and the uploaded files, and their restore into an empty database.

A backup is one folder holding three files:

``database.dump``
    ``pg_dump --format=custom`` of the whole database.
``media.tar``
    every file under ``MEDIA_ROOT`` (attachments, agreements, honours' evidence, reports).
``manifest.json``
    when and from where it was taken, the row count of every table, and the SHA-256 and size
    of the two files above and of every file inside the tar.

The row counts are taken in the very snapshot that ``pg_dump`` dumps (``--snapshot``), so they
describe the dump exactly even while users keep working. The files are read after that
snapshot: every file a dumped row names is already on disk (uploads are written before their
row is committed). A restore checks both files' checksums before it touches anything, loads
the dump into an empty database in one transaction, unpacks the files into an empty media
folder, then counts the rows and hashes the files again and fails unless they equal the
manifest. Backups hold members' personal data: the folder is readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.postgresql.client import DatabaseClient

DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    tables: int
    rows: int
    files: int
    file_bytes: int
    seconds: float


# --- Backup ---------------------------------------------------------------------------------


def backup_create(*, directory: Path, using: str = "default") -> BackupSummary:
    """Write a backup of the database ``using`` and of ``MEDIA_ROOT`` into ``directory``.

    ``directory`` must not exist yet or be empty: an earlier backup is never overwritten.
    """
    started = time.monotonic()
    connection = connections[using]
    _require_postgresql(connection)
    pg_dump = _tool("pg_dump")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new folder.")
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction (it opens its own snapshot).")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)

    dump_path = directory / DUMP_NAME
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # The counts and pg_dump read the same snapshot: the manifest describes the dump exactly.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        row_counts = _row_counts(connection, cursor)
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump_path}",
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            connection,
        )
    dump_path.chmod(0o600)

    media_path = directory / MEDIA_NAME
    files = _tar_media(Path(settings.MEDIA_ROOT), media_path)
    media_path.chmod(0o600)

    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {
            "name": connection.settings_dict["NAME"],
            "server_version": server_version,
            "pg_dump": _version(pg_dump),
            **_file_entry(dump_path),
        },
        "row_counts": row_counts,
        "media": {**_file_entry(media_path), "files": files},
    }
    manifest_path = directory / MANIFEST_NAME
    manifest_path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
    )
    manifest_path.chmod(0o600)
    return BackupSummary(
        directory=directory,
        tables=len(row_counts),
        rows=sum(row_counts.values()),
        files=len(files),
        file_bytes=sum(entry["bytes"] for entry in files.values()),
        seconds=time.monotonic() - started,
    )


class _HashingReader:
    """Hands a file's bytes to ``tarfile`` and hashes exactly the bytes it handed over."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _tar_media(media_root: Path, tar_path: Path) -> dict[str, dict[str, object]]:
    """Tar every regular file under ``media_root``; their checksums, keyed by relative path."""
    files: dict[str, dict[str, object]] = {}
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        if not media_root.is_dir():  # a portal nobody has uploaded to yet
            return files
        for path in sorted(media_root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            name = path.relative_to(media_root).as_posix()
            info = tar.gettarinfo(str(path), arcname=name)
            with path.open("rb") as handle:
                reader = _HashingReader(handle)
                tar.addfile(info, reader)
            files[name] = {"sha256": reader.digest.hexdigest(), "bytes": info.size}
    return files


# --- Restore --------------------------------------------------------------------------------


def backup_restore(*, directory: Path, using: str = "default") -> BackupSummary:
    """Restore the backup in ``directory`` into the empty database ``using`` and the empty (or
    missing) ``MEDIA_ROOT``, then check rows and files against the manifest."""
    started = time.monotonic()
    directory = Path(directory)
    manifest = _read_manifest(directory)
    connection = connections[using]
    _require_postgresql(connection)
    pg_restore = _tool("pg_restore")
    # Nothing is touched before the backup is known to be whole.
    _check_file(directory / DUMP_NAME, manifest["database"])
    _check_file(directory / MEDIA_NAME, manifest["media"])

    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already has {len(existing)} "
            "tables: restore only into a new, empty database (createdb it first)."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"MEDIA_ROOT {media_root} is not empty: restore the files into a new, empty folder."
        )

    _run(
        [
            pg_restore,
            "--exit-on-error",
            "--single-transaction",
            # The roles of the backed-up server need not exist here: the restoring user owns all.
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(directory / DUMP_NAME),
        ],
        connection,
    )
    connection.close()  # a fresh connection sees the restored schema (and no stale cursors)

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA_NAME) as tar:
        # "data": no absolute paths, no "..", no links or devices out of MEDIA_ROOT.
        tar.extractall(media_root, filter="data")

    with connection.cursor() as cursor:
        row_counts = _row_counts(connection, cursor)
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics
    files = _media_checksums(media_root)
    problems = _differences("rows", manifest["row_counts"], row_counts)
    problems += _differences("file", manifest["media"]["files"], files)
    if problems:
        raise BackupError(
            "The restore does not match the backup's manifest: " + "; ".join(problems[:10])
        )
    return BackupSummary(
        directory=directory,
        tables=len(row_counts),
        rows=sum(row_counts.values()),
        files=len(files),
        file_bytes=sum(entry["bytes"] for entry in files.values()),
        seconds=time.monotonic() - started,
    )


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{path} is missing: {directory} is not a backup folder.") from exc
    except ValueError as exc:
        raise BackupError(f"{path} cannot be read ({exc}).") from exc
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path} has format {manifest.get('format')!r}, not {MANIFEST_FORMAT}.")
    return manifest


def _check_file(path: Path, expected: dict) -> None:
    if not path.is_file():
        raise BackupError(f"{path} is missing: the backup is incomplete.")
    if _file_entry(path) != {"sha256": expected["sha256"], "bytes": expected["bytes"]}:
        raise BackupError(
            f"{path} does not match its checksum in the manifest: the backup is damaged."
        )


def _media_checksums(media_root: Path) -> dict[str, dict[str, object]]:
    return {
        path.relative_to(media_root).as_posix(): _file_entry(path)
        for path in sorted(media_root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _differences(what: str, expected: dict, found: dict) -> list[str]:
    return [
        f"{what} {key}: expected {expected.get(key)}, found {found.get(key)}"
        for key in sorted(expected.keys() | found.keys())
        if expected.get(key) != found.get(key)
    ]


# --- Shared ---------------------------------------------------------------------------------


def _require_postgresql(connection) -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            f"Backups use pg_dump and need PostgreSQL; the database is {connection.vendor}. "
            "Set DATABASE_URL=postgres://… (a SQLite file is backed up by copying it)."
        )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools of the server's major "
            "version or newer (Debian: apt-get install postgresql-client)."
        )
    return path


def _run(args: list[str], connection) -> None:
    """Run a PostgreSQL client tool against ``connection``'s server; the password goes in
    the environment (``PGPASSWORD``), never on the command line where ``ps`` shows it."""
    db = connection.settings_dict
    _psql_args, password_env = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **(password_env or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[variable] = str(db[key])
    result = subprocess.run(  # noqa: S603 - a fixed tool, arguments from the settings
        [args[0], "--no-password", *args[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(args[0]).name} failed (exit {result.returncode}): {result.stderr.strip()}"
        )


def _version(tool: str) -> str:
    return subprocess.run(  # noqa: S603 - a fixed tool
        [tool, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _row_counts(connection, cursor) -> dict[str, int]:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _file_entry(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}
