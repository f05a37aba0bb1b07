"""Label geometry of one drawn shape, for each Ultralytics task, in normalised YOLO text format.

Pixel (x, y) covers [x, x+1) × [y, y+1) of the image, so its centre is (x + 0.5, y + 0.5); coordinates are divided
by the image side and written with 6 decimals.
- detect: `class cx cy w h`, the extent of the shape's own mask.
- segment: `class x1 y1 x2 y2 ...`, the outer contour of the mask through pixel centres; rasterising it with
  `cv2.fillPoly`, as Ultralytics does, gives back the mask pixel for pixel.
- pose: the box, then 5 keypoints `x y 2` defined for every shape: the drawing centre (inside all four shapes) and
  the middle pixel of the mask's top row, bottom row, left column and right column.
- obb: `class x1 y1 ... x4 y4`, the drawing's square of half-side r rotated by the drawing angle, grown by half a
  pixel so that it holds whole pixels: the tight oriented box of every shape drawn here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import cv2
import numpy as np

__all__ = ("FLIP_IDX", "KEYPOINTS", "TASKS", "label_line")

TASKS = ("detect", "segment", "pose", "obb")
KEYPOINTS = ("centre", "top", "bottom", "left", "right")
FLIP_IDX = (0, 1, 2, 4, 3)  # a horizontal flip swaps left and right


def _fmt(values: Iterable[float]) -> str:
    return " ".join(f"{v:.6f}" for v in values)


def _box(mask: np.ndarray, imgsz: int) -> list[float]:
    ys, xs = np.nonzero(mask)
    x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    return [(x1 + x2) / 2 / imgsz, (y1 + y2) / 2 / imgsz, (x2 - x1) / imgsz, (y2 - y1) / imgsz]


def _polygon(mask: np.ndarray, imgsz: int) -> list[float]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contour = max(contours, key=len)[:, 0, :]
    return list(((contour + 0.5) / imgsz).ravel())


def _keypoints(mask: np.ndarray, cx: int, cy: int, imgsz: int) -> list[float]:
    ys, xs = np.nonzero(mask)

    def middle(along: np.ndarray, across: np.ndarray, at: int) -> int:
        hits = np.sort(across[along == at])
        return int(hits[len(hits) // 2])

    points = [
        (cx, cy),
        (middle(ys, xs, ys.min()), ys.min()),
        (middle(ys, xs, ys.max()), ys.max()),
        (xs.min(), middle(xs, ys, xs.min())),
        (xs.max(), middle(xs, ys, xs.max())),
    ]
    return [v for x, y in points for v in ((x + 0.5) / imgsz, (y + 0.5) / imgsz, 2)]


def _obb(cx: int, cy: int, r: int, angle: float, imgsz: int) -> list[float]:
    c, s, h = math.cos(angle), math.sin(angle), r + 0.5
    corners = [(-h, -h), (h, -h), (h, h), (-h, h)]
    return [
        v for dx, dy in corners for v in ((cx + 0.5 + c * dx - s * dy) / imgsz, (cy + 0.5 + s * dx + c * dy) / imgsz)
    ]


def label_line(task: str, k: int, mask: np.ndarray, cx: int, cy: int, r: int, angle: float) -> str:
    """One label line for a shape of class `k` with pixel mask `mask`, drawn at (cx, cy) with half-side r and angle."""
    imgsz = mask.shape[0]
    if task == "detect":
        values = _box(mask, imgsz)
    elif task == "segment":
        values = _polygon(mask, imgsz)
    elif task == "pose":
        values = _box(mask, imgsz) + _keypoints(mask, cx, cy, imgsz)
    elif task == "obb":
        values = _obb(cx, cy, r, angle, imgsz)
    else:
        raise ValueError(f"label_line: task={task!r} is invalid, expected one of {', '.join(TASKS)}")
    return f"{k} {_fmt(values)}\n"
