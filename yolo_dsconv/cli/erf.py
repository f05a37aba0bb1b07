"""`yolo-dsconv erf model=<yaml or .pt> [imgsz=256] [layer=N] [out=erf.png] [compare=<model>] [samples=8] [data=DIR]`."""

from __future__ import annotations

from pathlib import Path

from .args import CLIError, parse_kv
from .table import format_table

DEFAULTS = {"model": None, "imgsz": 256, "layer": None, "out": "erf.png", "compare": None, "samples": 8, "data": None, "seed": 0}


def load_model(spec: str):
    """An Ultralytics model from a YAML (path or shipped name) or a checkpoint."""
    from ultralytics.nn.tasks import DetectionModel, load_checkpoint

    if spec.endswith(".pt"):
        if not Path(spec).is_file():
            raise CLIError(f"yolo-dsconv erf: checkpoint {spec!r} not found")
        return load_checkpoint(spec)[0]
    return DetectionModel(spec, verbose=False)


def dataset_images(folder: str, n: int, imgsz: int):
    """Up to n images from a folder (or a data.yaml's val split), resized to imgsz², as a float tensor in [0, 1]."""
    import cv2
    import numpy as np
    import torch
    import yaml

    path = Path(folder)
    if path.suffix in {".yaml", ".yml"}:
        cfg = yaml.safe_load(path.read_text())
        path = Path(cfg.get("path", path.parent)) / cfg["val"]
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".bmp"})[:n]
    if not files:
        raise CLIError(f"yolo-dsconv erf: no images under {path}")
    imgs = [cv2.resize(cv2.imread(str(f))[:, :, ::-1], (imgsz, imgsz)) for f in files]
    return torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255


def run(argv: list[str]) -> int:
    """Compute and draw the ERF(s); print the 50 %/90 % square sides."""
    args = parse_kv("erf", argv, DEFAULTS)
    if not args["model"]:
        raise CLIError("yolo-dsconv erf: model= is required, e.g. model=yolov5n-dsconv.yaml")
    if not isinstance(args["imgsz"], int) or args["imgsz"] < 32 or args["imgsz"] % 32:
        raise CLIError(f"yolo-dsconv erf: imgsz={args['imgsz']!r} is invalid, expected a multiple of 32, ≥ 32")
    from ..analysis import compute_erf, plot_erfs

    specs = [str(args["model"])] + ([str(args["compare"])] if args["compare"] else [])
    images = dataset_images(str(args["data"]), int(args["samples"]), args["imgsz"]) if args["data"] else None
    results = []
    for spec in specs:
        try:
            results.append(compute_erf(load_model(spec), args["imgsz"], args["layer"], int(args["samples"]), images, int(args["seed"]), Path(spec).name))
        except ValueError as e:
            raise CLIError(f"yolo-dsconv erf: {e}") from e
    out = plot_erfs(results, str(args["out"]))
    print(format_table(["model", "layer", "50% square side (px)", "90% square side (px)"],
                       [[r.name, r.layer, r.side50, r.side90] for r in results]))  # fmt: skip
    print(f"written: {out}")
    return 0
