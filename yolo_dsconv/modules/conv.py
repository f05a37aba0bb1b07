"""Depthwise and depthwise-separable convolutions in Ultralytics' `Conv` vocabulary.

Both are built from Ultralytics' `Conv`/`DWConv`, so `BaseModel.fuse()` folds every BatchNorm by itself.
"""

from __future__ import annotations

import torch
from torch import nn
from ultralytics.nn.modules.conv import Conv, DWConv, autopad

from ..checks import check
from ._checks import check_positive_int
from .pruning import TapPrunedConv2d

__all__ = ("DSConv", "DepthwiseConv")


class DepthwiseConv(DWConv):
    """True depthwise k×k convolution (groups = c1) + BN + activation, with exact tap pruning.

    Ultralytics' `DWConv(c1, c2)` uses groups=gcd(c1, c2), which is depthwise only for c1 == c2; this class fixes
    c2 = c1. Its conv is a `TapPrunedConv2d`, so dilated kernels skip the taps that read only padding.

    Args:
        c1 (int): Channels in and out.
        k (int): Kernel size (odd).
        s (int): Stride.
        d (int): Dilation.
        act (bool | nn.Module): Activation; True uses `Conv.default_act`.

    Shapes:
        x: (N, c1, H, W) -> (N, c1, ⌈H/s⌉, ⌈W/s⌉).
    """

    def __init__(self, c1: int, k: int = 3, s: int = 1, d: int = 1, act: bool | nn.Module = True) -> None:
        check_positive_int("c1", c1, type(self).__name__)
        super().__init__(c1, c1, k, s, d, act)
        self.conv = TapPrunedConv2d(c1, c1, k, s, autopad(k, None, d), dilation=d, groups=c1, bias=False)


class DSConv(nn.Module):
    """Depthwise-separable convolution: depthwise k×k (groups = c1) → pointwise 1×1, each Conv2d + BN + activation.

    Args:
        c1 (int): Input channels.
        c2 (int): Output channels.
        k (int): Depthwise kernel size (odd).
        s (int): Depthwise stride.
        d (int): Depthwise dilation.
        act (bool | nn.Module): Activation of both stages; True uses `Conv.default_act`.

    Shapes:
        x: (N, c1, H, W) -> (N, c2, ⌈H/s⌉, ⌈W/s⌉).
    """

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, d: int = 1, act: bool | nn.Module = True) -> None:
        super().__init__()
        owner = type(self).__name__
        check_positive_int("c1", c1, owner)
        check_positive_int("c2", c2, owner)
        check_positive_int("s", s, owner)
        check_positive_int("d", d, owner)
        check("k", k, owner)
        self.dw = DepthwiseConv(c1, k, s, d, act)
        self.pw = Conv(c1, c2, 1, 1, act=act)

    @property
    def in_channels(self) -> int:
        """c1, as timm's SeparableConv2d names it."""
        return self.dw.conv.in_channels

    @property
    def out_channels(self) -> int:
        """c2."""
        return self.pw.conv.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the depthwise then the pointwise stage: (B, c1, H, W) -> (B, c2, H/s, W/s)."""
        return self.pw(self.dw(x))
