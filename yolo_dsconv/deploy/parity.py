"""How far an exported model's raw head outputs are from PyTorch's."""

from __future__ import annotations

import numpy as np

__all__ = ("rel_err",)


def rel_err(actual: np.ndarray, expected: np.ndarray, rows: int = 4) -> dict:
    """Largest error of boxes (the first `rows` channels) and of class scores, each over its own largest magnitude.

    Args:
        actual: an exported model's raw head outputs, (N, rows + classes, anchors).
        expected: PyTorch's, of the same shape.
        rows: the box channels.

    Returns:
        {"box": error, "cls": error}, or {"shape": actual's shape} when the shapes differ.

    >>> e = np.ones((1, 5, 2), np.float32); a = e.copy(); a[0, 0, 0] = 1.5
    >>> rel_err(a, e)
    {'box': 0.5, 'cls': 0.0}
    """
    if actual.shape != expected.shape:
        return {"shape": list(actual.shape)}
    parts = {"box": (actual[:, :rows], expected[:, :rows]), "cls": (actual[:, rows:], expected[:, rows:])}
    return {k: float(np.abs(a - e).max() / max(float(np.abs(e).max()), 1e-12)) for k, (a, e) in parts.items()}
