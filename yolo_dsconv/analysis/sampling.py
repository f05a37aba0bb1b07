"""Where one ExpandConv branch samples its input: a lone dilated kernel (gaps) vs the dense → dilated cascade."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..modules import DepthwiseConv

__all__ = ("branch_support", "plot_sampling_patterns", "predicted_support")


def predicted_support(k: int, d: int, dense: bool) -> np.ndarray:
    """Boolean (2r+1)² mask of input offsets a branch reads, r = its receptive-field radius.

    Without the dense stage: the lattice {(a·d, b·d)}, a, b ∈ [-(k-1)/2, (k-1)/2]. With it: the offsets
    a + d·b of both stages, which for d = k tile [-(k²-1)/2, (k²-1)/2] without a gap.
    """
    h = (k - 1) // 2
    offsets = {d * j for j in range(-h, h + 1)}
    if dense:
        offsets = {o + j for o in offsets for j in range(-h, h + 1)}
    r = max(offsets)
    axis = np.zeros(2 * r + 1, bool)
    axis[[o + r for o in offsets]] = True
    return np.outer(axis, axis)


def branch_support(k: int, d: int, dense: bool) -> np.ndarray:
    """Boolean mask of input pixels whose gradient reaches the centre output of a real branch (weights 1, no BN/act).

    Computed with autograd on the depthwise stages themselves, so it checks the module against predicted_support.
    """
    r = (d + int(dense)) * (k - 1) // 2
    side = 2 * r + 1 + 2 * k  # margin: nothing outside the receptive field may light up
    stages = [DepthwiseConv(1, k, act=False)] if dense else []
    stages.append(DepthwiseConv(1, k, d=d, act=False))
    net = nn.Sequential(*stages).eval()
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.ones_(m.weight)
        elif isinstance(m, nn.BatchNorm2d):
            m.reset_parameters()
            m.reset_running_stats()
    x = torch.zeros(1, 1, side, side, requires_grad=True)
    net(x)[0, 0, side // 2, side // 2].backward()
    return (x.grad[0, 0] != 0).numpy()


def plot_sampling_patterns(path: str, kernels: tuple[int, ...] = (5, 7, 9)) -> str:
    """Save a figure: per kernel size, where a lone k×k/d=k kernel samples and where the dense cascade samples."""
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend (e.g. a notebook's) alone

    fig = Figure(figsize=(3.2 * len(kernels), 6.6))
    axes = fig.subplots(2, len(kernels))
    for col, k in enumerate(kernels):
        for row, dense in enumerate((False, True)):
            mask = branch_support(k, k, dense)
            ax = axes[row, col]
            ax.imshow(mask, cmap="Greys", interpolation="nearest")
            n, span = int(mask.sum()), mask.shape[0] - 2 * k
            kind = f"dense {k}×{k} → {k}×{k}/d{k}" if dense else f"{k}×{k}/d{k} alone"
            ax.set_title(f"{kind}\n{n} pixels read, {100 * n / span**2:.1f}% of {span}×{span}", fontsize=9)
            ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle("Input pixels read by one ExpandConv branch (centre output)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
