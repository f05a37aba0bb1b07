"""Is a dilated depthwise conv on the backend's fast path? The same taps timed three ways, side by side.

For each of ExpandConv's dilated stages (k×k at dilation d) on the hidden width c_ = c1/2:
`DW kxk dd` (what the module runs), `DW kxk d1` (a dense kernel with the same number of taps: the cost the
dilation would have on the fast path) and `DW KxK d1 zero-filled` (K = d·(k-1)+1, the dilated kernel written out
densely with zeros: what a backend without a dilated kernel would have to run instead).
"""

from __future__ import annotations

import torch
from torch import nn

from .results import Row
from .steps import forward, make_input, place, prepare, time_steps, train_step

__all__ = ("DW_SHAPES", "STAGES", "bench_depthwise", "depthwise", "dilated_variants")

STAGES = ((5, 5), (7, 7), (9, 9))  # ExpandConv's default (k, d) per branch
DW_SHAPES = [(256, 20), (512, 20)]  # (c1, side) at 640 px, where every dilated tap still lands in the map


def depthwise(c: int, k: int, d: int = 1) -> nn.Conv2d:
    """A bias-free depthwise k×k conv with dilation d and 'same' padding: (N, c, H, W) -> (N, c, H, W)."""
    return nn.Conv2d(c, c, k, padding=d * (k - 1) // 2, dilation=d, groups=c, bias=False)


def dilated_variants(c: int, k: int, d: int) -> dict[str, nn.Conv2d]:
    """name -> conv for one stage; the zero-filled kernel computes exactly what the dilated one does."""
    torch.manual_seed(0)
    dilated = depthwise(c, k, d)
    big = d * (k - 1) + 1
    filled = depthwise(c, big)
    with torch.no_grad():
        filled.weight.zero_()
        filled.weight[:, :, ::d, ::d] = dilated.weight
    return {f"DW {k}x{k} d{d}": dilated, f"DW {k}x{k} d1": depthwise(c, k), f"DW {big}x{big} d1 zero-filled": filled}


def bench_depthwise(
    shapes: list[tuple[int, int]] = DW_SHAPES,
    rounds: int = 30,
    device: str | int = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
    amp: bool = False,
    batch: int = 8,
    stages: tuple[tuple[int, int], ...] = STAGES,
) -> list[Row]:
    """Forward (inference, batch 1) and forward + backward (batch `batch`) median times of each stage's three forms.

    Args:
        shapes: (c1, side) pairs; the stages run on c1 // 2 channels, as inside ExpandConv (e=0.5).

    Returns:
        rows with part 'dw fwd' / 'dw train', shape 'N×c×H×W', variant, ms and the row it is a ratio to.
    """
    device, autocast = place(device, amp)
    rows = []
    for c1, s in shapes:
        c = max(1, c1 // 2)
        for k, d in stages:
            convs = {n: prepare(m, device, dtype, channels_last) for n, m in dilated_variants(c, k, d).items()}
            x = make_input((1, c, s, s), device, dtype, channels_last)
            xt = make_input((batch, c, s, s), device, dtype, channels_last, requires_grad=True)
            for part, step, inp, n in (("dw fwd", forward, x, rounds), ("dw train", train_step, xt, rounds // 2)):
                t = time_steps(step, convs, inp, autocast, max(3, n), device)
                shape = "x".join(map(str, inp.shape))
                rows += [Row(part, shape, v, ms * 1e3, ratio_to=f"DW {k}x{k} d1") for v, ms in t.items()]
    return rows
