"""The one error a comparison raises for what it was asked (`compare`, `report`)."""

from __future__ import annotations

__all__ = ("CompareError",)


class CompareError(ValueError):
    """A comparison that cannot be run or read as asked; the message names the bad value and what is expected."""
