"""The statistics of `compare` against values worked out by hand (t quantiles from printed tables)."""

import math

import pytest

from yolo_dsconv.compare import difference, spread, verdict
from yolo_dsconv.compare.stats import NO_INTERVAL

T_975_DF4 = 2.7764451  # Student t, 97.5 % quantile, 4 degrees of freedom
T_95_DF4 = 2.1318468  # 95 % quantile (a 90 % two-sided interval)


def test_spread_is_mean_and_sample_std():
    s = spread([1.0, 2.0, 3.0, 4.0])
    assert (s.n, s.mean) == (4, 2.5)
    assert s.std == pytest.approx(math.sqrt(5 / 3))  # squares 2.25+0.25+0.25+2.25 = 5, over n-1 = 3


def test_spread_of_one_value_has_no_std():
    s = spread([0.7])
    assert (s.n, s.mean) == (1, 0.7) and math.isnan(s.std)


def test_spread_refuses_no_values():
    with pytest.raises(ValueError, match="spread: no values, expected at least one"):
        spread([])


@pytest.mark.parametrize(("level", "quantile"), [(0.95, T_975_DF4), (0.90, T_95_DF4)])
def test_welch_interval_equal_variances(level, quantile):
    # means 2 and 5, both sample variances 1, n = 3: se = sqrt(1/3 + 1/3), df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4
    d = difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], level)
    half = quantile * math.sqrt(2 / 3)
    assert d.delta == pytest.approx(3.0)
    assert d.df == pytest.approx(4.0)
    assert (d.low, d.high) == (pytest.approx(3.0 - half), pytest.approx(3.0 + half))
    assert d.level == level and d.verdict == "better"


def test_welch_degrees_of_freedom_unequal_variances():
    # a: mean 2, var 2, n 2 -> va = 1; b: mean 5, var 20/3, n 4 -> vb = 5/3; df = (8/3)^2 / (1/1 + (5/3)^2/3)
    d = difference([1.0, 3.0], [2.0, 4.0, 6.0, 8.0])
    assert d.df == pytest.approx((8 / 3) ** 2 / (1 + (25 / 9) / 3))
    assert d.delta == pytest.approx(3.0)
    assert d.high - d.low > 2 * 3.0  # df ≈ 3.69 and se ≈ 1.63: the interval crosses zero
    assert d.verdict == "no detectable difference at this budget"


def test_worse_is_the_mirror_of_better():
    d = difference([4.0, 5.0, 6.0], [1.0, 2.0, 3.0])
    assert d.delta == pytest.approx(-3.0) and d.high == pytest.approx(-3.0 + T_975_DF4 * math.sqrt(2 / 3))
    assert d.verdict == "worse"


def test_one_seed_gives_no_interval():
    for ref, other in (([0.5], [0.6, 0.7]), ([0.5, 0.6], [0.7])):
        d = difference(ref, other)
        assert math.isnan(d.low) and math.isnan(d.high) and d.verdict == NO_INTERVAL
        assert d.delta == pytest.approx(sum(other) / len(other) - sum(ref) / len(ref))


def test_identical_seeds_give_an_exact_difference():
    d = difference([0.5, 0.5], [0.7, 0.7])
    assert (d.low, d.high) == (pytest.approx(0.2), pytest.approx(0.2)) and d.verdict == "better"
    assert difference([0.5, 0.5], [0.5, 0.5]).verdict == "no detectable difference at this budget"


@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.001, 0.2, "better"),
        (-0.2, -0.001, "worse"),
        (0.0, 0.2, "no detectable difference at this budget"),  # an interval that touches zero decides nothing
        (-0.2, 0.0, "no detectable difference at this budget"),
        (math.nan, math.nan, NO_INTERVAL),
    ],
)
def test_verdict_thresholds(low, high, reading):
    assert verdict(low, high) == reading


def test_level_must_be_a_probability():
    with pytest.raises(ValueError, match=r"level=1\.5 is invalid, expected 0 < level < 1"):
        difference([1.0, 2.0], [3.0, 4.0], 1.5)
