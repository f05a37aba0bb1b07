"""The `yolo-dsconv info` report: a model's cost next to its stock counterpart, and its ExpandConv layers."""

from __future__ import annotations

from torch import nn

from ..modules import ExpandConv
from .flops import count_flops

__all__ = ("describe_expandconv", "model_costs")


def model_costs(model: nn.Module, imgsz: int = 640) -> dict:
    """Parameters and GFLOPs (at imgsz, pruning accounted for) of a built model."""
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "gflops": count_flops(model, imgsz) / 1e9,
    }


def describe_expandconv(model: nn.Module) -> list[dict]:
    """One row per ExpandConv layer of an Ultralytics model: index, channels, kernels, dilations, receptive fields."""
    rows = []
    for layer in getattr(model, "model", model).modules():
        if isinstance(layer, ExpandConv):
            rows.append(
                {
                    "layer": getattr(layer, "i", "-"),
                    "from": getattr(layer, "f", "-"),
                    "c1": layer.in_channels,
                    "c_": layer.c_,
                    "c2": layer.out_channels,
                    "k": layer.k,
                    "d": layer.d,
                    "dense": layer.dense,
                    "rf": layer.receptive_fields,
                    "params": sum(p.numel() for p in layer.parameters()),
                }
            )
    return rows
