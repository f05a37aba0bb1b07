"""Where a YOLO-format dataset YAML keeps its images, read the way Ultralytics reads it: `path:` (absolute, or relative
to the YAML's folder; the YAML's folder when absent) joined with each split's entry."""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ("IMAGE_SUFFIXES", "dataset_root", "images_in", "split_folder")

IMAGE_SUFFIXES = (".bmp", ".jpeg", ".jpg", ".png", ".webp")


def dataset_root(data_yaml: str | Path) -> tuple[dict, Path]:
    """The YAML's contents and the dataset's root folder."""
    data_yaml = Path(data_yaml).resolve()
    spec = yaml.safe_load(data_yaml.read_text())
    root = Path(spec.get("path") or data_yaml.parent)
    return spec, root if root.is_absolute() else data_yaml.parent / root


def split_folder(data_yaml: str | Path, split: str) -> Path:
    """The folder the YAML names for `split` (train, val or test)."""
    spec, root = dataset_root(data_yaml)
    return root / spec[split]


def images_in(folder: str | Path, n: int | None = None, recursive: bool = False) -> list[Path]:
    """The first `n` images (None: all) in `folder` (and its subfolders, with `recursive`), in name order."""
    files = Path(folder).rglob("*") if recursive else Path(folder).iterdir()
    return sorted(p for p in files if p.suffix.lower() in IMAGE_SUFFIXES)[:n]
