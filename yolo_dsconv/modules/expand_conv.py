"""ExpandConv: SPPF's shape with parallel dilated depthwise-separable branches in place of the max-pools."""

from __future__ import annotations

import torch
from torch import nn
from ultralytics.nn.modules.conv import Conv

from ._checks import check_dilations, check_kernels, check_positive_int
from .conv import DepthwiseConv, DSConv

__all__ = ("ExpandConv", "branch_receptive_field")


def branch_receptive_field(k: int, d: int, dense: bool) -> int:
    """Side of the receptive field of one branch: (d+1)(k-1)+1 with the dense stage, d(k-1)+1 without."""
    return (d + int(dense)) * (k - 1) + 1


class ExpandConv(nn.Module):
    """Dilated depthwise-separable neck module (specification: docs/design.md, "The module").

    cv1 (1×1 DS) compresses c1 → c_ = int(c1·e); each branch i applies DW k_i×k_i (if `dense`), DW k_i×k_i with
    dilation d_i, then PW c_→c_; the cv1 output (residual), and all branch outputs are concatenated and cv2 (1×1 DS)
    maps the c_·(n+1) channels to c2.

    With `dense=True` the dense k×k in front of the dilation-k stage makes the offsets a + k·b tile [0, k²) exactly
    once: a gap-free receptive field of side k² (the large-kernel decomposition of VAN, Guo et al. 2022), instead of
    the k² isolated taps of a lone dilated kernel (the gridding effect, Wang et al., HDC 2018).

    Args:
        c1 (int): Input channels.
        c2 (int): Output channels.
        k (int | Sequence[int]): Kernel size of each branch (odd).
        d (int | Sequence[int] | None): Dilation of each branch; None uses k.
        e (float): Hidden width ratio, c_ = int(c1·e).
        dense (bool): Put a dense DW k×k before each dilated DW stage.

    Shapes:
        x: (N, c1, H, W) -> (N, c2, H, W) for every H, W ≥ 1.
    """

    def __init__(self, c1: int, c2: int, k=(5, 7, 9), d=None, e: float = 0.5, dense: bool = True):
        super().__init__()
        owner = type(self).__name__
        check_positive_int("c1", c1, owner)
        check_positive_int("c2", c2, owner)
        ks = check_kernels(k, owner)
        ds = ks if d is None else check_dilations(d, len(ks), owner)
        if isinstance(e, bool) or not isinstance(e, (int, float)) or not e > 0:
            raise ValueError(f"{owner}: e={e!r} is invalid, expected a positive number")
        if not isinstance(dense, bool):
            raise ValueError(f"{owner}: dense={dense!r} is invalid, expected true or false")
        c_ = int(c1 * e)
        if c_ < 1:
            raise ValueError(f"{owner}: hidden width int(c1*e) = int({c1}*{e}) = {c_} is invalid, expected ≥ 1")
        self.k, self.d, self.dense, self.c_ = ks, ds, dense, c_
        self.cv1 = DSConv(c1, c_, 1)
        self.m = nn.ModuleList(
            nn.Sequential(
                *([DepthwiseConv(c_, ki)] if dense else []),
                DepthwiseConv(c_, ki, d=di),
                Conv(c_, c_, 1),
            )
            for ki, di in zip(ks, ds)
        )
        self.cv2 = DSConv(c_ * (len(ks) + 1), c2, 1)

    @property
    def in_channels(self) -> int:
        """c1."""
        return self.cv1.in_channels

    @property
    def out_channels(self) -> int:
        """c2."""
        return self.cv2.out_channels

    @property
    def receptive_fields(self) -> tuple[int, ...]:
        """Receptive-field side of each branch, in input pixels of this module."""
        return tuple(branch_receptive_field(ki, di, self.dense) for ki, di in zip(self.k, self.d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Compress, run the branches on the compressed map, concatenate with it and fuse."""
        y = self.cv1(x)
        return self.cv2(torch.cat([y, *(m(y) for m in self.m)], 1))

    def extra_repr(self) -> str:
        return f"k={self.k}, d={self.d}, c_={self.c_}, dense={self.dense}"
