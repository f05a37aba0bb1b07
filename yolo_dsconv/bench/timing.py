"""Interleaved timing: every variant runs once per round, in rotating order, and each reports its median.

Interleaving spreads the machine's noise (other processes, frequency changes) over all variants alike, so their
ratios hold even when absolute times drift.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ("interleaved_medians",)


def interleaved_medians(
    fns: dict[str, Callable[[], object]], rounds: int = 30, warmup: int = 3, sync: Callable[[], None] | None = None
) -> dict[str, float]:
    """Median seconds per call of each function, timed in `rounds` interleaved rounds after `warmup` rounds.

    Args:
        fns: name -> zero-argument callable.
        rounds: timed rounds; each runs every function once.
        warmup: untimed rounds first.
        sync: called before reading the clock (e.g. torch.cuda.synchronize).
    """
    names = list(fns)
    times: dict[str, list[float]] = {n: [] for n in names}
    sync = sync or (lambda: None)
    for r in range(warmup + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            sync()
            t0 = time.perf_counter()
            fns[name]()
            sync()
            if r >= warmup:
                times[name].append(time.perf_counter() - t0)
    return {n: statistics.median(t) for n, t in times.items()}
