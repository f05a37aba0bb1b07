"""A small detection dataset of filled shapes, drawn with OpenCV, in Ultralytics' YOLO format.

Each image has a plain background of a random colour and 1..max_objects non-overlapping shapes of random class,
size and colour. Labels are exact: each box is the pixel extent of the shape's own drawn mask (x2 = last pixel + 1).
PNG keeps pixels lossless. Everything is drawn from one `numpy.random.Generator(seed)`, so a seed gives the same
files byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import yaml

__all__ = ("SHAPE_CLASSES", "generate_shapes_dataset")

SHAPE_CLASSES = ("circle", "square", "triangle", "cross")
_MANIFEST = "dataset.json"


def _draw(mask: np.ndarray, cls: str, cx: int, cy: int, r: int) -> None:
    if cls == "circle":
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


def _image(rng, imgsz, classes, max_objects, min_frac, max_frac):
    bg = _colour(rng)
    img = np.empty((imgsz, imgsz, 3), np.uint8)
    img[:] = bg
    labels, boxes = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):  # rejection sampling for a place that overlaps no earlier box
            r = int(rng.integers(max(2, int(min_frac * imgsz / 2)), max(3, int(max_frac * imgsz / 2)) + 1))
            cx, cy = (int(v) for v in rng.integers(r, imgsz - r, 2))
            box = (cx - r, cy - r, cx + r + 1, cy + r + 1)
            if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in boxes):
                break
        else:
            continue
        k = int(rng.integers(len(classes)))
        mask = np.zeros((imgsz, imgsz), np.uint8)
        _draw(mask, classes[k], cx, cy, r)
        ys, xs = np.nonzero(mask)
        x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        img[mask > 0] = _colour(rng, bg)
        boxes.append(box)
        labels.append((k, (x1 + x2) / 2 / imgsz, (y1 + y2) / 2 / imgsz, (x2 - x1) / imgsz, (y2 - y1) / imgsz))
    return img, labels


def generate_shapes_dataset(
    out: str | Path = "shapes",
    n_train: int = 96,
    n_val: int = 32,
    imgsz: int = 128,
    classes: tuple[str, ...] = SHAPE_CLASSES,
    max_objects: int = 3,
    seed: int = 0,
    min_frac: float = 0.15,
    max_frac: float = 0.45,
) -> Path:
    """Write the dataset under `out` and return the path of its `data.yaml`.

    Layout: out/images/{train,val}/*.png, out/labels/{train,val}/*.txt (`class cx cy w h`, normalised), data.yaml.
    Calling it again with the same arguments reuses the files; `out` must otherwise be empty or absent (nothing of
    the user's is overwritten).

    Args:
        out: dataset folder.
        n_train: training images.
        n_val: validation images.
        imgsz: image side in pixels.
        classes: class names, a subset of SHAPE_CLASSES.
        max_objects: most shapes per image.
        seed: random seed; the same seed gives the same files.
        min_frac: smallest shape side as a fraction of imgsz.
        max_frac: largest shape side as a fraction of imgsz.
    """
    params = {
        "n_train": n_train,
        "n_val": n_val,
        "imgsz": imgsz,
        "classes": list(classes),
        "max_objects": max_objects,
        "seed": seed,
        "min_frac": min_frac,
        "max_frac": max_frac,
    }
    unknown = [c for c in classes if c not in SHAPE_CLASSES]
    if unknown or not classes:
        raise ValueError(
            f"generate_shapes_dataset: classes={list(classes)!r} is invalid, "
            f"expected a non-empty subset of {SHAPE_CLASSES}"
        )
    for name in ("n_train", "n_val", "max_objects"):
        if not isinstance(params[name], int) or params[name] < 1:
            raise ValueError(
                f"generate_shapes_dataset: {name}={params[name]!r} is invalid, expected a positive integer"
            )
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
            img, labels = _image(rng, imgsz, classes, max_objects, min_frac, max_frac)
            cv2.imwrite(str(out / "images" / split / f"{split}_{i:05d}.png"), img)
            text = "".join(f"{k} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n" for k, cx, cy, w, h in labels)
            (out / "labels" / split / f"{split}_{i:05d}.txt").write_text(text)
    data_yaml.write_text(
        yaml.safe_dump(
            {"path": str(out), "train": "images/train", "val": "images/val", "names": dict(enumerate(classes))},
            sort_keys=False,
        )
    )
    manifest.write_text(json.dumps(params))
    return data_yaml
