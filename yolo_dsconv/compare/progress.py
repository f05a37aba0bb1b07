"""The one progress line a parallel comparison shows (local processes or Ray tasks alike)."""

from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, field

from .runs import RunResult

__all__ = ("Progress",)


@dataclass
class Progress:
    """The one line a parallel comparison shows: done / running / queued, elapsed, time left, running means."""

    total: int
    jobs: int
    key: str
    running: int = 0
    done: list[RunResult] = field(default_factory=list)
    started: float = field(default_factory=lambda: time.monotonic())  # looked up at each call, as sys.stdout is
    tty: bool = field(default_factory=lambda: sys.stdout.isatty())

    def add(self, result: RunResult) -> None:
        """Count a run that ended (trained in this call, or reused)."""
        self.done.append(result)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        queued = self.total - len(self.done) - self.running
        left = queued + self.running
        per_run = _run_seconds(self.done)
        # runs take the time the finished ones took, `jobs` at a time (fewer when fewer are left)
        eta = "?" if per_run is None else _clock(per_run * left / max(min(self.jobs, left), 1))
        means: dict[str, list[float]] = {}
        for r in self.done:
            means.setdefault(r.variant, []).append(getattr(r, self.key))
        mean_text = ", ".join(f"{v} {sum(x) / len(x):.3f} (n={len(x)})" for v, x in means.items())
        return (
            f"compare: {len(self.done)}/{self.total} done, {self.running} running, {queued} queued, "
            f"{_clock(elapsed)} elapsed, ~{eta} left" + (f"; {mean_text}" if mean_text else "")
        )

    def show(self) -> None:
        if self.tty:
            sys.stdout.write("\r\033[K" + self.line())
        else:
            sys.stdout.write(self.line() + "\n")
        sys.stdout.flush()

    def finish(self) -> None:
        if self.tty:
            sys.stdout.write("\n")


def _run_seconds(done: list[RunResult]) -> float | None:
    """The median training time of a whole run as the finished runs recorded it (those trained in this call and
    those reused alike), a resumed run's scaled from the epochs it trained in its last attempt to all its epochs;
    None when none recorded one. More stable than this call's elapsed time per finished run, which counts a run
    resumed near its end as a whole one."""
    times = [
        r.train_s * r.epochs / (r.epochs - r.resumed_from)
        for r in done
        if math.isfinite(r.train_s) and r.epochs > r.resumed_from
    ]
    return statistics.median(times) if times else None


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"
