"""ExpandConv and DSConv in classic YOLOv5 (ultralytics/yolov5, and the `yolov5` pip package that wraps it).

With the `yolov5` package nothing is needed: the start-up hook registers the plugin when `yolov5.models.yolo` is
imported, so `yolov5 train --cfg yolov5s-dsconv.yaml` works (YOLO_DSCONV_HOOK=0 switches it off). In a cloned
repo, one line at the top of `train.py` (or any script) does it:

    >>> import models.yolo, yolo_dsconv.classic
    >>> yolo_dsconv.classic.register(models.yolo)

The classic parser then builds ExpandConv with c1 inferred and c2 scaled by its own rule, `make_divisible(c2 * gw,
8)`; `fuse()` folds the plugin's BatchNorms too; `check_file` finds the shipped `yolov5{n,s,m,l,x}-dsconv.yaml`.
Every change is made in `integration.py` (patches 9 to 11) and undone by `integration.uninstall()`.
"""

from __future__ import annotations

from types import ModuleType

from . import integration
from .paths import CLASSIC_YAMLS
from .registry import check_rows

__all__ = ("CLASSIC_YAMLS", "TARGET", "register")

TARGET = "yolov5.models.yolo"  # the `yolov5` package's parser module, which the start-up hook watches for


def register(yolo: ModuleType) -> ModuleType:
    """Register ExpandConv, DSConv (and every module registered with `register_module`) with a classic YOLOv5
    `models/yolo.py` module object; idempotent. Returns `yolo`.

    Raises:
        UnsupportedUltralyticsError: `yolo` is not a classic YOLOv5 parser module, or its parser cannot be extended.
    """
    integration.apply_classic_patches(yolo, check_rows)
    return yolo
