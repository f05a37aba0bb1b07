"""Model-YAML tools: graft a registered module into a stock Ultralytics YAML, renumbering every index."""

from .graft import GraftError, GraftResult, graft, graft_file, graft_text, is_classic, resolve_model_yaml
from .indices import map_stock_index
from .transfer import INSERTED_KEY

__all__ = (
    "INSERTED_KEY",
    "GraftError",
    "GraftResult",
    "graft",
    "graft_file",
    "graft_text",
    "is_classic",
    "map_stock_index",
    "resolve_model_yaml",
)
