"""Benchmarks measured side by side in one run: module, training step, whole model, interpreter start-up."""

from .results import TARGETS, BenchResult, Row, Target, TargetResult
from .suite import PARTS, BenchError, run_bench
from .timing import interleaved_medians

__all__ = (
    "PARTS",
    "TARGETS",
    "BenchError",
    "BenchResult",
    "Row",
    "Target",
    "TargetResult",
    "interleaved_medians",
    "run_bench",
)
