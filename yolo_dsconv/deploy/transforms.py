"""The models the export matrix derives from a trained, fused dsconv model, each a `(model, imgsz) -> model` function:

- `bake_pruning`: the CPU tap pruning written into the weights for one input size (exact at that size only): the
  measurement behind keeping full kernels in exported graphs (docs/design.md, "Exact tap pruning");
- `undilate`: every dilation set to 1 (the same kernels, weights and FLOPs: what dilation itself costs in a runtime);
- `merge_forms`: ExpandConv rewritten in the exact merged form that `model.fuse()` uses in eager PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..modules import ExpandConv
from ..modules.pruning import TapPrunedConv2d
from .forms import MergedForm

__all__ = ("DERIVED", "bake_pruning", "merge_forms", "undilate")


def _input_sizes(model: nn.Module, imgsz: int) -> dict[nn.Module, tuple[int, int]]:
    """The (H, W) each TapPrunedConv2d of `model` reads at an imgsz × imgsz input."""
    sizes = {}

    def record(m: nn.Module, args: tuple) -> None:
        sizes[m] = tuple(args[0].shape[-2:])

    hooks = [m.register_forward_pre_hook(record) for m in model.modules() if isinstance(m, TapPrunedConv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, imgsz, imgsz))
    for h in hooks:
        h.remove()
    return sizes


def _baked(conv: TapPrunedConv2d, size: tuple[int, int]) -> nn.Conv2d:
    """A plain Conv2d holding only the taps of `conv` that reach its input at `size` (the taps it runs itself)."""
    (kh, kw), (ah, aw) = conv.kernel_size, conv.active_kernel(*size)
    th, tw = (kh - ah) // 2, (kw - aw) // 2
    padding = ((ah - 1) // 2 * conv.dilation[0], (aw - 1) // 2 * conv.dilation[1])
    new = nn.Conv2d(conv.in_channels, conv.out_channels, (ah, aw), conv.stride, padding, conv.dilation, conv.groups,
                    conv.bias is not None)  # fmt: skip
    new.weight.data = conv.weight.data[:, :, th : kh - th, tw : kw - tw].clone()
    if conv.bias is not None:
        new.bias.data = conv.bias.data.clone()
    return new


def bake_pruning(model: nn.Module, imgsz: int) -> nn.Module:
    """Replace every dilated `TapPrunedConv2d` by a plain `nn.Conv2d` holding only the taps that reach its input at
    `imgsz` (exact at that input size, wrong at larger ones); returns `model`."""
    sizes = _input_sizes(model, imgsz)
    for parent in list(model.modules()):
        for name, conv in list(parent.named_children()):
            if conv in sizes:
                setattr(parent, name, _baked(conv, sizes[conv]))
    return model


def undilate(model: nn.Module, imgsz: int = 0) -> nn.Module:
    """Set the dilation of every ExpandConv's dilated depthwise stage to 1, padding to match: the same kernels, weights
    and FLOPs without the dilation (a timing control, not an equivalent model; `imgsz` is unused); returns `model`."""
    for m in model.modules():
        if isinstance(m, ExpandConv):
            for branch in m.m:
                conv = branch[-2].conv
                conv.dilation, conv.padding = (1, 1), tuple(k // 2 for k in conv.kernel_size)
            m.d = (1,) * len(m.k)
    return model


def merge_forms(model: nn.Module, imgsz: int = 0) -> nn.Module:
    """Replace every BN-folded ExpandConv by its exact merged form (`MergedForm`: the branch pointwise convs as one
    grouped 1×1, the dense first stages as one depthwise conv), keeping the layer attributes Ultralytics' forward
    reads (`imgsz` is unused); returns `model`."""
    for parent in list(model.modules()):
        for name, m in list(parent.named_children()):
            if isinstance(m, ExpandConv):
                new = MergedForm(m, dense=m.dense, pw=True)
                for attr in ("f", "i", "type", "np"):
                    if hasattr(m, attr):
                        setattr(new, attr, getattr(m, attr))
                setattr(parent, name, new)
    return model


# the derived models of the matrix, by name
DERIVED: dict[str, Callable[[nn.Module, int], nn.Module]] = {
    "dsconv-baked": bake_pruning,
    "dsconv-undilated": undilate,
    "dsconv-merged": merge_forms,
}
