"""Statistics of a multi-seed comparison, made for few runs whose outcomes may be bimodal.

For each variant against the reference (the first variant), on one metric:

- when the two share their seeds (`paired=True`): the paired t-test and its interval over the per-seed differences
  (scipy's `ttest_rel`, in closed form). A seed fixes the data order and augmentation whatever the model, so the
  runs of one seed see the same batches; from one shared pretrained start, equal at step 0 (init="identity"),
  their scores correlate and the per-seed differences vary far less than the scores. The correlation is reported;
  Welch's reading is kept beside it (`welch_low`, `welch_high`, `welch_p`).
- otherwise Welch's unequal-variance t-test and its interval for the mean difference (scipy's
  `ttest_ind(equal_var=False)` and `confidence_interval`, in closed form).
- a bootstrap interval of the mean difference (scipy's `bootstrap`, percentile method, fixed generator);
- the probability of improvement P(variant > reference), ties counting one half, with a bootstrap interval, and the
  difference of medians: the few-run summaries recommended by Agarwal et al., "Deep Reinforcement Learning at the
  Edge of the Statistical Precipice" (NeurIPS 2021);
- the Welch p-value adjusted across the variants compared with one reference (Holm 1979);
- two one-sided tests (TOST, statsmodels' `ttost_ind`, unequal variances, or `ttost_paired`, in closed form) for
  equivalence within ±margin;
- the seeds per variant for 80 % power to detect a difference of `margin` at the observed spread (the power of
  statsmodels' `TTestIndPower`, or `TTestPower` of the differences when paired, computed here where its noncentral t
  tail is nan);
- the metric's ceiling: Ultralytics' AP cannot exceed 0.995 (101-point interpolation), so when reference + margin
  passes it the upper one-sided test cannot fail, and "equivalent" says only "not worse" (`NOT_WORSE`).

The verdict is decided by the t-test (paired or Welch) with Holm's adjustment, then by TOST (`decide`): "better" or
"worse" when the adjusted p-value is below alpha; otherwise "equivalent" when TOST rejects both one-sided nulls at
alpha (the (1 - 2·alpha) interval lies inside ±margin), "not worse" instead when the ceiling leaves less room above
the reference than the margin; otherwise "undecided". The bootstrap and the probability of
improvement are shown beside it and decide nothing: with 3-10 runs the percentile bootstrap under-covers (it
cannot reach beyond the values it has seen), while Welch's interval keeps its level under normality and is
conservative for the bimodal samples measured here (see tests/compare/test_sequential.py).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = (
    "BETTER",
    "BOOTSTRAP_METHOD",
    "CEILING",
    "EQUIVALENT",
    "MIN_PAIRS_FOR_R",
    "NOT_WORSE",
    "NO_INTERVAL",
    "POWER",
    "UNDECIDED",
    "WORSE",
    "Difference",
    "Spread",
    "decide",
    "difference",
    "differences",
    "holm",
    "missing",
    "prob_improvement",
    "seeds_needed",
    "spread",
)

BETTER, WORSE, EQUIVALENT, UNDECIDED, NOT_WORSE = "better", "worse", "equivalent", "undecided", "not worse"
# The most an Ultralytics AP can be, for boxes, masks, keypoints (OKS) and oriented boxes alike: `compute_ap`
# integrates the precision envelope over 101 recall points, and a perfect curve gives 0.995.
CEILING = 0.995
NO_INTERVAL = "no interval: needs at least 2 seeds per variant"
BOOTSTRAP_METHOD = "percentile"
BOOTSTRAP_RESAMPLES = 9999
POWER = 0.8
MIN_PAIRS_FOR_R = 3  # two points always lie on a line: their r is ±1 whatever the data


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (n - 1; nan for n < 2) and median of one variant's values."""

    n: int
    mean: float
    std: float
    median: float


@dataclass(frozen=True)
class Difference:
    """One variant against the reference on one metric (every field is variant - reference).

    `low`/`high` is Welch's interval at `level`; `boot_low`/`boot_high` the bootstrap one; `p_improve` is
    P(variant > reference) with its bootstrap interval; `p`/`p_holm` Welch's two-sided p-value, raw and Holm-adjusted
    across the variants of one comparison; `p_tost` the equivalence p-value for ±`margin`; `seeds_needed` the seeds
    per variant for 80 % power at `margin` (nan when the spread is unknown). Bounds that cannot be computed are nan.
    With `paired` every interval, test and P(improve) comes from the per-seed differences, with Pearson's r of the
    pairs in `correlation` and Welch's interval and p-value in `welch_*`. `headroom` is CEILING less the reference's
    mean.
    """

    delta: float
    low: float
    high: float
    df: float
    level: float
    p: float
    p_holm: float
    boot_low: float
    boot_high: float
    median_delta: float
    p_improve: float
    p_improve_low: float
    p_improve_high: float
    margin: float
    p_tost: float
    seeds_needed: float
    verdict: str
    paired: bool = False
    correlation: float = math.nan  # Pearson's r of the paired scores (nan unpaired, below 3 pairs, or a zero spread)
    pairs: int = 0  # the seeds paired (0 unpaired)
    welch_low: float = math.nan  # Welch's reading, kept beside a paired one
    welch_high: float = math.nan
    welch_p: float = math.nan
    headroom: float = math.nan  # the ceiling less the reference's mean: the largest gain the metric can show


def missing(x: Any) -> bool:
    """True for a figure that was not computed: None or nan (one seed has no std, one pair no interval)."""
    return x is None or (isinstance(x, numbers.Real) and math.isnan(x))


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample standard deviation and median of `values` (at least one)."""
    n = len(values)
    if n < 1:
        raise ValueError("spread: no values, expected at least one")
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else math.nan
    return Spread(n, mean, std, float(np.median(values)))


def prob_improvement(reference: Sequence[float], other: Sequence[float]) -> float:
    """P(X > Y) for X drawn from `other` and Y from `reference`, ties counting one half (Mann-Whitney U / (n·m))."""
    x, y = np.asarray(other, float)[:, None], np.asarray(reference, float)[None, :]
    return float(np.mean((x > y) + 0.5 * (x == y)))


def _bootstrap(reference: Sequence[float], other: Sequence[float], level: float) -> tuple[float, ...]:
    """Percentile bootstrap intervals (each sample resampled on its own) of the mean difference and of P(X > Y)."""

    def mean_difference(b: np.ndarray, a: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(b, axis=axis) - np.mean(a, axis=axis)

    def improvement(b: np.ndarray, a: np.ndarray, axis: int = -1) -> np.ndarray:
        x, y = np.expand_dims(b, -1), np.expand_dims(a, -2)
        return np.mean((x > y) + 0.5 * (x == y), axis=(-2, -1))

    return _intervals((np.asarray(other, float), np.asarray(reference, float)), (mean_difference, improvement), level)


def _bootstrap_paired(d: Sequence[float], level: float) -> tuple[float, ...]:
    """Percentile bootstrap intervals (the seeds resampled as pairs) of the mean difference and of P(d > 0)."""

    def improvement(x: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean((x > 0) + 0.5 * (x == 0), axis=axis)

    return _intervals((np.asarray(d, float),), (np.mean, improvement), level)


def _intervals(samples: tuple[np.ndarray, ...], statistics: tuple, level: float) -> tuple[float, ...]:
    """(low, high) of each statistic's percentile bootstrap interval over `samples`, one fixed generator each."""
    from scipy.stats import bootstrap

    out = []
    for statistic in statistics:
        ci = bootstrap(
            samples,
            statistic,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=level,
            method=BOOTSTRAP_METHOD,
            vectorized=True,
            rng=np.random.default_rng(0),
        ).confidence_interval
        out += [float(ci.low), float(ci.high)]
    return tuple(out)


def _paired_se_df(d: Spread) -> tuple[float, float]:
    """The standard error of the mean per-seed difference and its degrees of freedom (n - 1); (0, inf) when every
    seed gave the same difference."""
    return (0.0, math.inf) if d.std == 0 else (d.std / math.sqrt(d.n), d.n - 1)


def _correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson's r of the pairs; nan below MIN_PAIRS_FOR_R pairs or when a spread is zero."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if len(x) < MIN_PAIRS_FOR_R or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _welch_se_df(a: Spread, b: Spread) -> tuple[float, float]:
    """The standard error of mean(b) - mean(a) and its Welch-Satterthwaite degrees of freedom; (0, inf) when both
    spreads are zero: every seed of both gave the same value, and the difference is exact."""
    if a.std == 0 and b.std == 0:
        return 0.0, math.inf
    va, vb = a.std**2 / a.n, b.std**2 / b.n
    return math.sqrt(va + vb), (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))


def _welch(delta: float, se: float, df: float, level: float) -> tuple[float, float, float]:
    """(low, high, p) of Welch's test of a difference `delta` with standard error `se` (0: exact) on `df` degrees of
    freedom. The closed form of scipy's `ttest_ind(equal_var=False)` and its `confidence_interval` (the tests hold it
    to them), without the wrapper's milliseconds per call that a simulation of thousands of comparisons would spend."""
    from scipy.special import stdtr, stdtrit

    if se == 0:
        return delta, delta, 0.0 if delta != 0 else 1.0
    half = float(stdtrit(df, 1 - (1 - level) / 2)) * se
    return delta - half, delta + half, float(2 * stdtr(df, -abs(delta) / se))


def _tost(delta: float, se: float, df: float, margin: float) -> float:
    """The TOST p-value for |delta| < margin, unequal variances: the larger of the one-sided Welch p-values against
    -margin and +margin (statsmodels' `ttost_ind(usevar="unequal")`, in closed form)."""
    from scipy.special import stdtr

    if se == 0:
        return 0.0 if abs(delta) < margin else 1.0
    return float(max(stdtr(df, -(delta + margin) / se), stdtr(df, (delta - margin) / se)))


def seeds_needed(
    a: Spread, b: Spread, margin: float, alpha: float, power: float = POWER, d: Spread | None = None
) -> float:
    """The fewest seeds per variant giving `power` to detect a difference of `margin` with a two-sided t-test at
    `alpha`, at the pooled observed spread (two samples of n), or, given the spread `d` of the per-seed differences,
    with the paired test; searched over integers. nan when a spread is unknown, 2 when it is zero."""
    if math.isnan(a.std) or math.isnan(b.std) or (d is not None and math.isnan(d.std)):
        return math.nan
    sd = math.sqrt((a.std**2 + b.std**2) / 2) if d is None else d.std
    if sd == 0:
        return 2.0

    def enough(n: int) -> bool:
        if d is not None:
            return n > 1 and _t_power(margin / sd * math.sqrt(n), n - 1, alpha) >= power
        return _t_power(margin / sd * math.sqrt(n / 2), 2 * n - 2, alpha) >= power

    low, high = 1, 2  # enough(high) holds and enough(low) does not, once the doubling ends
    while not enough(high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return float(high)


def _t_power(noncentrality: float, df: int, alpha: float) -> float:
    """The power of a two-sided t-test at `alpha`: both tails of the noncentral t past the critical value, as
    statsmodels' TTestPower and TTestIndPower compute it, except where scipy's tail is nan at a large noncentrality
    (the far tail, then 0; the near one, then 1 when the noncentrality passes the critical value), which statsmodels
    passes on (power nan for 2 pairs at an effect of 7 sd)."""
    from scipy.stats import nct, t

    critical = float(t.isf(alpha / 2, df))
    near, far = float(nct.sf(critical, df, noncentrality)), float(nct.cdf(-critical, df, noncentrality))
    near = float(noncentrality > critical) if math.isnan(near) else near
    return near + (0.0 if math.isnan(far) else far)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the i-th smallest of m p-values becomes max over j ≤ i of (m - j + 1)·p_(j), capped
    at 1 (Holm 1979; statsmodels' multipletests(method="holm") gives the same, but runs gc.collect() on every call).
    nan p-values are left out and stay nan."""
    keep = sorted((p, i) for i, p in enumerate(pvalues) if not math.isnan(p))
    out, running = [math.nan] * len(pvalues), 0.0
    for rank, (p, i) in enumerate(keep):
        running = max(running, min(1.0, (len(keep) - rank) * p))
        out[i] = running
    return out


def decide(delta: float, p_holm: float, p_tost: float, alpha: float, headroom: float = math.inf,
           margin: float = 0.0) -> str:  # fmt: skip
    """The verdict: better/worse when the adjusted p-value is below alpha, else equivalent when TOST's is (not worse
    when `headroom`, the room the metric's ceiling leaves above the reference, is below `margin`), else undecided;
    NO_INTERVAL when no test could be run."""
    if math.isnan(p_holm):
        return NO_INTERVAL
    if p_holm < alpha:
        return BETTER if delta > 0 else WORSE
    if p_tost < alpha:
        return NOT_WORSE if headroom < margin else EQUIVALENT
    return UNDECIDED


def difference(
    reference: Sequence[float],
    other: Sequence[float],
    level: float = 0.95,
    margin: float = 0.01,
    p_holm: float | None = None,
    describe: bool = True,
    paired: bool = False,
    ceiling: float = CEILING,
) -> Difference:
    """Every statistic of mean(other) - mean(reference), with the verdict at alpha = 1 - level.

    `p_holm` is the Holm-adjusted p-value when several variants share the reference; None means this is the only
    comparison (the adjusted p-value is the raw one). `describe=False` leaves out what decides nothing (bootstrap
    intervals and the seeds needed: nan), for simulations of the verdict rule. `paired`: `other[i]` and
    `reference[i]` come from the same seed (equal lengths). `ceiling`: the most the metric can be.
    """
    if not 0 < level < 1:
        raise ValueError(f"difference: level={level!r} is invalid, expected 0 < level < 1")
    if not margin > 0:
        raise ValueError(f"difference: margin={margin!r} is invalid, expected a positive number")
    if paired and len(reference) != len(other):
        raise ValueError(f"difference: paired samples of {len(reference)} and {len(other)} values, expected equal")
    a, b = spread(reference), spread(other)
    delta, alpha, headroom = b.mean - a.mean, 1 - level, ceiling - a.mean
    if a.n < 2 or b.n < 2:
        nan = math.nan
        return Difference(delta, nan, nan, nan, level, nan, nan, nan, nan, b.median - a.median,
                          prob_improvement(reference, other), nan, nan, margin, nan, nan, NO_INTERVAL,
                          headroom=headroom)  # fmt: skip
    se_w, df_w = _welch_se_df(a, b)
    welch = _welch(delta, se_w, df_w, level)
    if paired:
        diffs = [y - x for x, y in zip(reference, other)]
        d = spread(diffs)
        se, df = _paired_se_df(d)
        low, high, p = _welch(delta, se, df, level)  # the same t interval, on the differences' standard error
        pi = float(np.mean([(v > 0) + 0.5 * (v == 0) for v in diffs]))
        boot = _bootstrap_paired(diffs, level) if describe else (math.nan,) * 4
        extra = {"paired": True, "correlation": _correlation(reference, other), "pairs": len(diffs)}
        extra.update(welch_low=welch[0], welch_high=welch[1], welch_p=welch[2])
    else:
        d, (se, df), (low, high, p) = None, (se_w, df_w), welch
        pi = prob_improvement(reference, other)
        boot = _bootstrap(reference, other, level) if describe else (math.nan,) * 4
        extra = {}
    p_adj = p if p_holm is None else p_holm
    p_tost = _tost(delta, se, df, margin)
    return Difference(
        delta,
        low,
        high,
        df,
        level,
        p,
        p_adj,
        boot[0],
        boot[1],
        b.median - a.median,
        pi,
        boot[2],
        boot[3],
        margin,
        p_tost,
        seeds_needed(a, b, margin, alpha, d=d) if describe else math.nan,
        decide(delta, p_adj, p_tost, alpha, headroom, margin),
        headroom=headroom,
        **extra,
    )


def differences(
    reference: Sequence[float],
    others: Sequence[Sequence[float]],
    level: float = 0.95,
    margin: float = 0.01,
    describe: bool = True,
    paired: Sequence[bool] | bool = False,
) -> list[Difference]:
    """`difference` of each of `others` against `reference`, with Holm's adjustment across them; `paired`: one flag
    for all, or one per entry of `others`."""
    flags = [paired] * len(others) if isinstance(paired, bool) else list(paired)
    raw = [difference(reference, o, level, margin, describe=describe, paired=f) for o, f in zip(others, flags)]
    alpha = 1 - level
    return [
        replace(d, p_holm=p, verdict=decide(d.delta, p, d.p_tost, alpha, d.headroom, d.margin))
        if not math.isnan(p)
        else d
        for d, p in zip(raw, holm([d.p for d in raw]))
    ]
