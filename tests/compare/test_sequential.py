"""seeds=auto's sequential rule, by simulation: false better/worse verdicts at or below alpha across all looks with
no true difference (normal and bimodal runs), and decisions within max_seeds with a true difference of 2×margin."""

import numpy as np
import pytest

from yolo_dsconv.compare.sequential import look_level, planned_looks, simulate

N = 2000
MARGIN = 0.01


def normal(rng, k):
    return rng.normal(0.85, MARGIN, k)


def bimodal(rng, k):
    # one run in five does not take off, as measured on the 30-epoch studies
    took_off = rng.random(k) < 0.8
    return np.where(took_off, rng.normal(0.85, 0.03, k), rng.normal(0.05, 0.03, k))


def test_planned_looks_and_their_level():
    assert planned_looks(10) == 8 and planned_looks(3) == 1
    assert look_level(0.95, 8) == pytest.approx(1 - 0.05 / 8)


@pytest.mark.parametrize("draw", [normal, bimodal])
def test_no_true_difference_gives_few_false_verdicts(draw):
    sim = simulate(draw, 0.0, n=N, max_seeds=10, margin=MARGIN)
    assert sim.better + sim.worse <= 0.05 + 2 * sim.mc_error, sim
    assert sim.better > 0 or sim.worse > 0 or draw is bimodal  # the rule can say better at all (it is not mute)


def test_a_true_difference_of_twice_the_margin_is_mostly_found():
    sim = simulate(normal, 2 * MARGIN, n=N, max_seeds=10, margin=MARGIN)
    assert sim.worse == 0 and sim.better >= 0.8, sim  # measured 0.906, with 6.6 seeds per variant on average
    assert sim.mean_seeds < 10
