"""Effective receptive field (Luo et al., NeurIPS 2016): |∂ centre output / ∂ input|, averaged over inputs."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ("ERFResult", "compute_erf", "mass_square_side", "plot_erfs")


class _Reached(Exception):
    """Raised by the hook once the layer's output is captured: the rest of the forward pass is not needed."""


@dataclass
class ERFResult:
    """An ERF map (H×W, sums to 1) and the sides of the centred squares holding 50 % and 90 % of it.

    `halves` holds (side50, side90) of the ERF of the first and of the second half of the inputs (disjoint), so
    the spread of the sides shows how stable they are; empty with fewer than 2 inputs.
    """

    name: str
    layer: int
    erf: np.ndarray
    side50: int
    side90: int
    samples: int = 0
    halves: tuple[tuple[int, int], ...] = ()


def mass_square_side(erf: np.ndarray, fraction: float) -> int:
    """Smallest odd side s of a square centred on the ERF's centre of mass holding `fraction` of the total."""
    total = erf.sum()
    if total <= 0:
        return 0
    ys, xs = np.indices(erf.shape)
    cy, cx = round(float((ys * erf).sum() / total)), round(float((xs * erf).sum() / total))
    for half in range(max(erf.shape)):
        window = erf[max(cy - half, 0) : cy + half + 1, max(cx - half, 0) : cx + half + 1]
        if window.sum() >= fraction * total * (1 - 1e-9):
            return 2 * half + 1
    return 2 * max(erf.shape) - 1


def _layers(model: nn.Module) -> nn.Module:
    return model.model if hasattr(model, "model") and isinstance(model.model, nn.Sequential) else model


def default_layer(model: nn.Module) -> int:
    """The last backbone layer (P5 before the head) of an Ultralytics model, else the last layer."""
    yaml = getattr(model, "yaml", None) or {}
    n = len(yaml.get("backbone") or [])
    return n - 1 if n else len(_layers(model)) - 1


def compute_erf(
    model: nn.Module,
    imgsz: int = 256,
    layer: int | None = None,
    samples: int = 8,
    images: torch.Tensor | None = None,
    seed: int = 0,
    name: str = "",
) -> ERFResult:
    """ERF of the centre unit of `layer`'s output (summed over channels) for `samples` inputs.

    Args:
        model: an Ultralytics model (layers in `.model`) or any module mapping images to a feature map.
        imgsz: input side for random inputs.
        layer: index in model.model; default: the last backbone layer (P5).
        samples: number of random inputs (uniform [0, 1]) when `images` is None; the ERF literature averages
            hundreds, and the `erf` command's default is 200.
        images: N×3×H×W inputs to use instead (e.g. dataset images).
        seed: random seed for the inputs.
        name: the result's name (a plot title).

    The forward pass stops at `layer`: what comes after it does not reach the gradient.
    """
    model = model.float().eval()
    layers = _layers(model)
    layer = default_layer(model) if layer is None else layer
    if not -len(layers) <= layer < len(layers):
        raise ValueError(f"compute_erf: layer={layer} is out of range, expected 0..{len(layers) - 1}")
    target = layers[layer]
    captured = {}

    def capture(module: nn.Module, args: tuple, y: torch.Tensor) -> None:
        captured["y"] = y
        raise _Reached

    handle = target.register_forward_hook(capture)
    if images is None:
        g = torch.Generator().manual_seed(seed)
        images = torch.rand(samples, 3, imgsz, imgsz, generator=g)
    acc = torch.zeros(len(images), *images.shape[-2:])
    try:
        for i, image in enumerate(images):
            x = image[None].clone().requires_grad_(True)
            with contextlib.suppress(_Reached):
                model(x)
            y = captured.pop("y")
            y = y[0] if isinstance(y, (list, tuple)) else y
            y[0, :, y.shape[-2] // 2, y.shape[-1] // 2].sum().backward()
            acc[i] = x.grad[0].abs().sum(0)
            model.zero_grad(set_to_none=True)
    finally:
        handle.remove()
    n = len(images)
    erf = _normalised(acc.sum(0))
    halves = tuple(_sides(_normalised(part.sum(0))) for part in (acc[: n // 2], acc[n // 2 :])) if n > 1 else ()
    return ERFResult(name, layer if layer >= 0 else len(layers) + layer, erf, *_sides(erf), n, halves)


def _normalised(acc: torch.Tensor) -> np.ndarray:
    return (acc / acc.sum()).numpy() if acc.sum() > 0 else acc.numpy()


def _sides(erf: np.ndarray) -> tuple[int, int]:
    return mass_square_side(erf, 0.5), mass_square_side(erf, 0.9)


def plot_erfs(results: list[ERFResult], path: str, panel: float = 4.0, dpi: int = 100) -> str:
    """Save the ERFs side by side on one colour scale; each panel `panel` inches square at `dpi`."""
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend (e.g. a notebook's) alone

    vmax = max(float(r.erf.max()) for r in results) or 1.0
    fig = Figure(figsize=(panel * len(results), panel))
    axes = fig.subplots(1, len(results), squeeze=False)
    for ax, r in zip(axes[0], results):
        im = ax.imshow(r.erf, cmap="magma", vmin=0, vmax=vmax)
        ax.set_title(f"{r.name} (layer {r.layer})\n50%: {r.side50} px, 90%: {r.side90} px", fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(im, ax=axes[0].tolist(), fraction=0.03)
    fig.savefig(path, dpi=dpi)
    return path
