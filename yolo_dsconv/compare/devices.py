"""Where a comparison's runs may go: this machine's cores, and the GPUs a device= value names."""

from __future__ import annotations

import os
from typing import Any

__all__ = ("cpu_cores", "split_devices")


def cpu_cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def split_devices(device: Any) -> list[str]:
    """The GPUs of a device= value ("0,1", [0, 1], 0) as strings; [] for the CPU or Ultralytics' own choice."""
    if device is None or (isinstance(device, str) and device.strip().lower() in {"", "cpu", "mps"}):
        return []
    items = device if isinstance(device, (list, tuple)) else str(device).split(",")
    return [str(d).strip() for d in items if str(d).strip() not in {"", "cpu"}]
