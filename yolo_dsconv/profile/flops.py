"""FLOPs counted at the real input size, with tap pruning accounted for.

Ultralytics' `get_flops` profiles at a stride-sized input and scales up, which misstates layers whose cost is not
linear in the map area (pruned dilated kernels: at 32 px the P5 map is 1×1). This counter runs one forward at the
size asked for and counts, per convolution call, 2 × multiply-adds = 2 · N·C_out·H_out·W_out · (C_in/groups)·k_h·k_w
with the taps actually applied (the same convention as Ultralytics' GFLOPs; BN, activations, pooling and
upsampling are not counted).
"""

from __future__ import annotations

import torch
from torch import nn

from ..modules.pruning import TapPrunedConv2d

__all__ = ("count_flops",)


def _conv_flops(module: nn.Conv2d, x: torch.Tensor, y: torch.Tensor) -> int:
    kh, kw = module.active_kernel(*x.shape[-2:]) if isinstance(module, TapPrunedConv2d) else module.kernel_size
    return 2 * y.numel() * (module.in_channels // module.groups) * kh * kw


def count_flops(model: nn.Module, imgsz: int | tuple[int, int] = 640, channels: int = 3, batch: int = 1) -> int:
    """FLOPs of one forward of `model` on a batch×channels×H×W zero input (H, W from imgsz).

    Args:
        model: any module; its training/eval mode is kept.
        imgsz: an int for a square input or (H, W).
        channels: input channels.
        batch: batch size.

    Returns:
        The FLOP count (int).
    """
    h, w = (imgsz, imgsz) if isinstance(imgsz, int) else imgsz
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            total += _conv_flops(module, inputs[0], output)
        elif isinstance(module, nn.Linear):
            total += 2 * output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    p = next(model.parameters(), None)
    x = torch.zeros(
        batch, channels, h, w, device=p.device if p is not None else "cpu", dtype=p.dtype if p is not None else None
    )
    try:
        with torch.no_grad():
            model(x)
    finally:
        for hd in handles:
            hd.remove()
    return total
