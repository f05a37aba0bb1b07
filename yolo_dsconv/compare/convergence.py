"""Whether a run converged, read from its validation curve (the selected metric after every epoch).

The rule, for a curve of n epochs:

- **at floor**: its best stays below `floor` (compare gives the equivalence margin), whatever its length: the run
  learned nothing a verdict at that resolution could read, and a flat curve at 0 must not pass as converged.
- **too short**: n < MIN_EPOCHS; fewer epochs cannot tell a plateau from a pause.
- **rising**: the best of the last ceil(TAIL · n) epochs beats the best of all epochs before them by more than `tol`.
  A max against a max is robust to a noisy plateau: the earlier, longer window holds its share of the noise peaks.
- **no take-off**: not rising, and its best is below TAKEOFF times the median best of all runs it is compared with
  (every variant of the comparison). Relative to its siblings, not to an absolute mAP: a dataset where every run
  reaches 0.1 has no outlier at 0.1, while 0.03 among runs at 0.85 is one.
- **converged**: everything else: the run reached its plateau at the resolution of `tol`.

`tol` defaults to half the comparison's equivalence margin: a run whose last fifth added less than that cannot move
a verdict read at ±margin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = (
    "AT_FLOOR",
    "CONVERGED",
    "MIN_EPOCHS",
    "NO_TAKEOFF",
    "RISING",
    "TAIL",
    "TAKEOFF",
    "TOO_SHORT",
    "classify",
    "tail_gain",
)

CONVERGED, RISING, NO_TAKEOFF, TOO_SHORT, AT_FLOOR = "converged", "rising", "no take-off", "too short", "at floor"
MIN_EPOCHS = 10
TAIL = 0.2
TAKEOFF = 0.5


def tail_gain(curve: Sequence[float]) -> tuple[float, int]:
    """How much the best of the last ceil(TAIL · n) epochs beats the best before them, and that window's length
    (the number `classify` compares with `tol`; a curve needs 2 epochs or more, `classify` asks for MIN_EPOCHS).

    Examples:
        >>> gain, tail = tail_gain([0.5] * 9 + [0.501])
        >>> round(gain, 6), tail
        (0.001, 2)
    """
    tail = math.ceil(TAIL * len(curve))
    values = np.asarray(curve, float)
    return float(values[-tail:].max() - values[:-tail].max()), tail


def classify(curve: Sequence[float], tol: float, sibling_best: float | None = None, floor: float = 0.0) -> str:
    """The state of a run with validation `curve` (one value per epoch).

    Args:
        curve: the selected metric after each epoch.
        tol: the gain over the last TAIL of the epochs above which the run is still rising.
        sibling_best: the median best of the runs it is compared with; None skips the take-off check.
        floor: a best below it means the run learned nothing (0: no such check).

    Examples:
        >>> classify([0.1 * i for i in range(1, 11)], tol=0.005)
        'rising'
        >>> classify([0.5] * 9 + [0.501], tol=0.005)
        'converged'
        >>> classify([0.0] * 50, tol=0.005, floor=0.01)
        'at floor'
    """
    if len(curve) and np.asarray(curve, float).max() < floor:
        return AT_FLOOR
    if len(curve) < MIN_EPOCHS:
        return TOO_SHORT
    if tail_gain(curve)[0] > tol:
        return RISING
    if sibling_best is not None and np.asarray(curve, float).max() < TAKEOFF * sibling_best:
        return NO_TAKEOFF
    return CONVERGED
