"""The module variants the benchmark compares, built once per input shape with shared weights."""

from __future__ import annotations

import copy

import torch
from torch import nn
from ultralytics.nn.modules import SPPF

from ..modules import ExpandConv, fuse_conv_bn, set_pruning
from ..modules.fuse import merge_branches

__all__ = (
    "FUSED_PRUNED",
    "POINTWISE",
    "TRAINED",
    "TRAIN_DENSE_FALSE",
    "TRAIN_PRUNED",
    "TRAIN_UNPRUNED",
    "Pointwise",
    "module_variants",
    "randomise_bn",
)

# The variants' names: the rows, the ratios' references and the README's targets all use these constants.
FUSED_PRUNED = "ExpandConv fused pruned"
FUSED_UNPRUNED = "ExpandConv fused unpruned"
DENSE_FALSE_FUSED = "ExpandConv dense=False fused"
POINTWISE = "1x1 convs alone (fused)"
SPPF_FUSED = "SPPF fused"
UNFUSED_PRUNED = "ExpandConv unfused pruned"
UNFUSED_UNPRUNED = "ExpandConv unfused unpruned"
TRAIN_PRUNED, TRAIN_UNPRUNED, TRAIN_DENSE_FALSE = "ExpandConv pruned", "ExpandConv unpruned", "ExpandConv dense=False"
TRAINED = {
    TRAIN_PRUNED: UNFUSED_PRUNED,
    TRAIN_UNPRUNED: UNFUSED_UNPRUNED,
    "SPPF": SPPF_FUSED,
}  # train step: name -> copy of


def randomise_bn(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm non-trivial running statistics and affine parameters (in place)."""
    g = torch.Generator().manual_seed(seed)
    for bn in module.modules():
        if isinstance(bn, nn.BatchNorm2d):
            n = bn.num_features
            bn.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            bn.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            bn.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            bn.bias.data.copy_(torch.rand(n, generator=g) - 0.5)
    return module


class Pointwise(nn.Module):
    """The 1×1 (pointwise, groups=1) convs of an ExpandConv alone, on the same shapes: the module's GEMM floor.

    Shapes:
        x: (N, c1, H, W) -> list of the pointwise outputs (cv1.pw, each branch's PW, cv2.pw).
    """

    def __init__(self, m: ExpandConv) -> None:
        super().__init__()
        self.cv1, self.pws, self.cv2 = m.cv1.pw, nn.ModuleList(b[-1] for b in m.m), m.cv2.pw
        self.n = len(m.m)

        self._cat: torch.Tensor | None = None  # cv2's input, made once per shape: the concat is not a GEMM

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        y = self.cv1(x)
        outs = [pw(y) for pw in self.pws]
        if self._cat is None or self._cat.shape[0] != y.shape[0] or self._cat.shape[2:] != y.shape[2:]:
            self._cat = torch.cat([y.detach()] * (self.n + 1), 1)
        return [y, *outs, self.cv2(self._cat)]


def module_variants(c1: int) -> dict[str, nn.Module]:
    """name -> module (eval mode, c1 in and out), all ExpandConv variants sharing one set of weights; "fused" is what
    `model.fuse()` makes of them (BatchNorms folded, then `ExpandConv.merge`)."""
    torch.manual_seed(0)
    base = randomise_bn(ExpandConv(c1, c1)).eval()
    fused = merge_branches(fuse_conv_bn(copy.deepcopy(base)))
    out = {
        FUSED_PRUNED: fused,
        FUSED_UNPRUNED: set_pruning(copy.deepcopy(fused), False),
        DENSE_FALSE_FUSED: merge_branches(fuse_conv_bn(randomise_bn(ExpandConv(c1, c1, dense=False)))).eval(),
        POINTWISE: Pointwise(fused),
        SPPF_FUSED: fuse_conv_bn(randomise_bn(SPPF(c1, c1, 5))).eval(),
        UNFUSED_PRUNED: base,
        UNFUSED_UNPRUNED: set_pruning(copy.deepcopy(base), False),
    }
    return out
