"""Running a comparison's runs: in this process one after another (jobs=1), in N processes at a time (jobs=N), or as
Ray tasks (backend=ray).

Order is the seed-major plan (every variant at seed 0, then at seed 1, ...), so a cut-short comparison has every
variant at the first seeds. With jobs>1 or Ray each run trains in a process of its own (`worker.py`) with its output
in its `train.log`, and the terminal shows one progress line instead: runs done / running (with the epoch each has
reached, for local processes) / queued, elapsed time, the time left estimated from the training times the finished
runs recorded, and each variant's running mean.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .devices import cpu_cores, split_devices
from .progress import Progress
from .runs import METRIC_KEYS, RUN_FILE, RunResult, run_folder, train_run
from .settings import CompareSettings
from .variants import Variant
from .worker import RETRIES

__all__ = ("Slots", "cache_labels", "cpu_cores", "run_all", "split_devices")


def cache_labels(data_yaml: str, task: str, imgsz: int) -> None:
    """Build the dataset's labels.cache for both splits once, with the runs' task (its labels: boxes, masks,
    keypoints), before runs in parallel would race to write it (Ultralytics issue 21126)."""
    from ultralytics.cfg import get_cfg
    from ultralytics.data import build_yolo_dataset
    from ultralytics.data.utils import check_det_dataset

    data = check_det_dataset(data_yaml)
    cfg = get_cfg(overrides={"task": task, "imgsz": imgsz})
    for split in ("train", "val"):
        if data.get(split):
            build_yolo_dataset(cfg, data[split], 1, data, mode="val")


class Slots:
    """Hands each starting run the GPU with the fewest runs on it (or the CPU), and takes it back when it ends."""

    def __init__(self, gpus: list[str]) -> None:
        self.load = dict.fromkeys(gpus, 0)
        self.lock = threading.Lock()

    def take(self) -> str:
        if not self.load:
            return "cpu"
        with self.lock:
            gpu = min(self.load, key=self.load.__getitem__)  # first of the least loaded: spreads evenly, in order
            self.load[gpu] += 1
            return gpu

    def give(self, gpu: str) -> None:
        if gpu in self.load:
            with self.lock:
                self.load[gpu] -= 1


@dataclass(frozen=True)
class _Plan:
    """What every run of one `run_all` call shares."""

    project: Path
    data: str
    train: dict
    metric: str


def _spec(v: Variant, seed: int, plan: _Plan, device: str, threads: int, backend: str) -> dict[str, Any]:
    return {
        "variant": v.name, "model": v.model, "seed": seed, "project": str(plan.project), "data": plan.data,
        "train": {k: val for k, val in plan.train.items() if k != "device"}, "metric": plan.metric, "device": device,
        "threads": threads, "backend": backend, "transferred": v.transferred, "weights": v.weights_sha256,
    }  # fmt: skip


def _finished(v: Variant, seed: int, project: Path) -> bool:
    """Whether the run has its record (it is reused, read in this process: no process or task is started)."""
    return (run_folder(project, v.name, seed) / RUN_FILE).is_file()


def _reuse_or_train(v: Variant, seed: int, plan: _Plan) -> RunResult:
    return train_run(v, seed, plan.project, plan.data, plan.train, plan.metric)


def run_all(
    runs: Sequence[tuple[Variant, int]], settings: CompareSettings, data: str, log: Callable[[str], None] = print
) -> list[RunResult]:
    """Train (or reuse) every (variant, seed) of `runs`; results in that order.

    Args:
        runs: the runs, in the order they start.
        settings: the comparison's `CompareSettings` (project, train, verbose, metric, jobs, backend, threads, address):
            jobs=1 trains in this process, with Ultralytics' output on the terminal; backend=ray runs Ray tasks.
            threads: torch threads per run; None: the cores divided by jobs (local) or 1 per CPU the task asks (Ray).
        data: the dataset YAML.
        log: where lines about runs go (LOGGER.info in compare).
    """
    plan = _Plan(settings.project, data, {**settings.train, "verbose": settings.verbose}, settings.metric)
    key = METRIC_KEYS[plan.metric]
    jobs, threads = settings.jobs, settings.threads
    if settings.backend == "local" and jobs == 1:
        out = []
        for v, seed in runs:
            r = _reuse_or_train(v, seed, plan)
            log(f"compare: {v.name} seed {seed}: {r.status}, {plan.metric} {getattr(r, key):.3f}")
            out.append(r)
        return out
    gpus = split_devices(plan.train.get("device"))
    if settings.backend == "ray":
        from .ray_backend import run_on_ray

        per_run = threads or 1
        done = {i: _reuse_or_train(v, s, plan) for i, (v, s) in enumerate(runs) if _finished(v, s, plan.project)}
        todo = [i for i in range(len(runs)) if i not in done]
        device = "0" if gpus else "cpu"  # Ray gives a GPU task its GPU as CUDA_VISIBLE_DEVICES, so it is cuda:0
        specs = [_spec(*runs[i], plan, device, per_run, "ray") for i in todo]
        log(f"compare: {len(specs)} runs as Ray tasks ({'1 GPU' if gpus else f'{per_run} CPU(s)'} each), "
            f"{len(done)} finished before; each run's output: <variant>/seed<k>/train.log")  # fmt: skip
        records = run_on_ray(specs, bool(gpus), Progress(len(specs), jobs, key))
        done.update({i: RunResult.from_dict(r["result"]) for i, r in zip(todo, records)})
        return [done[i] for i in range(len(runs))]
    per_run = threads or max(1, cpu_cores() // jobs)
    where = f"{len(gpus)} GPU(s) {','.join(gpus)}" if gpus else f"{per_run} CPU thread(s) each"
    log(f"compare: {len(runs)} runs, {jobs} at a time, {where}; each run's output: <variant>/seed<k>/train.log")
    return _run_local(runs, plan, jobs, per_run, Slots(gpus))


def _run_local(
    runs: Sequence[tuple[Variant, int]], plan: _Plan, jobs: int, per_run: int, slots: Slots
) -> list[RunResult]:
    from .worker import RunFailed, attempt

    progress = Progress(len(runs), jobs, METRIC_KEYS[plan.metric], epochs=int(plan.train.get("epochs") or 0))

    def one(v: Variant, seed: int) -> RunResult:
        if _finished(v, seed, plan.project):
            return _reuse_or_train(v, seed, plan)
        device = slots.take()
        spec = _spec(v, seed, plan, device, per_run, "process")
        progress.begin(run_folder(plan.project, v.name, seed))
        try:
            for _ in range(RETRIES):
                try:
                    return RunResult.from_dict(attempt(spec)["result"])
                except RunFailed:
                    pass  # the next attempt resumes from last.pt, or restarts
            return RunResult.from_dict(attempt(spec)["result"])  # the last one's failure stops the comparison
        finally:
            progress.end(run_folder(plan.project, v.name, seed))
            slots.give(device)

    results: dict[int, RunResult] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = {}
        queue = list(enumerate(runs))
        while queue or pending:
            started = bool(queue) and len(pending) < jobs
            while queue and len(pending) < jobs:
                i, (v, seed) = queue.pop(0)
                pending[pool.submit(one, v, seed)] = i
                progress.running = len(pending)
            if started:
                progress.show()
            finished, _ = wait(pending, timeout=5, return_when=FIRST_COMPLETED)
            if not finished and not progress.due():
                continue  # a log file gets a line per change and every LOG_EVERY s; a terminal's line ticks
            for f in finished:
                i = pending.pop(f)
                results[i] = f.result()  # a run that failed RETRIES + 1 times stops the comparison (its log is named)
                progress.add(results[i])
            progress.running = len(pending)
            progress.show()
    progress.finish()
    return [results[i] for i in range(len(runs))]
