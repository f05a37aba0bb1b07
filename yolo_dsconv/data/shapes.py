"""A small detection dataset of filled shapes, drawn with OpenCV, in Ultralytics' YOLO format.

Each image has a plain background of a random colour and 1..max_objects non-overlapping shapes of random class,
size and colour. With clutter=k, k unlabelled distractors (lines, and hollow outlines of the classes' shapes) are
drawn first, anywhere, so that a detector has to tell a filled shape from its outline (LEVELS["hard"]). Labels are
exact: each box is the pixel extent of the shape's own drawn mask (x2 = last pixel + 1).
PNG keeps pixels lossless. Everything is drawn from one `numpy.random.Generator(seed)`, so a seed gives the same
files byte for byte.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from ..checks import POSITIVE_INT, check
from .labels import FLIP_IDX, KEYPOINTS, TASKS, label_line

__all__ = ("DIFFICULTY", "LEVELS", "SHAPE_CLASSES", "TASKS", "generate_shapes_dataset")

SHAPE_CLASSES = ("circle", "square", "triangle", "cross")
_MANIFEST = "dataset.json"
# How hard the images are: generate_shapes_dataset's **difficulty keys and their defaults.
DIFFICULTY: dict[str, Any] = {"max_objects": 3, "min_frac": 0.15, "max_frac": 0.45, "clutter": 0}
# Named difficulty levels, as overrides of DIFFICULTY. "hard": smaller and more shapes and
# outline distractors, so that mAP50-95 plateaus well below 1 (at "easy" a 256 px run saturates at 0.98-0.99).
LEVELS: dict[str, dict] = {
    "easy": {},
    "hard": {"max_objects": 6, "min_frac": 0.08, "max_frac": 0.3, "clutter": 4},
}


def _outline(cls: str, r: int) -> np.ndarray:
    """Vertices of a square, triangle or cross of half-side r around the origin (the shapes `_draw` makes)."""
    if cls == "square":
        return np.array([[-r, -r], [r, -r], [r, r], [-r, r]], float)
    if cls == "triangle":
        return np.array([[0, -r], [r, r], [-r, r]], float)
    t = max(1, r // 3)
    quarter = [[t, -r], [t, -t], [r, -t]]  # one arm's corner; the other three are its rotations by 90°
    return np.array([[x * a - y * b, x * b + y * a] for a, b in ((1, 0), (0, 1), (-1, 0), (0, -1)) for x, y in quarter])


def _draw(mask: np.ndarray, cls: str, cx: int, cy: int, r: int, angle: float = 0.0) -> None:
    if angle and cls != "circle":
        c, s = math.cos(angle), math.sin(angle)
        pts = _outline(cls, r) @ np.array([[c, s], [-s, c]]) + (cx, cy)
        shift = 8  # sub-pixel vertices
        cv2.fillPoly(mask, [np.round(pts * (1 << shift)).astype(np.int32)], 255, cv2.LINE_8, shift)
    elif cls == "circle":
        cv2.circle(mask, (cx, cy), r, 255, -1, lineType=cv2.LINE_8)
    elif cls == "square":
        cv2.rectangle(mask, (cx - r, cy - r), (cx + r, cy + r), 255, -1, lineType=cv2.LINE_8)
    elif cls == "triangle":
        pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
        cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_8)
    else:  # cross: two bars of random thickness
        t = max(1, r // 3)
        cv2.rectangle(mask, (cx - r, cy - t), (cx + r, cy + t), 255, -1, lineType=cv2.LINE_8)
        cv2.rectangle(mask, (cx - t, cy - r), (cx + t, cy + r), 255, -1, lineType=cv2.LINE_8)


def _colour(rng: np.random.Generator, avoid: np.ndarray | None = None) -> np.ndarray:
    while True:
        c = rng.integers(0, 256, 3)
        if avoid is None or np.abs(c - avoid).sum() >= 150:  # keep shapes visible against the background
            return c


def _clutter(rng: np.random.Generator, img: np.ndarray, bg: np.ndarray, classes: Sequence[str], n: int) -> None:
    """Draw n unlabelled distractors: line segments and 1-3 px outlines of the classes' shapes."""
    imgsz = img.shape[0]
    for _ in range(n):
        colour = tuple(int(c) for c in _colour(rng, bg))
        thickness = int(rng.integers(1, 4))
        if rng.random() < 0.3:
            p1, p2 = (tuple(int(v) for v in rng.integers(0, imgsz, 2)) for _ in range(2))
            cv2.line(img, p1, p2, colour, thickness, cv2.LINE_8)
            continue
        r = int(rng.integers(max(3, imgsz // 20), max(4, imgsz // 6) + 1))
        cx, cy = (int(v) for v in rng.integers(0, imgsz, 2))
        cls = classes[int(rng.integers(len(classes)))]
        if cls == "circle":
            cv2.circle(img, (cx, cy), r, colour, thickness, cv2.LINE_8)
        else:
            pts = (_outline(cls, r) + np.array([cx, cy])).round().astype(np.int32)
            cv2.polylines(img, [pts], True, colour, thickness, cv2.LINE_8)


def _image(rng: np.random.Generator, imgsz: int, classes: Sequence[str], max_objects: int, min_frac: float,
           max_frac: float, task: str = "detect", clutter: int = 0) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    bg = _colour(rng)
    img = np.empty((imgsz, imgsz, 3), np.uint8)
    img[:] = bg
    _clutter(rng, img, bg, classes, clutter)
    labels, boxes = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):  # rejection sampling for a place that overlaps no earlier box
            r = int(rng.integers(max(2, int(min_frac * imgsz / 2)), max(3, int(max_frac * imgsz / 2)) + 1))
            reach = math.ceil(r * math.sqrt(2)) + 1 if task == "obb" else r  # any rotation stays inside
            if 2 * reach >= imgsz:
                continue
            cx, cy = (int(v) for v in rng.integers(reach, imgsz - reach, 2))
            box = (cx - reach, cy - reach, cx + reach + 1, cy + reach + 1)
            if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in boxes):
                break
        else:
            continue
        k = int(rng.integers(len(classes)))
        angle = float(rng.uniform(0, math.pi / 2)) if task == "obb" else 0.0
        mask = np.zeros((imgsz, imgsz), np.uint8)
        _draw(mask, classes[k], cx, cy, r, angle)
        img[mask > 0] = _colour(rng, bg)
        boxes.append(box)
        labels.append(label_line(task, k, mask, cx, cy, r, angle))
    return img, labels


def generate_shapes_dataset(
    out: str | Path = "shapes",
    n_train: int = 96,
    n_val: int = 32,
    imgsz: int = 128,
    classes: tuple[str, ...] = SHAPE_CLASSES,
    seed: int = 0,
    task: str = "detect",
    **difficulty: Any,
) -> Path:
    """Write the dataset under `out` and return the path of its `data.yaml`.

    Layout: out/images/{train,val}/*.png, out/labels/{train,val}/*.txt (the task's YOLO format, see `labels.py`),
    data.yaml (with `kpt_shape` and `flip_idx` for pose). Calling it again with the same arguments reuses the files;
    `out` must otherwise be empty or absent (nothing of the user's is overwritten). For obb, each shape is drawn at
    a random angle in [0, 90°).

    Args:
        out: dataset folder.
        n_train: training images.
        n_val: validation images.
        imgsz: image side in pixels.
        classes: class names, a subset of SHAPE_CLASSES.
        seed: random seed; the same seed gives the same files.
        task: the label format: detect, segment, pose or obb.
        **difficulty: any of DIFFICULTY, over its defaults: max_objects (most shapes per image), min_frac and
            max_frac (the smallest and largest shape side as a fraction of imgsz), clutter (unlabelled distractors per
            image: lines and shape outlines, drawn under the shapes). LEVELS names sets of them.
    """
    unknown_keys = sorted(set(difficulty) - set(DIFFICULTY))
    if unknown_keys:
        raise ValueError(
            f"generate_shapes_dataset: {unknown_keys[0]}= is not a setting, expected one of {', '.join(DIFFICULTY)}"
        )
    max_objects, min_frac, max_frac, clutter = ({**DIFFICULTY, **difficulty}[k] for k in DIFFICULTY)
    params = {
        "n_train": n_train,
        "n_val": n_val,
        "imgsz": imgsz,
        "classes": list(classes),
        "max_objects": max_objects,
        "seed": seed,
        "min_frac": min_frac,
        "max_frac": max_frac,
        **({"task": task} if task != "detect" else {}),  # detect manifests stay as they were before tasks existed
        **({"clutter": clutter} if clutter else {}),
    }
    if task not in TASKS:
        raise ValueError(f"generate_shapes_dataset: task={task!r} is invalid, expected one of {', '.join(TASKS)}")
    unknown = [c for c in classes if c not in SHAPE_CLASSES]
    if unknown or not classes:
        raise ValueError(
            f"generate_shapes_dataset: classes={list(classes)!r} is invalid, "
            f"expected a non-empty subset of {SHAPE_CLASSES}"
        )
    for name in ("n_train", "n_val", "max_objects"):
        check(name, params[name], "generate_shapes_dataset", POSITIVE_INT)
    check("clutter", clutter, "generate_shapes_dataset")
    if not isinstance(imgsz, int) or imgsz < 16:
        raise ValueError(f"generate_shapes_dataset: imgsz={imgsz!r} is invalid, expected an integer ≥ 16")
    if not 0 < min_frac <= max_frac < 1:
        raise ValueError(
            f"generate_shapes_dataset: min_frac={min_frac}, max_frac={max_frac} invalid, expected 0 < min ≤ max < 1"
        )
    out = Path(out).resolve()
    manifest, data_yaml = out / _MANIFEST, out / "data.yaml"
    if manifest.is_file() and data_yaml.is_file():
        if json.loads(manifest.read_text()) == params:
            return data_yaml
        raise FileExistsError(
            f"generate_shapes_dataset: {out} holds a shapes dataset made with other settings; pick another folder"
        )
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"generate_shapes_dataset: {out} exists and is not empty; pick an empty or new folder")
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("val", n_val)):
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            img, labels = _image(rng, imgsz, classes, max_objects, min_frac, max_frac, task, clutter)
            cv2.imwrite(str(out / "images" / split / f"{split}_{i:05d}.png"), img)
            (out / "labels" / split / f"{split}_{i:05d}.txt").write_text("".join(labels))
    cfg = {"path": str(out), "train": "images/train", "val": "images/val", "names": dict(enumerate(classes))}
    if task == "pose":
        cfg.update(kpt_shape=[len(KEYPOINTS), 3], flip_idx=list(FLIP_IDX), kpt_names={0: list(KEYPOINTS)})
    data_yaml.write_text(yaml.safe_dump(cfg, sort_keys=False))
    manifest.write_text(json.dumps(params))
    return data_yaml
