"""Exact inference forms of a fused ExpandConv: its branch pointwise convs as one grouped 1×1, and/or its dense first
stages as one depthwise conv (`ExpandConv.merge` computes the merged weights). `scripts/inference_forms.py` times
them in each runtime; `transforms.merge_forms` puts them into whole models for the export matrix."""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..modules import ExpandConv
from ..modules.fuse import fuse_conv_bn

__all__ = ("MergedForm", "forms", "fused_expandconv", "fused_sppf")


class MergedForm(nn.Module):
    """A fused ExpandConv with its branch pointwise convs (`pw`) and/or dense first stages (`dense`) merged.

    Args:
        m: a fused ExpandConv (no BatchNorm left), which keeps its own branches.
        dense: merge the n dense first stages (each kernel zero-padded to the largest) into one depthwise conv.
        pw: merge the n branch pointwise convs into one grouped 1×1 (groups = n).

    Shapes: (B, c1, H, W) -> (B, c2, H, W), as `m`.
    """

    def __init__(self, m: ExpandConv, dense: bool, pw: bool) -> None:
        super().__init__()
        weights = copy.deepcopy(m).merge()
        if not weights.merged:
            raise ValueError("MergedForm: the ExpandConv still has BatchNorms (fuse it first)")
        self.cv1, self.cv2, self.n, self.c, self.act = m.cv1, m.cv2, len(m.m), m.c_, m.m[0][-1].act
        self.first = None if dense else nn.ModuleList(b[0] for b in m.m)
        self.dilated = nn.ModuleList(b[1] for b in m.m)
        self.pws = None if pw else nn.ModuleList(b[2] for b in m.m)
        if dense:
            k = max(m.k)
            self.dense = nn.Conv2d(self.n * self.c, self.n * self.c, k, 1, k // 2, groups=self.n * self.c)
            self.dense.weight.data, self.dense.bias.data = weights.merged_dw_w, weights.merged_dw_b
        if pw:
            self.pw = nn.Conv2d(self.n * self.c, self.n * self.c, 1, groups=self.n)
            self.pw.weight.data, self.pw.bias.data = weights.merged_pw_w, weights.merged_pw_b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, c1, H, W) -> (B, c2, H, W)."""
        y = self.cv1(x)
        if self.first is None:
            z = self.act(self.dense(y.repeat(1, self.n, 1, 1)))
            zs = [d(z[:, i * self.c : (i + 1) * self.c]) for i, d in enumerate(self.dilated)]
        else:
            zs = [d(f(y)) for f, d in zip(self.first, self.dilated)]
        if self.pws is None:
            return self.cv2(torch.cat([y, self.act(self.pw(torch.cat(zs, 1)))], 1))
        return self.cv2(torch.cat([y, *(p(z) for p, z in zip(self.pws, zs))], 1))


def fused_expandconv(c1: int, seed: int = 0) -> ExpandConv:
    """A fused ExpandConv(c1, c1) with non-trivial BatchNorm statistics folded in."""
    torch.manual_seed(seed)
    m = ExpandConv(c1, c1).eval()
    for bn in (b for b in m.modules() if isinstance(b, nn.BatchNorm2d)):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.5, 0.5)
    return fuse_conv_bn(m)


def forms(m: ExpandConv) -> dict[str, nn.Module]:
    """The fused module itself and its three merged forms, by name."""
    return {
        "module": m,
        "merged-pw": MergedForm(m, dense=False, pw=True),
        "merged-dense": MergedForm(m, dense=True, pw=False),
        "merged-both": MergedForm(m, dense=True, pw=True),
    }


def fused_sppf(c1: int) -> nn.Module:
    """The fused SPPF(c1, c1) that ExpandConv sits behind: the yardstick of each runtime (not a form)."""
    from ultralytics.nn.modules.block import SPPF

    return fuse_conv_bn(SPPF(c1, c1).eval())
