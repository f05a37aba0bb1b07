"""One run of a parallel comparison, in a process of its own: `python -m yolo_dsconv.compare.worker SPEC.json`.

`attempt(spec)` starts that process and waits for it; the local pool calls it from a thread per slot, and the Ray
backend runs it as a Ray task, so both train a run the same way: the process registers the plugin itself (with or
without the start-up hook), plans the run (reuse, resume from last.pt, or restart with the old folder moved aside),
sends its whole output to `<variant>/seed<k>/train.log` and writes `compare_run.json`. The process dies with the
one that started it (PR_SET_PDEATHSIG), so a killed driver or Ray worker leaves no orphan training into a folder that
the retry will use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ("RETRIES", "RunFailed", "attempt", "main")

RETRIES = 2  # a run whose process dies is tried this many more times (resumed from last.pt, or restarted)
_PR_SET_PDEATHSIG, _SIGKILL = 1, 9


class RunFailed(RuntimeError):
    """A run's process ended without writing its record (killed, or training raised); the message names its log."""


def _die_with_parent() -> None:  # pragma: no cover (runs in the child, between fork and exec)
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, _SIGKILL)


def attempt(spec: dict[str, Any]) -> dict[str, Any]:
    """Train the run `spec` describes in a new process; return its compare_run.json record.

    Args:
        spec: variant, model, seed, project, data, train, metric, device, threads, backend (see `main`).

    Raises:
        RunFailed: the process ended without a record.
    """
    from .runs import LOG_FILE, RUN_FILE, run_folder

    run_dir = run_folder(Path(spec["project"]), spec["variant"], spec["seed"])
    env = {**os.environ}
    if spec["threads"]:
        env.update(OMP_NUM_THREADS=str(spec["threads"]), MKL_NUM_THREADS=str(spec["threads"]))
    proc = subprocess.run(
        [sys.executable, "-m", "yolo_dsconv.compare.worker", json.dumps(spec)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    record = run_dir / RUN_FILE
    if proc.returncode != 0 or not record.is_file():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise RunFailed(
            f"compare: {spec['variant']} seed {spec['seed']} failed ({tail[0]}); its log: {run_dir / LOG_FILE}"
        )
    return json.loads(record.read_text())


def main(argv: list[str] | None = None) -> int:
    """Train one run from the JSON spec in argv[0]."""
    from .runs import Placement, train_run
    from .variants import Variant

    spec = json.loads((sys.argv[1:] if argv is None else argv)[0])
    placement = Placement(str(spec["device"]), int(spec["threads"]), spec["backend"])
    train_run(
        Variant(
            spec["variant"], spec["model"], "", transferred=int(spec["transferred"]), weights_sha256=spec["weights"]
        ),
        int(spec["seed"]),
        Path(spec["project"]),
        spec["data"],
        spec["train"],
        spec["metric"],
        placement,
        log=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
