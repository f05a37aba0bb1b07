"""What an ERF is computed on: a model from a YAML or checkpoint, and images from a folder or a data.yaml."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ("dataset_images", "load_model")


def load_model(spec: str) -> nn.Module:
    """An Ultralytics model from a YAML (path or shipped name) or a checkpoint.

    Raises:
        FileNotFoundError: a .pt path that is not a file.
    """
    from ultralytics.nn.tasks import DetectionModel, load_checkpoint

    if spec.endswith(".pt"):
        if not Path(spec).is_file():
            raise FileNotFoundError(f"erf: checkpoint {spec!r} not found")
        return load_checkpoint(spec)[0]
    return DetectionModel(spec, verbose=False)


def dataset_images(folder: str | Path, n: int, imgsz: int) -> torch.Tensor:
    """Up to n images from a folder (or a data.yaml's val split), sorted by name, resized to imgsz².

    Returns:
        (N, 3, imgsz, imgsz) float tensor in [0, 1], RGB.

    Raises:
        FileNotFoundError: no image under the folder.
    """
    import cv2
    import numpy as np

    from ..data.yolo_yaml import images_in, split_folder

    path = Path(folder)
    if path.suffix in {".yaml", ".yml"}:
        path = split_folder(path, "val")
    files = images_in(path, n, recursive=True)
    if not files:
        raise FileNotFoundError(f"erf: no images under {path}")
    imgs = [cv2.resize(cv2.imread(str(f))[:, :, ::-1], (imgsz, imgsz)) for f in files]
    return torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255
