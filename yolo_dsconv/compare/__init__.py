"""Multi-seed comparison of a base model against its ExpandConv graft and controls (`yolo-dsconv compare`)."""

from .comparison import CONFIG_FILE, TRAIN_DEFAULTS, CompareError, Comparison, compare
from .stats import Difference, Spread, difference, spread, verdict
from .variants import BUILT_IN, Variant, control_hidden, make_variants

__all__ = (
    "BUILT_IN",
    "CONFIG_FILE",
    "TRAIN_DEFAULTS",
    "CompareError",
    "Comparison",
    "Difference",
    "Spread",
    "Variant",
    "compare",
    "control_hidden",
    "difference",
    "make_variants",
    "spread",
    "verdict",
)
