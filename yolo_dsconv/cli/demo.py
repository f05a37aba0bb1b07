"""`yolo-dsconv demo`: the README's main command (see yolo_dsconv.demo); keys are the parameters of `run_demo`."""

from __future__ import annotations

from pathlib import Path

from ..table import format_table
from .args import check_positive_ints, defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Train the models and print the comparison table."""
    from ..demo import run_demo

    args = parse_kv("demo", argv, defaults_of(run_demo, exclude=("verbose",)))
    check_positive_ints("demo", args, ("epochs", "imgsz", "batch", "nbs", "n_train", "n_val"))
    models = args.pop("models")
    if isinstance(models, str):
        models = tuple(m for m in models.split(",") if m)
    project = Path(str(args.pop("project"))).resolve()
    results = run_demo(project, models=models, **args)
    rows = [
        [
            r.model,
            f"{r.params:,}",
            f"{r.gflops:.2f}",
            r.epochs,
            f"{r.train_s:.0f}",
            f"{r.map50:.3f}",
            f"{r.map50_95:.3f}",
        ]
        for r in results
    ]
    what = f"task={args['task']}, imgsz={args['imgsz']}"
    print(f"\nyolo-dsconv demo: built-in shapes dataset, {what}, identical settings (runs in {project})")
    print(format_table(["model", "params", "GFLOPs@640", "epochs", "train s", "mAP50", "mAP50-95"], rows))
    return 0
