"""Neck modules of yolo-dsconv. Their dotted paths are permanent: checkpoints pickle them."""

from ._checks import INITS
from .control import ControlC2f
from .conv import DepthwiseConv, DSConv
from .expand_conv import ExpandConv, branch_receptive_field
from .fuse import fuse_conv_bn
from .pruning import TapPrunedConv2d, kept_half_taps, set_pruning

__all__ = (
    "INITS",
    "ControlC2f",
    "DSConv",
    "DepthwiseConv",
    "ExpandConv",
    "TapPrunedConv2d",
    "branch_receptive_field",
    "fuse_conv_bn",
    "kept_half_taps",
    "set_pruning",
)
