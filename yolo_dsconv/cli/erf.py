"""`yolo-dsconv erf model=<yaml or .pt> [imgsz=256] [layer=N] [out=erf.png] [compare=<model>] [samples=200] ...`."""

from __future__ import annotations

from pathlib import Path

from ..table import format_table
from .args import CLIError, check_imgsz, defaults_of, parse_kv


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


def _halves(r) -> list[str]:
    if not r.halves:
        return ["-", "-"]
    return [f"{r.halves[0][k]} / {r.halves[1][k]}" for k in (0, 1)]


def erf(
    model: str,
    imgsz: int = 256,
    layer: int | None = None,
    out: str = "erf.png",
    compare: str | None = None,
    samples: int = 200,
    data: str | None = None,
    seed: int = 0,
) -> int:
    """Compute and draw the ERF of `model` (and `compare`); print the 50 %/90 % square sides."""
    check_imgsz("erf", imgsz)
    from ..analysis import compute_erf, plot_erfs

    specs = [str(model)] + ([str(compare)] if compare else [])
    images = dataset_images(str(data), int(samples), imgsz) if data else None
    results = []
    for spec in specs:
        try:
            built = load_model(spec)
            results.append(compute_erf(built, imgsz, layer, int(samples), images, int(seed), Path(spec).name))
        except ValueError as e:
            raise CLIError(f"yolo-dsconv erf: {e}") from e
    path = plot_erfs(results, str(out))
    header = ["model", "layer", "inputs", "50% side (px)", "90% side (px)", "halves 50%", "halves 90%"]
    rows = [[r.name, r.layer, r.samples, r.side50, r.side90, *_halves(r)] for r in results]
    print(format_table(header, rows))
    print("sides of the centred squares holding 50 % / 90 % of |d centre / d input|; halves: the same from each")
    print("disjoint half of the inputs")
    print(f"written: {path}")
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv erf key=value ...`."""
    return erf(**parse_kv("erf", argv, defaults_of(erf)))
