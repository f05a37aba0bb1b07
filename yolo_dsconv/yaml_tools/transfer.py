"""Pretrained-weight transfer across inserted layers.

A grafted YAML records where layers were inserted (`dsconv_inserted: [10]`, indices in the grafted model). A
checkpoint of the model it was grafted from numbers every later layer one lower; loading it into the grafted model
renumbers its layers to the grafted indices first (an empty placeholder at each insertion), so Ultralytics, which
matches state_dict keys `model.{j}.…` by name, transfers every layer that exists in both. The mapping comes only
from that record, never from guessing by tensor shapes.
"""

from __future__ import annotations

import re

import torch

__all__ = ("INSERTED_KEY", "install_transfer", "map_stock_index", "renumbered_copy")

INSERTED_KEY = "dsconv_inserted"
_KEY = re.compile(r"^model\.(\d+)\.")


def map_stock_index(j: int, inserted: list[int]) -> int:
    """Index in the grafted model of layer `j` of the model it was grafted from."""
    for p in sorted(inserted):
        if j >= p:
            j += 1
    return j


def renumbered_copy(source: torch.nn.Module, inserted: list[int]) -> torch.nn.Module:
    """A copy of an Ultralytics model with an empty placeholder layer at each inserted index.

    Its state_dict keys then carry the grafted model's indices, and everything else `BaseModel.load` reads (the
    Detect head, names) is the source's own.
    """
    import copy

    copied = copy.deepcopy(source)
    layers = list(copied.model)
    for p in sorted(inserted):
        layers.insert(p, torch.nn.Identity())
    copied.model = torch.nn.Sequential(*layers)
    return copied


def install_transfer() -> None:
    """Wrap `BaseModel.load` once: stock weights loaded into a grafted model are remapped across its insertions."""
    from ultralytics.nn import tasks
    from ultralytics.utils import LOGGER

    original = tasks.BaseModel.load
    if getattr(original, "_yolo_dsconv_transfer", False):
        return

    def load(self, weights, verbose=True):
        inserted = list((getattr(self, "yaml", None) or {}).get(INSERTED_KEY) or [])
        source = (weights.get("ema") or weights["model"]) if isinstance(weights, dict) else weights
        src_inserted = list((getattr(source, "yaml", None) or {}).get(INSERTED_KEY) or [])
        src_layers = len(getattr(source, "model", []) or [])
        if not inserted or src_inserted == inserted or src_layers + len(inserted) != len(self.model):
            return original(self, weights, verbose)
        result = original(self, renumbered_copy(source, inserted), verbose)
        if verbose:
            new = {k for k in self.state_dict() if _KEY.match(k) and int(_KEY.match(k).group(1)) in inserted}
            LOGGER.info(
                f"yolo-dsconv: stock weights mapped across the inserted layer(s) {inserted}; "
                f"not transferred: the {len(new)} tensors of the inserted layer(s)"
            )
        return result

    load._yolo_dsconv_transfer = True
    load.__wrapped__ = original
    load.__doc__ = original.__doc__
    tasks.BaseModel.load = load
