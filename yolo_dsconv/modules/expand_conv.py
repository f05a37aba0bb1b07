"""ExpandConv: SPPF's shape with parallel dilated depthwise-separable branches in place of the max-pools."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from ultralytics.nn.modules.conv import Conv

from ..checks import check
from ._checks import check_dilations, check_init, check_kernels, check_positive_int
from .conv import DepthwiseConv, DSConv
from .pruning import capturing

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
        init (str): "default", or "identity": an outer shortcut, x + cv2(...), with cv2's last BatchNorm scale at
            zero, so the module is the identity at step 0 and still learns from it (ReZero; Ultralytics' `Residual`
            zero-initialises its block's last layer the same way). Needs c1 == c2.

    Shapes:
        x: (N, c1, H, W) -> (N, c2, H, W) for every H, W ≥ 1.
    """

    def __init__(
        self,
        c1: int,
        c2: int,
        k: int | Sequence[int] = (5, 7, 9),
        d: int | Sequence[int] | None = None,
        e: float = 0.5,
        dense: bool = True,
        init: str = "default",
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        check_positive_int("c1", c1, owner)
        check_positive_int("c2", c2, owner)
        ks = check_kernels(k, owner)
        ds = ks if d is None else check_dilations(d, len(ks), owner)
        check("e", e, owner)
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
        self.add = check_init(init, c1, c2, owner)
        if self.add:
            nn.init.zeros_(self.cv2.pw.bn.weight)

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

    merged: bool = False  # set by `merge()`; checkpoints pickled before it existed read this class default
    add: bool = False  # the identity start's shortcut (init="identity"); older checkpoints read this class default

    def merge(self) -> ExpandConv:
        """Precompute the eager CPU inference form, once the BatchNorms are folded (`model.fuse()` calls this).

        The n branch pointwise convs become one grouped 1×1 (groups = n) and, with `dense`, the n dense first stages,
        which all read cv1's output, one depthwise conv on that output repeated n times, each kernel zero-padded to
        the largest. Exact (`tests/modules/test_expand_conv.py`), and 0.83–0.96× the module's eager CPU time; ONNX
        Runtime and OpenVINO run it no faster or slower (README "Deploying"), so tracing and `torch.export` keep the
        branches as they are. A module with a BatchNorm left, or whose branches differ in activation, is unchanged.

        Returns:
            self.
        """
        convs = [c for b in self.m for c in b]
        if any(hasattr(c, "bn") for c in convs) or len({type(c.act) for c in convs}) != 1:
            return self
        pw = [b[-1].conv for b in self.m]
        self.register_buffer("merged_pw_w", torch.cat([c.weight for c in pw]).detach().clone(), persistent=False)
        self.register_buffer("merged_pw_b", torch.cat([c.bias for c in pw]).detach().clone(), persistent=False)
        if self.dense:
            k = max(self.k)
            pads = [(k - ki) // 2 for ki in self.k]
            w = torch.cat([F.pad(b[0].conv.weight, (p,) * 4) for b, p in zip(self.m, pads)])
            self.register_buffer("merged_dw_w", w.detach().clone(), persistent=False)
            self.register_buffer(
                "merged_dw_b", torch.cat([b[0].conv.bias for b in self.m]).detach().clone(), persistent=False
            )
        self.merged = True
        return self

    def _branches_merged(self, y: torch.Tensor) -> torch.Tensor:
        n, c, act = len(self.m), self.c_, self.m[0][-1].act
        if self.dense:
            z = act(F.conv2d(y.repeat(1, n, 1, 1), self.merged_dw_w, self.merged_dw_b, 1, max(self.k) // 2, 1, n * c))
            zs = [b[1](z[:, i * c : (i + 1) * c]) for i, b in enumerate(self.m)]
        else:
            zs = [b[0](y) for b in self.m]
        return act(F.conv2d(torch.cat(zs, 1), self.merged_pw_w, self.merged_pw_b, groups=n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Compress, run the branches on the compressed map, concatenate with it and fuse."""
        y = self.cv1(x)
        if self.merged and not self.training and y.device.type == "cpu" and not capturing():
            out = self.cv2(torch.cat([y, self._branches_merged(y)], 1))
        else:
            out = self.cv2(torch.cat([y, *(m(y) for m in self.m)], 1))
        return x + out if self.add else out

    def extra_repr(self) -> str:
        return f"k={self.k}, d={self.d}, c_={self.c_}, dense={self.dense}" + (", init=identity" if self.add else "")
