"""A trainable copy of a YOLO-format detection dataset kept on read-only storage.

Ultralytics writes `labels.cache` beside each split's labels, so a dataset on a read-only mount cannot be trained
from in place. `local_copy` makes a folder that can: each image a symlink to the original (no bytes copied), each
label file a copy, and a data YAML naming the copy's own path. A subset takes the first n images of a split in
name order, so the same call always gives the same subset.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from .yolo_yaml import dataset_root, images_in

__all__ = ("local_copy",)


def _split(src: Path, dst: Path, n: int | None) -> int:
    images = images_in(src / "images", n)
    (dst / "images").mkdir(parents=True, exist_ok=True)
    (dst / "labels").mkdir(parents=True, exist_ok=True)
    for image in images:
        link = dst / "images" / image.name
        if not link.exists():
            link.symlink_to(image.resolve())
        label = src / "labels" / f"{image.stem}.txt"
        if label.is_file():
            shutil.copyfile(label, dst / "labels" / label.name)
    return len(images)


def local_copy(data: str | Path, out: str | Path, n_train: int | None = None, n_val: int | None = None) -> Path:
    """Copy the dataset of the YAML `data` (splits `<split>/images` with `<split>/labels`) into `out`; returns the
    copy's data YAML (`out/data.yaml`). n_train / n_val: the first n images of train / val (None: all).

    Raises:
        FileNotFoundError: `data` or one of its split folders is missing.
        FileExistsError: `out` holds a copy made with other settings (it is never overwritten).
    """
    data = Path(data).resolve()
    if not data.is_file():
        raise FileNotFoundError(f"local_copy: data={data} does not exist, expected a dataset YAML")
    spec, root = dataset_root(data)
    out = Path(out).resolve()
    made = {"source": str(data), "n_train": n_train, "n_val": n_val}
    record = out / "copy.yaml"
    if record.is_file():
        if yaml.safe_load(record.read_text()) != made:
            raise FileExistsError(f"local_copy: {out} holds a copy made with other settings; choose another out=")
        return out / "data.yaml"
    written = {"path": str(out), "names": spec["names"]}
    for key, n in (("train", n_train), ("val", n_val), ("test", None)):
        if key not in spec:
            continue
        split = (root / spec[key]).parent  # <split>/images -> <split>
        if not (split / "images").is_dir():
            raise FileNotFoundError(f"local_copy: {split / 'images'} does not exist ({key}: {spec[key]} in {data})")
        _split(split, out / split.name, n)
        written[key] = f"{split.name}/images"
    (out / "data.yaml").write_text(yaml.safe_dump(written, sort_keys=False))
    record.write_text(yaml.safe_dump(made))
    return out / "data.yaml"
