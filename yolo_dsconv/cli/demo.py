"""`yolo-dsconv demo`: the README's main command (see yolo_dsconv.demo)."""

from __future__ import annotations

from pathlib import Path

from .args import CLIError, parse_kv
from .table import format_table

DEFAULTS = {
    "project": "demo_runs", "data": None, "epochs": 30, "imgsz": 128, "batch": 8, "nbs": 8, "workers": 0,
    "device": "cpu", "seed": 0, "n_train": 96, "n_val": 32, "models": "yolov5n.yaml,yolov5n-dsconv.yaml",
}  # fmt: skip


def run(argv: list[str]) -> int:
    """Train both models and print the comparison table."""
    from ..demo import run_demo

    args = parse_kv("demo", argv, DEFAULTS)
    for key in ("epochs", "imgsz", "batch", "nbs", "n_train", "n_val"):
        if isinstance(args[key], bool) or not isinstance(args[key], int) or args[key] < 1:
            raise CLIError(f"yolo-dsconv demo: {key}={args[key]!r} is invalid, expected a positive integer")
    models = tuple(m for m in str(args.pop("models")).split(",") if m)
    project = Path(str(args.pop("project"))).resolve()
    results = run_demo(project, models=models, **args)
    rows = [
        [r.model, f"{r.params:,}", f"{r.gflops:.2f}", r.epochs, f"{r.train_s:.0f}", f"{r.map50:.3f}", f"{r.map50_95:.3f}"]
        for r in results
    ]
    print(f"\nyolo-dsconv demo: built-in shapes dataset, imgsz={args['imgsz']}, identical settings (runs in {project})")
    print(format_table(["model", "params", "GFLOPs@640", "epochs", "train s", "mAP50", "mAP50-95"], rows))
    return 0
