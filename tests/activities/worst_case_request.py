"""One upload request, measured in a fresh process (``test_upload_worst_case`` runs it).

``python -m tests.activities.worst_case_request BODY CONTENT_TYPE`` reads a multipart body
from the file BODY as a web worker reads it from the network, then does what the activity
form's view does with its files — the per-request limit, the checking clock, the checks and
re-encoding (``prepare_upload``), the stored files — and prints one JSON line: the seconds
(wall and CPU), the growth of the process's memory (its peak resident size during the request
less its resident size before, as /proc reports them), and how many files were checked, left
for later and refused. The database rows the view also writes (a few small inserts) are left
out: a fresh database takes the project's migrations, longer than the request itself.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def resident_mb() -> float:
    return _status_mb("VmRSS")


def peak_resident_mb() -> float:
    """The peak resident size of this process's memory since it started or since
    ``reset_peak``. Not ``getrusage``: Linux carries its figure over from the parent that
    started this process (the test run's, hundreds of megabytes)."""
    return _status_mb("VmHWM")


def reset_peak() -> None:
    """Start the peak afresh from the current resident size (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


def _warm_up() -> None:
    """What a worker that served requests before has loaded already: Pillow's plugins."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from activities.models import AttachmentKind
    from activities.uploads import prepare_upload

    for image_format in ("JPEG", "PNG", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), "red").save(buffer, image_format)
        prepare_upload(SimpleUploadedFile("warm", buffer.getvalue()), AttachmentKind.PHOTO)


def main(body_path: str, content_type: str) -> dict[str, float | int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.storage import default_storage
    from django.core.handlers.wsgi import WSGIRequest

    from activities.forms import attachment_rows, picked_files
    from activities.uploads import CheckingClock, prepare_upload

    _warm_up()
    size = Path(body_path).stat().st_size
    with open(body_path, "rb") as body:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/activities/new/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(size),
            "wsgi.input": body,
        }
        reset_peak()
        before = resident_mb()
        started, cpu_started = time.monotonic(), time.process_time()

        request = WSGIRequest(environ)
        picked, errors = picked_files(attachment_rows(request.POST, request.FILES))
        clock = CheckingClock()
        checked = refused = 0
        for item in picked:
            if not clock.has_time_for(item.upload):
                continue
            try:
                prepared = prepare_upload(item.upload, item.kind)
            except ValidationError:
                refused += 1
                continue
            default_storage.save(f"activities/staged/0/{prepared.content.name}", prepared.content)
            if prepared.thumbnail is not None:
                default_storage.save(
                    f"activities/staged/0/{prepared.thumbnail.name}", prepared.thumbnail
                )
            checked += 1

        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    return {
        "files": len(picked),
        "checked": checked,
        "late": len(clock.late),
        "refused": refused + len(errors),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "memory_before_mb": round(before, 1),
        "memory_growth_mb": round(peak_resident_mb() - before, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
