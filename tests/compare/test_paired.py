"""Paired verdicts: closed forms held to scipy's `ttest_rel` and statsmodels' `ttost_paired`, and a simulation of
their error rates and power against Welch's (the numbers are the README's and docs/design.md's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as sps
from statsmodels.stats.weightstats import ttost_paired

from yolo_dsconv.compare.report import format_summary
from yolo_dsconv.compare.runs import RunResult
from yolo_dsconv.compare.stats import BETTER, EQUIVALENT, WORSE, difference
from yolo_dsconv.compare.summary import Costs, summarize

SIGMA, MARGIN, SEEDS, N = 0.01, 0.01, 5, 2000


def test_paired_closed_forms_are_scipys_and_statsmodels_over_many_samples():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(2, 11))
        shared = rng.normal(0.5, rng.uniform(0, 0.1), n)
        ref = shared + rng.normal(0, rng.uniform(1e-4, 0.02), n)
        other = shared + rng.normal(rng.uniform(-0.02, 0.02), rng.uniform(1e-4, 0.02), n)
        d = difference(ref, other, 0.95, MARGIN, paired=True, describe=False)
        res = sps.ttest_rel(other, ref)
        ci = res.confidence_interval(0.95)
        got = [d.p, d.low, d.high, d.p_tost]
        expected = [res.pvalue, ci.low, ci.high, ttost_paired(other, ref, -MARGIN, MARGIN)[0]]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
        assert d.pairs == n
        if n > 2:
            assert d.correlation == pytest.approx(np.corrcoef(ref, other)[0, 1])
        else:  # two pairs always correlate ±1: no information, so none is reported
            assert math.isnan(d.correlation) and abs(np.corrcoef(ref, other)[0, 1]) == pytest.approx(1)
        welch = sps.ttest_ind(other, ref, equal_var=False)
        assert d.welch_p == pytest.approx(welch.pvalue, rel=1e-9)


def test_paired_samples_of_unequal_length_are_refused():
    with pytest.raises(ValueError, match="paired samples of 3 and 2 values"):
        difference([0.1, 0.2, 0.3], [0.1, 0.2], paired=True)


def _simulate(rho: float, delta: float, paired: bool, seed: int = 0) -> dict[str, float]:
    """Shares of verdicts over N comparisons of SEEDS seeds each, scores correlated by rho within a seed."""
    rng = np.random.default_rng(seed)
    counts = {BETTER: 0, WORSE: 0, EQUIVALENT: 0}
    for _ in range(N):
        shared = rng.normal(0, SIGMA * math.sqrt(rho), SEEDS)
        ref = 0.5 + shared + rng.normal(0, SIGMA * math.sqrt(1 - rho), SEEDS)
        other = 0.5 + delta + shared + rng.normal(0, SIGMA * math.sqrt(1 - rho), SEEDS)
        verdict = difference(ref, other, 0.95, MARGIN, describe=False, paired=paired).verdict
        counts[verdict] = counts.get(verdict, 0) + 1
    return {k: v / N for k, v in counts.items()}


MC = 2 * math.sqrt(0.05 * 0.95 / N)  # two Monte-Carlo standard errors at alpha


@pytest.mark.parametrize("rho", [0.0, 0.9])
def test_paired_error_rates_stay_at_alpha(rho):
    no_difference = _simulate(rho, 0.0, paired=True)
    assert no_difference[BETTER] + no_difference[WORSE] <= 0.05 + MC, no_difference
    at_the_margin = _simulate(rho, MARGIN, paired=True, seed=1)  # a true difference of +margin is not equivalence
    assert at_the_margin[EQUIVALENT] <= 0.05 + MC, at_the_margin


def test_pairing_gains_power_at_correlation_0_9():
    """Measured (N=2000, 5 seeds, sigma = margin): a true +margin is called better 0.958 of the time paired against
    0.228 with Welch; a true 0 is called equivalent 0.946 paired against 0.273 with Welch. At correlation 0 pairing
    costs little: 0.255 against 0.272 (it spends degrees of freedom on a correlation that is not there)."""
    paired, welch = _simulate(0.9, MARGIN, True, 2), _simulate(0.9, MARGIN, False, 2)
    assert paired[BETTER] >= 0.9 and welch[BETTER] <= 0.3, (paired, welch)
    paired0, welch0 = _simulate(0.9, 0.0, True, 3), _simulate(0.9, 0.0, False, 3)
    assert paired0[EQUIVALENT] >= 0.9 and welch0[EQUIVALENT] <= 0.35, (paired0, welch0)


def _run(variant: str, seed: int, best: float, epochs: int = 20) -> RunResult:
    curve = [best] * epochs
    return RunResult(variant, seed, "trained", epochs, epochs - 1, best, best, 1.0, "", curve=curve)


def test_summaries_pair_shared_seeds_and_fall_back_to_welch_otherwise():
    costs = [Costs("stock", "a", 1, 1.0), Costs("dsconv", "b", 1, 1.0)]
    shared = [_run("stock", s, 0.5 + s / 100) for s in range(4)] + [
        _run("dsconv", s, 0.501 + s / 100) for s in range(4)
    ]
    d = summarize(costs, shared).rows[1].vs["map50_95"]
    assert d.paired and d.verdict == BETTER  # the same +0.001 at every seed: exact
    apart = shared[:4] + [_run("dsconv", s + 10, 0.501 + s / 100) for s in range(4)]
    d = summarize(costs, apart).rows[1].vs["map50_95"]
    assert not d.paired and math.isnan(d.welch_p)


def test_the_pairs_correlation_is_printed_from_three_pairs_on():
    costs = [Costs("stock", "a", 1, 1.0), Costs("dsconv", "b", 1, 1.0)]
    stock, dsconv = [0.50, 0.52, 0.51], [0.503, 0.519, 0.515]
    runs = [_run("stock", s, x) for s, x in enumerate(stock)] + [_run("dsconv", s, x) for s, x in enumerate(dsconv)]
    text = " ".join(format_summary(summarize(costs, runs)).split())
    assert f"correlation of the pairs: dsconv r = {np.corrcoef(stock, dsconv)[0, 1]:+.2f};" in text
    two = [r for r in runs if r.seed < 2]
    text = " ".join(format_summary(summarize(costs, two)).split())
    assert "correlation of the pairs: dsconv r = – (2 pairs, reported from 3 on);" in text


def test_a_missing_r_is_explained_from_the_variants_own_pairs():
    """Three pairs whose r is nan for a flat score, beside a variant with two seeds (compared by Welch): the line
    names the flat score, not a shortage of pairs that only the unpaired variant has."""
    costs = [Costs("stock", "a", 1, 1.0), Costs("dsconv", "b", 1, 1.0), Costs("control", "c", 1, 1.0)]
    runs = [_run("stock", s, x) for s, x in enumerate([0.50, 0.52, 0.51])]
    runs += [_run("dsconv", s, 0.51) for s in range(3)] + [_run("control", s, x) for s, x in enumerate([0.5, 0.51])]
    summary = summarize(costs, runs)
    assert [r.vs["map50_95"].pairs for r in summary.rows[1:]] == [3, 0]
    text = " ".join(format_summary(summary).split())
    assert "correlation of the pairs: dsconv r = – (a score without spread);" in text
    assert "reported from 3" not in text
