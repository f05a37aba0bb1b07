"""Is a dilated depthwise conv on the backend's fast path? The same taps timed three ways, side by side.

For each of ExpandConv's dilated stages (k×k at dilation d) on the hidden width c_ = c1/2:
`DW kxk dd` (what the module runs), `DW kxk d1` (a dense kernel with the same number of taps: the cost the
dilation would have on the fast path) and `DW KxK d1 zero-filled` (K = d·(k-1)+1, the dilated kernel written out
densely with zeros: what a backend without a dilated kernel would have to run instead).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch
from torch import nn

from .timing import interleaved_medians

__all__ = ("STAGES", "depthwise", "dilated_variants")

STAGES = ((5, 5), (7, 7), (9, 9))  # ExpandConv's default (k, d) per branch


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
    shapes: list[tuple[int, int]],
    rounds: int,
    device: torch.device,
    dtype: torch.dtype,
    channels_last: bool,
    autocast: Callable[[], AbstractContextManager],
    prepare: Callable,
    make_input: Callable,
    sync: Callable[[], None] | None,
    batch: int = 8,
    stages: tuple[tuple[int, int], ...] = STAGES,
) -> list[dict]:
    """Forward (inference) and forward + backward median times of each stage's three forms.

    Args:
        shapes: (c1, side) pairs; the stages run on c1 // 2 channels, as inside ExpandConv (e=0.5).
        autocast, prepare, make_input, sync: the bench's shared helpers (AMP context, module and input placement,
            device synchronisation).

    Returns:
        rows with part 'dw fwd' / 'dw train', shape 'N×c×H×W', variant, ms and the row it is a ratio to.
    """
    rows = []
    for c1, s in shapes:
        c = max(1, c1 // 2)
        for k, d in stages:
            convs = {n: prepare(m, device, dtype, channels_last) for n, m in dilated_variants(c, k, d).items()}
            ref = f"DW {k}x{k} d1"
            x = make_input((1, c, s, s), device, dtype, channels_last)
            xt = make_input((batch, c, s, s), device, dtype, channels_last, requires_grad=True)

            def fwd(m, x=x):
                with torch.inference_mode(), autocast():
                    m(x)

            def step(m, x=xt):
                with autocast():
                    y = m(x)
                y.float().sum().backward()

            for part, fn, shape, n in (("dw fwd", fwd, x.shape, rounds), ("dw train", step, xt.shape, rounds // 2)):
                t = interleaved_medians({v: (lambda m=m, fn=fn: fn(m)) for v, m in convs.items()}, max(3, n), sync=sync)
                rows += [
                    {"part": part, "shape": "x".join(map(str, shape)), "variant": v, "ms": ms * 1e3, "ratio_to": ref}
                    for v, ms in t.items()
                ]
    return rows
