"""Running a step in a fresh interpreter of this environment, offline, and reading what it printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

__all__ = ("OFFLINE_ENV", "last_error", "run_program", "tagged")

OFFLINE_ENV = {"YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false"}  # Ultralytics neither downloads nor pip-installs


def run_program(step: str, args: dict, cwd: Path, timeout: int = 1800) -> tuple[bool, str]:
    """Run `python -m yolo_dsconv.deploy.programs.<step> '<args as JSON>'` in `cwd`; (ok, stdout + stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", f"yolo_dsconv.deploy.programs.{step}", json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **OFFLINE_ENV, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return proc.returncode == 0, proc.stdout + proc.stderr


def tagged(out: str, tag: str) -> str | None:
    """The rest of the last line of `out` that starts with `tag` and a space (None: no such line).

    >>> tagged("noise\\nOPS {}\\n", "OPS")
    '{}'
    """
    lines = [ln.split(" ", 1)[1] for ln in out.splitlines() if ln.startswith(f"{tag} ")]
    return lines[-1] if lines else None


def last_error(out: str) -> str:
    """The last line of a program's output that names an error, else its last line (160 characters at most).

    >>> last_error("step 1\\nValueError: bad\\ndone")
    'ValueError: bad'
    """
    lines = [ln.strip() for ln in out.splitlines() if re.search(r"(Error|Exception|error:)", ln)]
    return (lines[-1] if lines else out.strip().splitlines()[-1] if out.strip() else "")[:160]
