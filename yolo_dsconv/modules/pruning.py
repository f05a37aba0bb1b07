"""Exact tap pruning for dilated 'same'-padded convolutions.

A k×k kernel with dilation d and zero padding d·(k-1)/2 places tap j (j ∈ [-(k-1)/2, (k-1)/2]) at input offset
j·d from the output position. On an axis of length L that tap can touch the map only if |j·d| ≤ L-1, so per axis
the taps outside j ∈ [-m, m], m = min((k-1)/2, ⌊(L-1)/d⌋), only ever multiply zero padding. Slicing the weight to
its centre (2m+1) taps and padding m·d computes the same function for any stride, with fewer taps and a smaller
padded copy of the input (docs/design.md, "Exact tap pruning").
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ("TapPrunedConv2d", "capturing", "kept_half_taps", "pruning_enabled", "set_pruning")

# Process-wide default, read once: YOLO_DSCONV_PRUNE=0 turns pruning off everywhere.
_PRUNE_DEFAULT = os.environ.get("YOLO_DSCONV_PRUNE", "1").strip().lower() not in {"0", "false", "no", "off"}
_AFFINE_EPS = 2.0**-8  # the one-tap affine's batch_norm eps (see TapPrunedConv2d._single_tap)


def kept_half_taps(k: int, d: int, size: int) -> int:
    """Return m: the taps j ∈ [-m, m] of a k-tap, d-dilated, centred kernel that can reach an axis of `size`."""
    return min((k - 1) // 2, (size - 1) // d)


def capturing() -> bool:
    """Whether this forward is being recorded into a graph (tracing, scripting, `torch.export`): the eager-only CPU
    forms (tap pruning, ExpandConv's merged branches) must then step aside, so exported graphs hold the plain ones."""
    return torch.jit.is_tracing() or torch.jit.is_scripting() or torch.compiler.is_exporting()


def pruning_enabled(module: nn.Module | None = None) -> bool:
    """Whether tap pruning is active for `module` (its own `prune` flag, else the process default)."""
    return getattr(module, "prune", _PRUNE_DEFAULT) if module is not None else _PRUNE_DEFAULT


def set_pruning(model: nn.Module, enabled: bool) -> nn.Module:
    """Turn tap pruning on or off for every `TapPrunedConv2d` in `model`; returns `model`."""
    for m in model.modules():
        if isinstance(m, TapPrunedConv2d):
            m.prune = bool(enabled)
    return model


class TapPrunedConv2d(nn.Conv2d):
    """`nn.Conv2d` that skips, per forward, the kernel taps that can only read zero padding.

    It is a drop-in `nn.Conv2d` (same parameters and state_dict), so Ultralytics' `fuse_conv_and_bn`, which folds BN
    into the conv in place, keeps it. Pruning applies only to 'same' zero padding (padding = d·(k-1)/2 per axis) and
    to CPU tensors: on CUDA the sliced weight and the extra launches cost more than the skipped taps save (measured
    on an H100, docs/design.md "Exact tap pruning"). It is skipped while tracing (TorchScript, ONNX) and under
    `torch.export` (LiteRT, ExecuTorch, dynamo ONNX), so exported graphs hold the full kernel and stay valid for any
    input size, dynamic shapes included.

    Shapes:
        x: (N, C_in, H, W) -> (N, C_out, H_out, W_out), exactly as `nn.Conv2d`.
    """

    prune: bool = _PRUNE_DEFAULT

    def _same_padding(self) -> bool:
        return self.padding_mode == "zeros" and all(
            isinstance(p, int) and p == d * (k - 1) // 2 and k % 2 == 1
            for p, d, k in zip(self.padding, self.dilation, self.kernel_size)
        )

    def active_kernel(self, h: int, w: int) -> tuple[int, int]:
        """Kernel size (taps per axis) actually applied to an h×w input."""
        if not (pruning_enabled(self) and self._same_padding()):
            return tuple(self.kernel_size)
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation
        return 2 * kept_half_taps(kh, dh, h) + 1, 2 * kept_half_taps(kw, dw, w) + 1

    def _conv_forward(self, input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        if capturing() or not pruning_enabled(self) or input.device.type != "cpu" or not self._same_padding():
            return super()._conv_forward(input, weight, bias)
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation
        mh = kept_half_taps(kh, dh, input.shape[-2])
        mw = kept_half_taps(kw, dw, input.shape[-1])
        ch, cw = (kh - 1) // 2, (kw - 1) // 2
        if mh == ch and mw == cw:
            return (
                self._single_tap(input, weight, bias) if ch == cw == 0 else super()._conv_forward(input, weight, bias)
            )
        weight = weight[:, :, ch - mh : ch + mh + 1, cw - mw : cw + mw + 1]
        if mh == mw == 0:
            return self._single_tap(input, weight, bias)
        return F.conv2d(input, weight, bias, self.stride, (mh * dh, mw * dw), self.dilation, self.groups)

    def _single_tap(self, input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """A one-tap kernel: a per-channel affine when depthwise with stride 1, else a 1×1 conv."""
        c = self.in_channels
        if self.groups == c == self.out_channels and self.stride == (1, 1):
            # batch_norm in inference form with mean 0 and var + eps = 1 is exactly x·w + b per channel, and on CPU
            # several times faster than oneDNN's depthwise 1×1 convolution. eps must be positive (torch 2.11 refuses
            # 0 even in eval); 1 - 2⁻⁸ and 2⁻⁸ are exact in fp32, fp16 and bf16 and sum to exactly 1.
            # The statistics take the parameters' dtype: under autocast the input is fp16/bf16 and the weight fp32,
            # the mixed form batch_norm accepts.
            # (contiguous: batch_norm's CPU backward mishandles a strided weight, e.g. a view of the centre tap)
            w = weight.reshape(c).contiguous()
            var = torch.full((c,), 1.0 - _AFFINE_EPS, dtype=w.dtype, device=w.device)
            return F.batch_norm(input, torch.zeros_like(var), var, w, bias, False, 0.0, _AFFINE_EPS)
        return F.conv2d(input, weight, bias, self.stride, 0, 1, self.groups)
