"""seeds=auto: add seeds in looks until every verdict is decided, and the simulation that checks the rule.

The rule: the first look has AUTO_START seeds per variant and every later look one more, up to max_seeds, so
K = max_seeds - AUTO_START + 1 looks are planned. Every look tests at alpha / K (a Bonferroni split of alpha over the
planned looks; the simplest group-sequential boundary, conservative because the looks are correlated). By the union
bound the chance of any false better/worse verdict over all looks is at most alpha, whatever the looks see. A look
that finds every variant better, worse or equivalent stops the study; an equivalent verdict is a TOST at the same
alpha / K.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .stats import BETTER, EQUIVALENT, WORSE, differences

__all__ = ("AUTO_START", "Simulation", "look_level", "planned_looks", "simulate")

AUTO_START = 3


def planned_looks(max_seeds: int) -> int:
    """The number of looks seeds=auto plans up to `max_seeds` seeds per variant."""
    return max_seeds - AUTO_START + 1


def look_level(level: float, looks: int) -> float:
    """The confidence level of each of `looks` looks, for an overall level `level`."""
    return 1 - (1 - level) / looks


@dataclass(frozen=True)
class Simulation:
    """The outcome of `simulate`: the share of comparisons ending better, worse, equivalent and undecided, with the
    mean number of seeds per variant they used, and the Monte-Carlo standard error of a rate near `level`'s alpha."""

    n: int
    better: float
    worse: float
    equivalent: float
    undecided: float
    mean_seeds: float
    mc_error: float


def simulate(
    draw: Callable[[np.random.Generator, int], np.ndarray],
    delta: float,
    n: int = 2000,
    max_seeds: int = 10,
    level: float = 0.95,
    margin: float = 0.01,
    seed: int = 0,
) -> Simulation:
    """Run the seeds=auto rule on `n` simulated two-variant comparisons.

    Args:
        draw: draw(rng, k) gives k run outcomes of the reference; the variant's are draw(rng, k) + delta.
        delta: the true difference of the variant from the reference.
        n, max_seeds, level, margin: the number of comparisons, and the rule's settings.
        seed: the generator's seed.
    """
    rng = np.random.default_rng(seed)
    looks = planned_looks(max_seeds)
    per_look = look_level(level, looks)
    counts = {BETTER: 0, WORSE: 0, EQUIVALENT: 0}
    used = 0
    for _ in range(n):
        ref, var = draw(rng, max_seeds), draw(rng, max_seeds) + delta
        for k in range(AUTO_START, max_seeds + 1):
            verdict = differences(ref[:k], [var[:k]], per_look, margin, describe=False)[0].verdict
            if verdict in counts:
                counts[verdict] += 1
                break
        used += k
    alpha = 1 - level
    shares = {v: c / n for v, c in counts.items()}
    return Simulation(
        n,
        shares[BETTER],
        shares[WORSE],
        shares[EQUIVALENT],
        1 - sum(shares.values()),
        used / n,
        float(np.sqrt(alpha * (1 - alpha) / n)),
    )
