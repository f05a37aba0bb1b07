"""Pretrained-weight transfer across inserted layers.

A grafted YAML records where layers were inserted (`dsconv_inserted: [10]`, indices in the grafted model). A
checkpoint of the model it was grafted from numbers every later layer one lower; loading it into the grafted model
renumbers its layers to the grafted indices first (an empty placeholder at each insertion), so Ultralytics, which
matches state_dict keys `model.{j}.…` by name, transfers every layer that exists in both. The mapping comes only
from that record, never from guessing by tensor shapes. `BaseModel.load` calls `stock_source` (integration.py,
patch 5).
"""

from __future__ import annotations

import copy
import re

import torch

__all__ = ("INSERTED_KEY", "renumbered_copy", "stock_source", "transfer_count")

INSERTED_KEY = "dsconv_inserted"
_KEY = re.compile(r"^model\.(\d+)\.")


def renumbered_copy(source: torch.nn.Module, inserted: list[int]) -> torch.nn.Module:
    """A copy of an Ultralytics model with an empty placeholder layer at each inserted index.

    Its state_dict keys then carry the grafted model's indices, and everything else `BaseModel.load` reads (the
    Detect head, names) is the source's own.
    """
    copied = copy.deepcopy(source)
    layers = list(copied.model)
    for p in sorted(inserted):
        layers.insert(p, torch.nn.Identity())
    copied.model = torch.nn.Sequential(*layers)
    return copied


def _inserted(model: torch.nn.Module) -> list[int]:
    return list((getattr(model, "yaml", None) or {}).get(INSERTED_KEY) or [])


def stock_source(
    model: torch.nn.Module, weights: dict | torch.nn.Module
) -> tuple[torch.nn.Module, list[int], int] | None:
    """What `model.load(weights)` should load when `weights` come from the model `model` was grafted from.

    Args:
        model: the Ultralytics model being loaded into.
        weights: a model or a checkpoint dict, as `BaseModel.load` takes.

    Returns:
        (the renumbered source model, the inserted indices, the number of state tensors of the inserted layers), or
        None when no renumbering applies: no graft record, or layer counts that do not differ by exactly the inserted
        layers (a checkpoint of the grafted model itself, or of another model).
    """
    inserted = _inserted(model)
    source = (weights.get("ema") or weights["model"]) if isinstance(weights, dict) else weights
    src_layers = len(getattr(source, "model", []) or [])
    if not inserted or src_layers + len(inserted) != len(model.model):  # also a source grafted the same way
        return None
    skipped = sum(1 for k in model.state_dict() if (m := _KEY.match(k)) and int(m.group(1)) in inserted)
    return renumbered_copy(source, inserted), inserted, skipped


def transfer_count(model: torch.nn.Module, weights: dict | torch.nn.Module) -> int:
    """How many of `model`'s state tensors `model.load(weights)` takes over by name and shape (Ultralytics'
    `intersect_dicts`), across inserted layers as `stock_source` maps them. Ultralytics' own "Transferred" line can
    count a few more: it also rebuilds a Detect classification branch of another class count to transfer its hidden
    layers."""
    mapped = stock_source(model, weights)
    source = mapped[0] if mapped else (weights.get("ema") or weights["model"]) if isinstance(weights, dict) else weights
    theirs, ours = source.state_dict(), model.state_dict()
    return sum(1 for k, v in theirs.items() if k in ours and v.shape == ours[k].shape)
