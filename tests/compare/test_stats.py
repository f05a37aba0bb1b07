"""The statistics of `compare` against hand-computed values (t quantiles from printed tables) and against
scipy/statsmodels called directly: ties, identical runs, one seed and a bimodal sample."""

import math

import numpy as np
import pytest
import torch
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower, TTestPower
from statsmodels.stats.weightstats import ttost_ind

from yolo_dsconv.compare import difference, differences, spread
from yolo_dsconv.compare.stats import (
    BETTER,
    EQUIVALENT,
    NO_INTERVAL,
    UNDECIDED,
    WORSE,
    decide,
    holm,
    missing,
    prob_improvement,
    seeds_needed,
)

T_975_DF4 = 2.7764451  # Student t, 97.5 % quantile, 4 degrees of freedom
T_95_DF4 = 2.1318468  # 95 % quantile (a 90 % two-sided interval)
# Runs that take off or not, as measured (0.026, 0.015 among siblings at 0.8-0.95).
BIMODAL_REF = [0.91, 0.88, 0.026, 0.93, 0.90]
BIMODAL_OTHER = [0.015, 0.95, 0.92, 0.94, 0.444]


def test_spread_is_mean_sample_std_and_median():
    s = spread([1.0, 2.0, 3.0, 10.0])
    assert (s.n, s.mean, s.median) == (4, 4.0, 2.5)
    assert s.std == pytest.approx(math.sqrt((9 + 4 + 1 + 36) / 3))


def test_spread_of_one_value_has_no_std():
    s = spread([0.7])
    assert (s.n, s.mean, s.median) == (1, 0.7, 0.7) and math.isnan(s.std)


def test_missing_is_none_or_nan_and_nothing_else():
    assert missing(None) and missing(math.nan) and missing(np.float32(math.nan)) and missing(spread([0.5]).std)
    assert not any(missing(x) for x in (0.0, -0.0, 1.5, math.inf, 0, "nan"))


def test_spread_refuses_no_values():
    with pytest.raises(ValueError, match="spread: no values, expected at least one"):
        spread([])


@pytest.mark.parametrize(("level", "quantile"), [(0.95, T_975_DF4), (0.90, T_95_DF4)])
def test_welch_interval_equal_variances_by_hand(level, quantile):
    # means 2 and 5, both sample variances 1, n = 3: se = sqrt(1/3 + 1/3), df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4
    d = difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], level, margin=0.5)
    half = quantile * math.sqrt(2 / 3)
    assert d.delta == pytest.approx(3.0) and d.df == pytest.approx(4.0)
    assert (d.low, d.high) == (pytest.approx(3.0 - half), pytest.approx(3.0 + half))
    assert d.level == level and d.verdict == BETTER


def test_welch_degrees_of_freedom_unequal_variances_by_hand():
    # a: mean 2, var 2, n 2 -> va = 1; b: mean 5, var 20/3, n 4 -> vb = 5/3; df = (8/3)^2 / (1/1 + (5/3)^2/3)
    d = difference([1.0, 3.0], [2.0, 4.0, 6.0, 8.0])
    assert d.df == pytest.approx((8 / 3) ** 2 / (1 + (25 / 9) / 3))
    assert d.delta == pytest.approx(3.0) and d.low < 0 < d.high
    assert d.verdict == UNDECIDED


@pytest.mark.parametrize("sample", [([0.5, 0.6, 0.7], [0.55, 0.8, 0.9, 0.7]), (BIMODAL_REF, BIMODAL_OTHER)])
def test_welch_test_and_interval_are_scipys(sample):
    ref, other = sample
    d = difference(ref, other, 0.9)
    res = sps.ttest_ind(other, ref, equal_var=False)
    ci = res.confidence_interval(0.9)
    assert (d.low, d.high, d.df, d.p) == pytest.approx((ci.low, ci.high, res.df, res.pvalue), rel=1e-12)


def test_welch_and_tost_closed_forms_are_scipys_and_statsmodels_over_many_samples():
    # sizes 2-10 on each side, spreads from 0 (one side constant) to 0.1, differences across and beyond ±margin
    rng = np.random.default_rng(7)
    for i in range(60):
        n, m = rng.integers(2, 11, size=2)
        ref = rng.normal(0.85, 0.01 if i % 3 else 0.1, n)
        other = rng.normal(0.85 + rng.uniform(-0.03, 0.03), 0.02, m)
        if i % 10 == 0:
            ref = np.full(n, 0.84)
        d = difference(list(ref), list(other), 0.9, margin=0.01)
        res = sps.ttest_ind(other, ref, equal_var=False)
        ci = res.confidence_interval(0.9)
        tost = ttost_ind(other, ref, -0.01, 0.01, usevar="unequal")[0]
        got = torch.tensor([d.low, d.high, d.df, d.p, d.p_tost], dtype=torch.float64)
        want = torch.tensor([ci.low, ci.high, res.df, res.pvalue, tost], dtype=torch.float64)
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-12, msg=lambda m, i=i: f"sample {i}: {m}")


def test_bootstrap_interval_is_scipys_percentile_bootstrap_with_a_fixed_generator():
    d = difference(BIMODAL_REF, BIMODAL_OTHER)
    ci = sps.bootstrap(
        (np.array(BIMODAL_OTHER), np.array(BIMODAL_REF)),
        lambda b, a, axis=-1: b.mean(axis) - a.mean(axis),
        n_resamples=9999,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    assert (d.boot_low, d.boot_high) == pytest.approx((ci.low, ci.high), rel=1e-12)
    # percentile bounds are means of resamples: they cannot leave the range of possible resampled differences
    assert min(BIMODAL_OTHER) - max(BIMODAL_REF) <= d.boot_low < d.boot_high <= max(BIMODAL_OTHER) - min(BIMODAL_REF)
    assert difference(BIMODAL_REF, BIMODAL_OTHER) == d  # fixed generator: the same call gives the same interval


def test_probability_of_improvement_counts_pairs_and_half_ties():
    # pairs (x from other, y from ref): 3>1, 3>2, 3=3 (half), 2>1, 2=2 (half), 2<3: 1+1+0.5+1+0.5+0 = 4 of 6
    assert prob_improvement([1.0, 2.0, 3.0], [3.0, 2.0]) == pytest.approx(4 / 6)
    assert prob_improvement([0.5, 0.5], [0.5, 0.5]) == 0.5
    assert prob_improvement([0.1], [0.2]) == 1.0 and prob_improvement([0.2], [0.1]) == 0.0
    u = sps.mannwhitneyu(BIMODAL_OTHER, BIMODAL_REF).statistic
    d = difference(BIMODAL_REF, BIMODAL_OTHER)
    assert d.p_improve == pytest.approx(u / 25)
    assert 0 <= d.p_improve_low <= d.p_improve <= d.p_improve_high <= 1


def test_median_difference_is_robust_to_the_runs_that_did_not_take_off():
    d = difference(BIMODAL_REF, BIMODAL_OTHER)
    assert d.median_delta == pytest.approx(np.median(BIMODAL_OTHER) - np.median(BIMODAL_REF))  # 0.92 - 0.90
    assert d.median_delta == pytest.approx(0.02) and d.delta == pytest.approx((3.269 - 3.646) / 5)


def test_holm_matches_statsmodels_and_keeps_nan():
    rng = np.random.default_rng(1)
    for _ in range(50):
        p = rng.random(4) ** 3
        assert holm(list(p)) == pytest.approx(list(multipletests(p, method="holm")[1]))
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # by hand: 3·0.01, max(2·0.03, ·), 1·0.04↑
    out = holm([0.01, math.nan, 0.04])
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.04)


def test_differences_adjust_across_the_variants_and_decide_on_the_adjusted_p():
    ref = [0.50, 0.52, 0.51, 0.49]
    others = [[0.53, 0.55, 0.54, 0.52], [0.50, 0.53, 0.51, 0.48], [0.40, 0.41, 0.39, 0.42]]
    ds = differences(ref, others, 0.95, margin=0.05)
    raw = [difference(ref, o, 0.95, margin=0.05).p for o in others]
    assert [d.p for d in ds] == pytest.approx(raw)
    assert [d.p_holm for d in ds] == pytest.approx(list(multipletests(raw, method="holm")[1]))
    assert [d.verdict for d in ds] == [decide(d.delta, d.p_holm, d.p_tost, 0.05) for d in ds]
    assert ds[2].verdict == WORSE and ds[1].verdict == EQUIVALENT


def test_tost_is_statsmodels_unequal_variance_tost():
    ref, other = [0.80, 0.82, 0.81, 0.79, 0.80], [0.81, 0.80, 0.82, 0.80, 0.81]
    d = difference(ref, other, margin=0.03)
    p = ttost_ind(np.array(other), np.array(ref), -0.03, 0.03, usevar="unequal")[0]
    assert d.p_tost == pytest.approx(p, rel=1e-12) and d.p_tost < 0.05
    assert d.verdict == EQUIVALENT  # the 90 % interval lies inside ±0.03, the 95 % one contains 0
    ninety = difference(ref, other, 0.90)
    assert ninety.low > -0.03 and ninety.high < 0.03


def test_seeds_needed_is_statsmodels_power_at_the_pooled_spread():
    a, b = spread([0.80, 0.85, 0.90]), spread([0.82, 0.83, 0.84, 0.86])
    sd = math.sqrt((a.std**2 + b.std**2) / 2)
    expected = TTestIndPower().solve_power(effect_size=0.02 / sd, alpha=0.05, power=0.8, ratio=1.0)
    assert seeds_needed(a, b, 0.02, 0.05) == math.ceil(expected)
    # by hand, the normal approximation 2·((z_.975 + z_.8)·sd/margin)² is a lower bound the t-test exceeds a little
    assert (
        2 * ((1.959964 + 0.841621) * sd / 0.02) ** 2
        <= seeds_needed(a, b, 0.02, 0.05)
        <= 2.5 * (2 * ((1.959964 + 0.841621) * sd / 0.02) ** 2)
    )
    assert seeds_needed(spread([0.5, 0.5]), spread([0.6, 0.6]), 0.01, 0.05) == 2
    assert math.isnan(seeds_needed(spread([0.5]), spread([0.5, 0.6]), 0.01, 0.05))


def test_seeds_needed_ends_where_statsmodels_power_is_nan():
    """Per-seed differences equal up to rounding (sd 1.6e-17) and 2 pairs at an effect of 7 sd: statsmodels' power is
    nan for both (its noncentral t's far tail fails), which once doubled n until numpy could not take its root."""
    assert math.isnan(TTestPower().power(effect_size=0.01 / 0.002 * math.sqrt(2), nobs=2, alpha=0.05))
    ref, other = [0.1 * s for s in range(3)], [0.1 * s + 0.05 for s in range(3)]
    a, b, flat = spread(ref), spread(other), spread([y - x for x, y in zip(ref, other)])
    assert 0 < flat.std < 1e-15 and seeds_needed(a, b, 0.01, 0.05, d=flat) == 2
    seven = spread([0.0, 0.002, 0.004])  # sd 0.002: 2 pairs give power 0.57 (the near tail alone), 3 give 0.9994
    assert seeds_needed(a, b, 0.01 * math.sqrt(2), 0.05, d=seven) == 3


@pytest.mark.parametrize("paired", [False, True])
def test_the_power_behind_seeds_needed_is_statsmodels_where_it_has_one(paired):
    from yolo_dsconv.compare.stats import _t_power

    for effect in (0.1, 0.5, 1.0, 2.0, 4.0):
        for n in (2, 3, 5, 10, 40):
            if paired:
                want = TTestPower().power(effect_size=effect, nobs=n, alpha=0.05)
                got = _t_power(effect * math.sqrt(n), n - 1, 0.05)
            else:
                want = TTestIndPower().power(effect_size=effect, nobs1=n, alpha=0.05, ratio=1.0)
                got = _t_power(effect * math.sqrt(n / 2), 2 * n - 2, 0.05)
            if not math.isnan(want):
                torch.testing.assert_close(got, float(want), rtol=1e-9, atol=1e-12)


def test_one_seed_gives_no_interval_and_no_verdict():
    for ref, other in (([0.5], [0.6, 0.7]), ([0.5, 0.6], [0.7])):
        d = difference(ref, other)
        assert math.isnan(d.low) and math.isnan(d.p) and d.verdict == NO_INTERVAL
        assert d.delta == pytest.approx(sum(other) / len(other) - sum(ref) / len(ref))


def test_identical_runs_give_an_exact_difference():
    d = difference([0.5, 0.5], [0.7, 0.7])
    assert (d.low, d.high, d.p) == (pytest.approx(0.2), pytest.approx(0.2), 0.0) and d.verdict == BETTER
    same = difference([0.5, 0.5], [0.5, 0.5])
    assert (same.p, same.p_tost, same.verdict) == (1.0, 0.0, EQUIVALENT)
    assert difference([0.5, 0.5], [0.5, 0.5], margin=0.01).verdict == EQUIVALENT
    assert difference([0.5, 0.5], [0.505, 0.505], margin=0.001).verdict == BETTER


def test_a_bimodal_sample_stays_undecided_and_names_the_seeds_it_needs():
    d = difference(BIMODAL_REF, BIMODAL_OTHER)
    assert d.verdict == UNDECIDED and d.p > 0.05 and d.p_tost > 0.05
    assert d.seeds_needed > 1000  # a spread of ~0.4 against a margin of 0.01


@pytest.mark.parametrize(
    ("delta", "p_holm", "p_tost", "reading"),
    [
        (0.1, 0.049, 0.9, BETTER),
        (-0.1, 0.049, 0.9, WORSE),
        (0.1, 0.05, 0.9, UNDECIDED),  # a p-value at alpha decides nothing
        (0.001, 0.5, 0.049, EQUIVALENT),
        (0.001, 0.5, 0.05, UNDECIDED),
        (0.1, 0.01, 0.01, BETTER),  # a difference inside a tiny margin that is also significant: better wins
        (0.1, math.nan, math.nan, NO_INTERVAL),
    ],
)
def test_decide_thresholds(delta, p_holm, p_tost, reading):
    assert decide(delta, p_holm, p_tost, 0.05) == reading


@pytest.mark.parametrize(("level", "margin"), [(1.5, 0.01), (0.0, 0.01), (0.95, 0.0), (0.95, -0.01)])
def test_bad_level_or_margin_is_refused(level, margin):
    with pytest.raises(ValueError, match="is invalid, expected"):
        difference([1.0, 2.0], [3.0, 4.0], level, margin)
