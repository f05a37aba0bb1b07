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
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .variants import Variant

__all__ = ("METRICS", "RUN_FILE", "RunResult", "read_scores", "train_run")

RUN_FILE = "compare_run.json"
METRICS = {"map50": "mAP50", "map50-95": "mAP50-95"}  # the compare metric names and Ultralytics' column stems
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


def _column(header: list[str], stem: str) -> str:
    for suffix in _TASK_SUFFIX:
        if f"metrics/{stem}{suffix}" in header:
            return f"metrics/{stem}{suffix}"
    raise ValueError(f"compare: results.csv has no metrics/{stem}(...) column; columns: {', '.join(header)}")


def read_scores(results_csv: Path, metric: str) -> dict[str, Any]:
    """Best epoch by `metric` (map50 or map50-95) from an Ultralytics results.csv, with both scores there and the
    per-epoch curve of `metric`. Older releases pad the column names with spaces; they are stripped."""
    with open(results_csv, newline="") as f:
        rows = [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(f)]
    if not rows:
        raise ValueError(f"compare: {results_csv} has no epochs")
    header = list(rows[0])
    columns = {m: _column(header, stem) for m, stem in METRICS.items()}
    curve = [float(r[columns[metric]]) for r in rows]
    best = max(range(len(rows)), key=curve.__getitem__)  # first of equal maxima, as Ultralytics keeps best.pt
    return {
        "epochs": len(rows),
        "best_epoch": int(float(rows[best]["epoch"])),
        "map50": float(rows[best][columns["map50"]]),
        "map50_95": float(rows[best][columns["map50-95"]]),
        "curve": curve,
    }


def _finished(last: Path) -> tuple[bool, int]:
    """(whether the run that wrote `last` finished, the last epoch it completed)."""
    import torch

    ckpt = torch.load(last, map_location="cpu", weights_only=False)  # our own run's file
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


def train_run(variant: Variant, seed: int, project: Path, data: str, train: dict, metric: str) -> RunResult:
    """Train (or reuse, or resume) `variant` at `seed` in project/<variant>/seed<seed>; return its scores."""
    from ultralytics import YOLO

    run_dir = project / variant.name / f"seed{seed}"
    record = run_dir / RUN_FILE
    if record.is_file():
        saved = json.loads(record.read_text())
        rescored = {} if saved["metric"] == metric else read_scores(run_dir / "results.csv", metric)
        result = RunResult(**{**saved["result"], **rescored, "status": "reused"})
        if rescored:
            record.write_text(json.dumps({"metric": metric, "result": asdict(result)}, indent=1))
        return result
    status, resumed_from = "trained", 0
    last = run_dir / "weights" / "last.pt"
    t0 = time.perf_counter()
    if last.is_file():
        done, resumed_from = _finished(last)
        status = "reused" if done else "resumed"
        if not done:
            YOLO(last).train(resume=True)
    else:
        if run_dir.exists():
            _aside(run_dir)
            status = "restarted"
        YOLO(variant.model).train(
            data=data,
            seed=seed,
            deterministic=True,
            project=str(project / variant.name),
            name=f"seed{seed}",
            exist_ok=False,
            **train,
        )
    train_s = time.perf_counter() - t0
    if status == "reused":  # finished before its scores were recorded: the time is unknown
        train_s = float("nan")
    result = RunResult(
        variant.name,
        seed,
        status,
        save_dir=str(run_dir),
        train_s=train_s,
        resumed_from=resumed_from if status == "resumed" else 0,
        **read_scores(run_dir / "results.csv", metric),
    )
    record.write_text(json.dumps({"metric": metric, "result": asdict(result)}, indent=1))
    return result
