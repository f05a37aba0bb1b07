"""The metric's ceiling (AP ≤ 0.995) and floor (nothing learned) in verdicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import REPO
from yolo_dsconv.compare.convergence import AT_FLOOR, CONVERGED, classify
from yolo_dsconv.compare.report import format_summary
from yolo_dsconv.compare.runs import RunResult
from yolo_dsconv.compare.stats import CEILING, EQUIVALENT, NOT_WORSE, difference
from yolo_dsconv.compare.summary import FLOOR, Costs, summarize, summary_from_json


def test_the_ceiling_is_what_ultralytics_gives_a_perfect_curve():
    from ultralytics.utils.metrics import compute_ap

    ap, _, _ = compute_ap(np.linspace(0, 1, 50), np.ones(50))
    assert ap == pytest.approx(CEILING, abs=1e-9)


def test_equivalence_below_the_ceiling_and_not_worse_at_it():
    low = difference([0.500, 0.501, 0.499, 0.500], [0.500, 0.500, 0.500, 0.501])
    assert low.verdict == EQUIVALENT and low.headroom > 0.01
    high = difference([0.987, 0.988, 0.986, 0.987], [0.987, 0.987, 0.987, 0.988])
    assert high.verdict == NOT_WORSE and high.headroom == pytest.approx(CEILING - 0.987)


def test_the_500_epoch_study_read_again_is_one_sided():
    doc = json.loads((REPO / "docs/results/hard256_cos500/compare.json").read_text())
    summary = summary_from_json(doc)
    assert [r.vs["map50_95"].verdict for r in summary.rows[1:]] == [NOT_WORSE, NOT_WORSE]
    text = format_summary(summary)
    assert "not worse by >0.01 (ceiling: ≤+0.008)" in text and "equivalent ±0.01" not in text
    assert "the upper one-sided test cannot fail" in " ".join(text.split())


def _run(variant: str, seed: int, curve: list[float]) -> RunResult:
    best = max(curve)
    return RunResult(variant, seed, "trained", len(curve), curve.index(best), best, best, 1.0, "", curve=curve)


def test_a_flat_zero_curve_is_at_floor_not_converged_whatever_its_length():
    assert classify([0.0] * 50, tol=0.005, sibling_best=0.0, floor=0.01) == AT_FLOOR
    assert classify([0.0] * 3, tol=0.005, floor=0.01) == AT_FLOOR
    assert classify([0.0] * 50, tol=0.005, sibling_best=0.0) == CONVERGED  # what it was before the floor


def test_runs_that_learned_nothing_get_no_verdict_and_say_why():
    costs = [Costs("stock", "a", 1, 1.0), Costs("dsconv", "b", 1, 1.0)]
    runs = [_run(v, s, [0.0, 0.001 * s, 0.0] * 10) for s in range(3) for v in ("stock", "dsconv")]
    summary = summarize(costs, runs)
    assert summary.rows[1].vs["map50_95"].verdict == FLOOR
    assert summary.decided()  # more seeds cannot help: seeds=auto stops
    text = " ".join(format_summary(summary).split())
    assert "no verdict: nothing learned" in text and "equivalent ±" not in text
    assert "6 of 6 runs learned nothing" in text and "start from weights (pretrained=)" in text
    # one variant that learned is not enough: the reference learned nothing
    runs = [_run("stock", s, [0.0] * 30) for s in range(3)] + [_run("dsconv", s, [0.3] * 30) for s in range(3)]
    assert summarize(costs, runs).rows[1].vs["map50_95"].verdict == FLOOR
