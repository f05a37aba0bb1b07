"""Cost figures: FLOPs at the real input size and the `info` report."""

from .flops import count_flops
from .info import describe_expandconv, model_costs

__all__ = ("count_flops", "describe_expandconv", "model_costs")
