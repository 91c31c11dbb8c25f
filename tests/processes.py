"""A fresh Python process on the project, for what must be tried as an operator meets it (start-up,
settings, what a new process imports)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def run_project(
    *args: str, env: Mapping[str, str], timeout: int = 60
) -> subprocess.CompletedProcess:
    """``python <args>`` in the project's folder with exactly ``env``; never raises on failure."""
    return subprocess.run(  # noqa: S603 - our own interpreter and files
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
