"""Multi-seed comparison of a base model against its ExpandConv graft and controls (`yolo-dsconv compare`)."""

from .comparison import AUTO_START, CONFIG_FILE, TRAIN_DEFAULTS, CompareError, Comparison, compare
from .convergence import classify
from .settings import CompareSettings
from .stats import Difference, Spread, difference, differences, spread
from .summary import DEFAULT_MARGIN, Costs, Summary, VariantSummary, summarize, summary_from_json
from .variants import VARIANTS, Variant, control_hidden, make_variants

__all__ = (
    "AUTO_START",
    "CONFIG_FILE",
    "DEFAULT_MARGIN",
    "TRAIN_DEFAULTS",
    "VARIANTS",
    "CompareError",
    "CompareSettings",
    "Comparison",
    "Costs",
    "Difference",
    "Spread",
    "Summary",
    "Variant",
    "VariantSummary",
    "classify",
    "compare",
    "control_hidden",
    "difference",
    "differences",
    "make_variants",
    "spread",
    "summarize",
    "summary_from_json",
)
