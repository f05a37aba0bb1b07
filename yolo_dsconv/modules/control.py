"""The same-cost control of a comparison, able to start as the identity like ExpandConv."""

from __future__ import annotations

import torch
from torch import nn
from ultralytics.nn.modules import C2f

from ._checks import check_init

__all__ = ("ControlC2f",)


class ControlC2f(C2f):
    """Ultralytics' C2f with one bottleneck, and with init="identity" an outer shortcut whose last BatchNorm scale
    starts at zero: x + C2f(x), the identity at step 0 (as `ExpandConv(init="identity")`).

    With init="default" it computes what `C2f(c1, c2, 1, shortcut, g, e)` computes, tensor for tensor.

    Args:
        c1 (int): Input channels.
        c2 (int): Output channels.
        shortcut (bool): The bottleneck's own shortcut.
        g (int): Groups of the bottleneck's convolutions.
        e (float): Hidden width ratio.
        init (str): "default" or "identity" (needs c1 == c2).

    Shapes:
        x: (N, c1, H, W) -> (N, c2, H, W).
    """

    def __init__(
        self, c1: int, c2: int, shortcut: bool = False, g: int = 1, e: float = 0.5, init: str = "default"
    ) -> None:
        super().__init__(c1, c2, 1, shortcut, g, e)
        self.add = check_init(init, c1, c2, type(self).__name__)
        if self.add:
            nn.init.zeros_(self.cv2.bn.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """C2f's forward, plus the input when the shortcut is on."""
        out = super().forward(x)
        return x + out if self.add else out

    def forward_split(self, x: torch.Tensor) -> torch.Tensor:
        """C2f's split form (Ultralytics' exporter swaps it in), plus the input when the shortcut is on."""
        out = super().forward_split(x)
        return x + out if self.add else out
