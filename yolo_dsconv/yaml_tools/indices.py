"""The index rule of a graft: where a layer of the original model sits once layers are inserted."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ("map_stock_index",)


def map_stock_index(j: int, inserted: Iterable[int]) -> int:
    """Index in the grafted model of layer `j` of the model it was grafted from.

    Args:
        j: an absolute layer index of the original model (≥ 0).
        inserted: the indices of the inserted layers, in the grafted model.

    Returns:
        j shifted by one for every inserted layer at or before its new position.
    """
    for p in sorted(inserted):
        if j >= p:
            j += 1
    return j
