"""One (variant, seed) training run of a comparison: trained once, reused after, resumed when it was cut short.

A run lives in `project/<variant>/seed<k>` and is an ordinary Ultralytics training run. When it has finished and
its scores are read, `compare_run.json` is written next to `results.csv`; a run with that file is never trained
again. A run cut short (the process killed) is resumed from its `weights/last.pt` with Ultralytics' own
`resume=True`; one killed before its first epoch ended has no checkpoint, so its folder is moved aside to
`seed<k>.interrupted[-<n>]` (never deleted) and the run starts again from scratch.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .variants import Variant

__all__ = (
    "LABELS",
    "LOG_FILE",
    "METRICS",
    "METRIC_KEYS",
    "RUN_FILE",
    "Placement",
    "RunResult",
    "cpu_record",
    "epoch_rows",
    "logged_epochs",
    "read_record",
    "read_scores",
    "run_folder",
    "train_run",
    "write_record",
)

RUN_FILE = "compare_run.json"
LOG_FILE = "train.log"  # a run trained in a process of its own writes its whole output here
# The one table of metric spellings: what a user types (metric=), Ultralytics' column stem (results.csv, also the
# label printed), and the RunResult attribute.
METRICS = {"map50": "mAP50", "map50-95": "mAP50-95"}
METRIC_KEYS = {m: m.replace("-", "_") for m in METRICS}
LABELS = {METRIC_KEYS[m]: stem for m, stem in METRICS.items()}  # attribute -> label
_TASK_SUFFIX = ("(M)", "(P)", "(B)")  # a task's own metric first: masks, keypoints, then boxes (detect, obb)


@dataclass
class RunResult:
    """The scores of one run at its best epoch (the epoch with the highest selected metric) and its history.

    status: trained (from scratch), resumed (from last.pt at `resumed_from`), restarted (its interrupted folder
    had no checkpoint and was moved aside), or reused (finished before; nothing trained in this call).
    """

    variant: str
    seed: int
    status: str
    epochs: int
    best_epoch: int
    map50: float
    map50_95: float
    train_s: float
    save_dir: str
    resumed_from: int = 0
    curve: list[float] = field(default_factory=list)  # the selected metric per epoch
    convergence: str = ""  # set by the summary (convergence.classify), which compares the run with its siblings
    host: str = ""  # where and how it trained (for a reused run: as recorded when it was trained)
    device: str = ""
    threads: int = 0  # torch threads set for it; 0: left as the process had them
    started: str = ""
    ended: str = ""
    backend: str = ""  # local (in the compare process), process (one process per run, jobs>1) or ray
    attempts: int = 0  # training attempts, the last included (> 1: it was retried or resumed after a kill)
    cpu: str = ""  # the processor and its vector extensions: CPU training's digits depend on its kernels
    pretrained_sha256: str = ""  # the sha256 of the pretrained= file it started from ("" for none)
    transferred: int = 0  # the tensors it took from that file

    @property
    def whole_train_s(self) -> float:
        """The seconds the whole run took to train: a resumed run's last attempt scaled from the epochs it trained to
        all its epochs; NaN when not known (reused before it was recorded, or resumed at its end)."""
        trained = self.epochs - self.resumed_from
        return self.train_s * self.epochs / trained if trained > 0 else math.nan

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunResult:
        """A RunResult from a recorded dict (compare_run.json, compare.json), ignoring keys it does not have."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def run_folder(project: Path, variant: str, seed: int) -> Path:
    """Where a run of a comparison lives: project/<variant>/seed<k>."""
    return project / variant / f"seed{seed}"


@dataclass(frozen=True)
class Placement:
    """Where one run trains: its device ("" leaves train's device= as it is), torch threads (0: unchanged) and the
    backend that started it."""

    device: str
    threads: int
    backend: str


def _column(header: list[str], stem: str) -> str:
    for suffix in _TASK_SUFFIX:
        if f"metrics/{stem}{suffix}" in header:
            return f"metrics/{stem}{suffix}"
    raise ValueError(f"compare: results.csv has no metrics/{stem}(...) column; columns: {', '.join(header)}")


def epoch_rows(results_csv: Path) -> list[dict[str, str]]:
    """The rows of an Ultralytics results.csv, one per epoch in epoch order, names and values stripped (older
    releases pad them with spaces).

    An epoch may be there twice: Ultralytics logs an epoch before it saves last.pt, so a run killed in between is
    resumed from the epoch before and trains that epoch again. The later row is the one the run went on from, so it
    is the one kept. A row shorter than the header is one caught while Ultralytics writes it, and is left out.
    """
    with open(results_csv, newline="") as f:
        logged = [
            {k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(f) if None not in row.values()
        ]
    by_epoch = {int(float(row["epoch"])): row for row in logged if row.get("epoch")}  # a later row replaces one
    return [by_epoch[e] for e in sorted(by_epoch)]


def logged_epochs(results_csv: Path) -> int:
    """How many epochs a run has logged in `results.csv` (`epoch_rows`): 0 before its first, or while the file is
    caught mid-write."""
    try:
        return len(epoch_rows(results_csv))
    except (OSError, ValueError):
        return 0


def read_scores(results_csv: Path, metric: str, rows: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Best epoch by `metric` (map50 or map50-95) from an Ultralytics results.csv (`epoch_rows`), with both scores
    there and the per-epoch curve of `metric`. `rows`: that file's rows, where the caller has read them already."""
    rows = epoch_rows(results_csv) if rows is None else rows
    if not rows:
        raise ValueError(f"compare: {results_csv} has no epochs")
    header = list(rows[0])
    columns = {m: _column(header, stem) for m, stem in METRICS.items()}
    curve = [float(r[columns[metric]]) for r in rows]
    best = max(range(len(rows)), key=curve.__getitem__)  # first of equal maxima, as Ultralytics keeps best.pt
    return {
        "epochs": len(rows),
        "best_epoch": int(float(rows[best]["epoch"])),
        **{METRIC_KEYS[m]: float(rows[best][columns[m]]) for m in METRICS},
        "curve": curve,
    }


def read_record(run_dir: Path, metric: str) -> tuple[RunResult, bool] | None:
    """The finished run in `run_dir` as its `compare_run.json` records it (with the status it trained with), scored by
    `metric`, and whether it was scored again; None when it has no record. Writes nothing.

    The scores come from the run's results.csv when it is there: they are scored again when the record chose its
    best epoch by the other metric, or when it scored a results.csv that this version reads differently (an epoch
    logged twice by a resume, which earlier versions of this package counted twice).
    """
    record = run_dir / RUN_FILE
    if not record.is_file():
        return None
    saved = json.loads(record.read_text())
    scores = run_dir / "results.csv"
    if saved["metric"] != metric:
        rescored = read_scores(scores, metric)
    else:
        fresh = read_scores(scores, metric) if scores.is_file() else {}
        rescored = fresh if any(saved["result"].get(k) != v for k, v in fresh.items()) else {}
    return RunResult.from_dict({**saved["result"], **rescored}), bool(rescored)


def write_record(run_dir: Path, metric: str, result: RunResult) -> None:
    """Write the run's `compare_run.json` whole or not at all (a temporary file renamed over it), so that a reader
    such as `report project=` never finds half a record, and a kill mid-write leaves the run unfinished, not broken."""
    tmp = run_dir / f".{RUN_FILE}.tmp"
    tmp.write_text(json.dumps({"metric": metric, "result": asdict(result)}, indent=1))
    os.replace(tmp, run_dir / RUN_FILE)


def _finished(last: Path) -> tuple[bool, int] | None:
    """(whether the run that wrote `last` finished, the last epoch it completed); None when `last` cannot be read (a
    process killed while Ultralytics wrote it leaves a truncated file)."""
    import pickle

    import torch

    try:
        ckpt = torch.load(last, map_location="cpu", weights_only=False)  # our own run's file
    except (RuntimeError, EOFError, pickle.UnpicklingError, ValueError):
        return None
    epoch = ckpt.get("epoch", -1)
    return epoch == -1, epoch + 1


def _aside(run_dir: Path) -> Path:
    target = run_dir.with_name(f"{run_dir.name}.interrupted")
    n = 1
    while target.exists():
        n += 1
        target = run_dir.with_name(f"{run_dir.name}.interrupted-{n}")
    run_dir.rename(target)
    return target


def _plan(run_dir: Path) -> tuple[str, int]:
    """(status, epochs done) of a run without a record: reused (finished, unscored), resumed (from last.pt), restarted
    (its folder held no readable checkpoint and was moved aside) or trained (new)."""
    last = run_dir / "weights" / "last.pt"
    state = _finished(last) if last.is_file() else None
    if state is not None:
        done, epochs = state
        return ("reused" if done else "resumed"), epochs
    if run_dir.exists():  # no checkpoint, or a truncated one: start again, the old folder kept beside
        _aside(run_dir)
        return "restarted", 0
    return "trained", 0


def _count_attempt(run_dir: Path) -> int:
    """Count one more training attempt of this run (in `<variant>/seed<k>.attempts`, beside the run folder, so that a
    folder moved aside keeps none of it); returns the count."""
    file = run_dir.with_name(f"{run_dir.name}.attempts")
    file.parent.mkdir(parents=True, exist_ok=True)
    n = int(file.read_text()) + 1 if file.is_file() else 1
    file.write_text(str(n))
    return n


def _log_to(file: Path) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) to the end of `file`."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def train_run(
    variant: Variant,
    seed: int,
    project: Path,
    data: str,
    train: dict,
    metric: str,
    placement: Placement | None = None,
    log: bool = False,
) -> RunResult:
    """Train (or reuse, or resume) `variant` at `seed` in project/<variant>/seed<seed>; return its scores.

    `placement` says where it trains (device, torch threads, backend), recorded with the result; `log=True` sends
    this process's output to the run's `train.log` (for a process of its own).
    """
    import socket

    from ultralytics import YOLO

    placement = placement or Placement(str(train.get("device", "")), 0, "local")
    run_dir = run_folder(project, variant.name, seed)
    record = read_record(run_dir, metric)
    if record is not None:
        recorded, rescored = record
        if rescored:  # kept for the next call
            write_record(run_dir, metric, recorded)
        return replace(recorded, status="reused")
    status, epochs = _plan(run_dir)
    attempts = _count_attempt(run_dir) if status != "reused" else 0
    if log:
        run_dir.mkdir(parents=True, exist_ok=True)
        _log_to(run_dir / LOG_FILE)
    if placement.threads:
        import torch

        torch.set_num_threads(placement.threads)
    where = {"device": placement.device} if placement.device else {}
    started, t0 = _now(), time.perf_counter()
    if status == "resumed":
        YOLO(run_dir / "weights" / "last.pt").train(resume=True, **where)
    elif status != "reused":
        YOLO(variant.model).train(
            data=data,
            seed=seed,
            deterministic=True,
            project=str(project / variant.name),
            name=run_dir.name,
            exist_ok=True,  # the folder is new, or holds only this attempt's train.log: _plan moved any other aside
            **{**train, **where},
        )
    train_s = time.perf_counter() - t0 if status != "reused" else float("nan")  # reused: finished before, unknown
    result = RunResult(
        variant.name,
        seed,
        status,
        save_dir=str(run_dir),
        train_s=train_s,
        resumed_from=epochs if status == "resumed" else 0,
        host=socket.gethostname(),
        device=_device_record(placement.device),
        threads=placement.threads,
        started=started,
        ended=_now(),
        backend=placement.backend,
        attempts=attempts,
        cpu=cpu_record(),
        pretrained_sha256=variant.weights_sha256,
        transferred=variant.transferred,
        **read_scores(run_dir / "results.csv", metric),
    )
    write_record(run_dir, metric, result)
    return result


_VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16")


def cpu_record() -> str:
    """The processor's model name and the vector extensions its kernels may use, e.g. "AMD EPYC (avx avx2 fma)";
    the platform's processor string where /proc/cpuinfo is not there."""
    import platform

    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    fields = dict(line.split(":", 1) for line in info.splitlines()[:40] if ":" in line)
    name = fields.get("model name\t", fields.get("model name", "")).strip()
    flags = set(fields.get("flags\t\t", fields.get("flags\t", "")).split())
    return f"{name} ({' '.join(f for f in _VECTOR_FLAGS if f in flags)})"


def _device_record(device: str) -> str:
    """The device as recorded: with the GPUs CUDA_VISIBLE_DEVICES maps it to, when set (Ray sets it per task)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return f"{device} (CUDA_VISIBLE_DEVICES={visible})" if visible and device not in {"", "cpu"} else device


def _now() -> str:
    """The time now, ISO 8601 with the UTC offset, to the microsecond."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat()
