"""Statistics of a multi-seed comparison: mean ± std per variant, and a Welch t-interval for each difference.

Seeds are independent repetitions; the seed does not pair two variants (their initial weights differ), so the
difference of two variants' means gets Welch's unequal-variance t-interval with the Welch–Satterthwaite degrees of
freedom (Welch 1947), not a paired one. A verdict reads the 95 % interval: above zero "better", below zero "worse",
containing zero "no detectable difference at this budget". With fewer than 2 seeds in either variant no interval
can be given, and the verdict says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ("NO_INTERVAL", "Difference", "Spread", "difference", "spread", "verdict")

NO_INTERVAL = "no interval: needs at least 2 seeds per variant"


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation (n - 1) of one variant's values; std is nan for n < 2."""

    n: int
    mean: float
    std: float


@dataclass(frozen=True)
class Difference:
    """mean(b) - mean(a) with its two-sided interval (nan bounds when it cannot be given) and the verdict."""

    delta: float
    low: float
    high: float
    df: float
    level: float
    verdict: str


def spread(values: Sequence[float]) -> Spread:
    """Mean and sample standard deviation of `values` (at least one)."""
    n = len(values)
    if n < 1:
        raise ValueError("spread: no values, expected at least one")
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else math.nan
    return Spread(n, mean, std)


def verdict(low: float, high: float) -> str:
    """The reading of an interval for a difference (variant - reference)."""
    if math.isnan(low) or math.isnan(high):
        return NO_INTERVAL
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return "no detectable difference at this budget"


def difference(reference: Sequence[float], other: Sequence[float], level: float = 0.95) -> Difference:
    """Welch t-interval at `level` for mean(other) - mean(reference)."""
    from scipy.stats import t

    if not 0 < level < 1:
        raise ValueError(f"difference: level={level!r} is invalid, expected 0 < level < 1")
    a, b = spread(reference), spread(other)
    delta = b.mean - a.mean
    if a.n < 2 or b.n < 2:
        return Difference(delta, math.nan, math.nan, math.nan, level, NO_INTERVAL)
    va, vb = a.std**2 / a.n, b.std**2 / b.n
    se = math.sqrt(va + vb)
    if se == 0:  # every seed of both gave the same value: the difference is exact
        return Difference(delta, delta, delta, math.inf, level, verdict(delta, delta))
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = float(t.ppf(0.5 + level / 2, df)) * se
    return Difference(delta, delta - half, delta + half, df, level, verdict(delta - half, delta + half))
