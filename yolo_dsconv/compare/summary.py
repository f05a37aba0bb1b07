"""The summary of a comparison: per variant its spread, convergence counts and its difference from the reference.

Built from the runs alone (`summarize`), so a committed compare.json can be read again under other settings
(`summary_from_json`) without training anything.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .convergence import AT_FLOOR, CONVERGED, classify
from .errors import CompareError
from .runs import LABELS, METRIC_KEYS, RunResult
from .sequential import look_level
from .stats import NO_INTERVAL, Difference, Spread, differences, spread

__all__ = (
    "DEFAULT_MARGIN",
    "FLOOR",
    "METRIC_KEYS",
    "Costs",
    "Summary",
    "VariantSummary",
    "summarize",
    "summary_from_json",
    "with_reference",
)

FLOOR = "no verdict: nothing learned"  # the verdict when every run of the variant or of the reference is at floor

# One mAP50-95 point: the resolution at which detection results are reported and gains claimed (COCO tables give
# one decimal of a percent point), a tenth of what one Ultralytics scale step buys (yolov8n → s: +7.4 points).
DEFAULT_MARGIN = 0.01


@dataclass(frozen=True)
class Costs:
    """What one variant is and costs: its model name, parameters, GFLOPs at `imgsz`, and its inserted layer's
    parameters (0 for stock and YAML paths), counted for the YAML's own number of classes."""

    variant: str
    model: str
    params: int
    gflops: float
    layer_params: int = 0
    imgsz: int = 640


@dataclass
class VariantSummary:
    """One variant's row: costs, seeds, convergence counts, the spread of both metrics and, for every variant but the
    reference, its differences from the reference (`vs`, keyed by map50 / map50_95)."""

    costs: Costs
    seeds: list[int]
    convergence: dict[str, int]
    spreads: dict[str, Spread]
    vs: dict[str, Difference] = field(default_factory=dict)

    @property
    def variant(self) -> str:
        return self.costs.variant

    @property
    def n(self) -> int:
        return len(self.seeds)

    @property
    def converged(self) -> int:
        return self.convergence.get(CONVERGED, 0)


@dataclass
class Summary:
    """Every variant's row, with what the statistics were computed for: the metric that chose each run's best epoch,
    the confidence level of the verdicts (the per-look level when seeds=auto), the equivalence margin, the
    convergence tolerance, the number of planned looks, and the runs with their convergence state. With
    `converged_only`, `runs` holds the converged runs and `left_out` the others (a sensitivity reading). A project
    read while it trains lists its runs not finished yet in `unfinished` ('dsconv/seed3')."""

    rows: list[VariantSummary]
    runs: list[RunResult]
    metric: str
    level: float
    margin: float
    tol: float
    looks: int = 1
    left_out: list[RunResult] = field(default_factory=list)
    converged_only: bool = False
    unfinished: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return METRIC_KEYS[self.metric]

    @property
    def reference(self) -> VariantSummary:
        return self.rows[0]

    def interim(self, row: VariantSummary) -> bool:
        """The row's verdict is an interim look: the variant or the reference has a run not finished yet."""
        return any(u.rsplit("/", 1)[0] in (row.variant, self.reference.variant) for u in self.unfinished)

    def decided(self) -> bool:
        """Every variant's verdict on the selected metric is one more seeds cannot change: better, worse, equivalent,
        not worse (at the ceiling), or no verdict because runs learned nothing (at the floor)."""
        from .stats import BETTER, EQUIVALENT, NOT_WORSE, WORSE

        return all(r.vs[self.key].verdict in (BETTER, WORSE, EQUIVALENT, NOT_WORSE, FLOOR) for r in self.rows[1:])

    def to_json(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready dicts (nan stays nan; the writer turns it into null)."""
        return [
            {
                **asdict(r.costs),
                "n": r.n,
                "seeds": r.seeds,
                "convergence": r.convergence,
                **{k: asdict(s) for k, s in r.spreads.items()},
                **{f"vs_{k}": asdict(d) for k, d in r.vs.items()},
            }
            for r in self.rows
        ]


def summarize(
    costs: list[Costs],
    runs: list[RunResult],
    metric: str = "map50-95",
    level: float = 0.95,
    margin: float = DEFAULT_MARGIN,
    tol: float | None = None,
    looks: int = 1,
    converged_only: bool = False,
) -> Summary:
    """Classify every run's convergence and compare every variant with the first.

    A variant whose seeds are the reference's is compared seed by seed (paired). A run whose best stays below the
    margin (at most DEFAULT_MARGIN) is at floor; a variant whose runs, or the reference's, are all at floor gets the
    FLOOR verdict instead of a test's.

    With `looks` > 1 (seeds=auto) every test runs at alpha / looks (Bonferroni over the planned looks), so the
    chance of a false better/worse verdict across all looks stays at or below 1 - level. With `converged_only` the
    statistics use the converged runs alone, each run classified as in the full comparison (the take-off check
    against the median of all runs): a sensitivity reading beside the full one, never instead of it.

    Raises:
        CompareError: converged_only leaves a variant without a run.
    """
    key = METRIC_KEYS[metric]
    tol = margin / 2 if tol is None else tol
    per_look = look_level(level, looks)
    sibling = statistics.median(getattr(r, key) for r in runs) if runs else math.nan
    for r in runs:
        r.convergence = classify(r.curve, tol, sibling, min(margin, DEFAULT_MARGIN))
    left_out: list[RunResult] = []
    if converged_only:
        left_out = [r for r in runs if r.convergence != CONVERGED]
        runs = [r for r in runs if r.convergence == CONVERGED]
        empty = [c.variant for c in costs if not any(r.variant == c.variant for r in runs)]
        if empty:
            raise CompareError(
                f"compare: converged_only=True leaves {empty[0]} without a run (none of its runs converged), expected "
                "at least one converged run per variant"
            )
    rows = []
    by_seed = sorted(runs, key=lambda r: r.seed)  # so that paired values line up seed by seed
    for c in costs:
        mine = [r for r in by_seed if r.variant == c.variant]
        states: dict[str, int] = {}
        for r in mine:
            states[r.convergence] = states.get(r.convergence, 0) + 1
        spreads = {k: spread([getattr(r, k) for r in mine]) for k in LABELS}
        rows.append(VariantSummary(c, [r.seed for r in mine], states, spreads))
    states = {c.variant: [r.convergence for r in by_seed if r.variant == c.variant] for c in costs}
    floored = {v for v, got in states.items() if got and all(state == AT_FLOOR for state in got)}
    paired = [rows[0].seeds == row.seeds for row in rows[1:]]
    for k in LABELS:
        ref = [getattr(r, k) for r in by_seed if r.variant == costs[0].variant]
        others = [[getattr(r, k) for r in by_seed if r.variant == c.variant] for c in costs[1:]]
        for row, d in zip(rows[1:], differences(ref, others, per_look, margin, paired=paired)):
            at_floor = {costs[0].variant, row.variant} & floored
            row.vs[k] = replace(d, verdict=FLOOR) if at_floor and d.verdict != NO_INTERVAL else d
    return Summary(rows, runs, metric, per_look, margin, tol, looks, left_out, converged_only)


def with_reference(names: list[str], reference: str | None) -> list[str]:
    """The variant names with `reference` first (the variant the others are compared with); unchanged for None.

    >>> with_reference(["stock", "dsconv", "control"], "control")
    ['control', 'stock', 'dsconv']
    """
    if reference is None:
        return names
    if reference not in names:
        from difflib import get_close_matches

        close = get_close_matches(reference, names, 1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CompareError(
            f"compare: reference={reference!r} is not a variant here, expected one of {', '.join(names)}{hint}"
        )
    return [reference, *(n for n in names if n != reference)]


def summary_from_json(
    doc: dict,
    margin: float | None = None,
    level: float | None = None,
    reference: str | None = None,
    converged_only: bool = False,
    tol: float | None = None,
) -> Summary:
    """The summary of a compare.json read again under the current rules (its own margin, level and convergence
    tolerance unless given), the variants compared with `reference` (default: the file's first), of its converged
    runs alone with `converged_only`.

    Costs come from the file's summary (GFLOPs at the image size it records, 640 for files that record none).
    """
    config = doc["config"]
    runs = [RunResult.from_dict(r) for r in doc["runs"]]
    for r in runs:
        r.map50 = math.nan if r.map50 is None else r.map50
        r.map50_95 = math.nan if r.map50_95 is None else r.map50_95
    costs = [
        Costs(s["variant"], s["model"], s["params"], s["gflops"], s.get("layer_params", 0), s.get("imgsz", 640))
        for s in doc["summary"]
    ]
    order = with_reference([c.variant for c in costs], reference)
    costs = sorted(costs, key=lambda c: order.index(c.variant))
    return summarize(
        costs,
        runs,
        config["metric"],
        config["level"] if level is None else level,
        config.get("margin", DEFAULT_MARGIN) if margin is None else margin,
        config.get("tol") if tol is None else tol,
        config.get("looks", 1),
        converged_only,
    )
