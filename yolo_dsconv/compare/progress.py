"""The one progress line a parallel comparison shows (local processes or Ray tasks alike)."""

from __future__ import annotations

import math
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .runs import RunResult, logged_epochs

__all__ = ("LISTED", "LOG_EVERY", "Progress")

LISTED = 3  # running runs whose epochs are listed one by one; beyond, their range
LOG_EVERY = 600.0  # seconds between lines in a log file while no run starts or ends (a terminal's line ticks)


@dataclass
class Progress:
    """The one line a parallel comparison shows: done / running / queued (with the epoch each run in a known folder
    has reached), elapsed, time left, running means."""

    total: int
    jobs: int
    key: str
    running: int = 0
    epochs: int = 0  # the epochs each run trains (0: not known)
    done: list[RunResult] = field(default_factory=list)
    started: float = field(default_factory=lambda: time.monotonic())  # looked up at each call, as sys.stdout is
    tty: bool = field(default_factory=lambda: sys.stdout.isatty())
    shown: float = field(default=-math.inf, init=False)  # when the line was last shown
    # the folders of the runs training now: when each began, and the epochs it had logged then (a resumed run's)
    _active: dict[Path, tuple[float, int]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def add(self, result: RunResult) -> None:
        """Count a run that ended (trained in this call, or reused)."""
        self.done.append(result)

    def begin(self, run_dir: Path) -> None:
        """A run starts training in `run_dir` (its results.csv says how far it has got)."""
        logged = logged_epochs(run_dir / "results.csv")
        with self._lock:
            self._active[run_dir] = (time.monotonic(), logged)

    def end(self, run_dir: Path) -> None:
        with self._lock:
            self._active.pop(run_dir, None)

    def _reached(self, now: float) -> list[tuple[int, float | None]]:
        """For each run training now, the epochs in its results.csv (0 before its first) and the seconds per epoch
        it has taken since it began, by `now` (None before its first epoch of this call)."""
        with self._lock:
            active = list(self._active.items())
        reached = []
        for folder, (since, first) in active:
            epochs = logged_epochs(folder / "results.csv")
            first = first if epochs >= first else 0  # fewer than at its start: the folder was moved aside, restarted
            reached.append((epochs, (now - since) / (epochs - first) if epochs > first else None))
        return reached

    def line(self) -> str:
        now = time.monotonic()
        elapsed = now - self.started
        queued = self.total - len(self.done) - self.running
        left = queued + self.running
        running = self._reached(now)
        reached = [e for e, _ in running]
        # a running run is counted by the share of its epochs still to train, when its epochs are known
        ahead = [max(0.0, 1 - e / self.epochs) for e in reached] if self.epochs else []
        work = queued + self.running - len(ahead) + sum(ahead)
        per_run = _run_seconds(self.done)
        paces = [pace for _, pace in running if pace is not None]
        if per_run is None and paces and self.epochs:  # no run finished yet: the running runs' pace so far
            per_run = statistics.median(paces) * self.epochs
        # runs take the time the finished ones took, `jobs` at a time (fewer when fewer are left)
        eta = "?" if per_run is None else _clock(per_run * work / max(min(self.jobs, left), 1))
        means: dict[str, list[float]] = {}
        for r in self.done:
            means.setdefault(r.variant, []).append(getattr(r, self.key))
        mean_text = ", ".join(f"{v} {sum(x) / len(x):.3f} (n={len(x)})" for v, x in means.items())
        at = ""
        if reached:  # each run's epoch, or their range when more would make the line too long for a terminal
            each = ", ".join(map(str, reached)) if len(reached) <= LISTED else f"{min(reached)}–{max(reached)}"
            at = f" (epoch{'s' if len(reached) > 1 else ''} {each}" + (f" of {self.epochs})" if self.epochs else ")")
        return (
            f"compare: {len(self.done)}/{self.total} done, {self.running} running{at}, {queued} queued, "
            f"{_clock(elapsed)} elapsed, ~{eta} left" + (f"; {mean_text}" if mean_text else "")
        )

    def due(self) -> bool:
        """Whether to show the line though no run started or ended: always on a terminal (its clock ticks), every
        LOG_EVERY seconds in a log file."""
        return self.tty or time.monotonic() - self.shown >= LOG_EVERY

    def show(self) -> None:
        if self.tty:
            sys.stdout.write("\r\033[K" + self.line())
        else:
            sys.stdout.write(self.line() + "\n")
        sys.stdout.flush()
        self.shown = time.monotonic()

    def finish(self) -> None:
        if self.tty:
            sys.stdout.write("\n")


def _run_seconds(done: list[RunResult]) -> float | None:
    """The median `RunResult.whole_train_s` of the finished runs, trained in this call or reused; None when none
    recorded one. More stable than this call's elapsed time per finished run, which counts a run resumed near its end
    as a whole one."""
    times = [r.whole_train_s for r in done if math.isfinite(r.whole_train_s)]
    return statistics.median(times) if times else None


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"
