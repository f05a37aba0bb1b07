"""`yolo-dsconv demo`: one seed of stock against its graft (see yolo_dsconv.demo); keys are the parameters of
`run_demo` and the fields of `CompareSettings` it reads (project, data, n_train, n_val, any training argument)."""

from __future__ import annotations

from ..table import format_table
from .args import check_positive_ints, defaults_of
from .compare import parse_settings

UNUSED = (
    "base",
    "variants",
    "seeds",
    "metric",
    "level",
    "margin",
    "max_seeds",
    "tol",
    "jobs",
    "backend",
    "address",
    "threads",
    "shapes",
    "init",
    "sizes",
)  # fmt: skip  (CompareSettings fields the demo does not read)


def run(argv: list[str]) -> int:
    """Train the models and print the comparison table."""
    from ..demo import run_demo

    settings, args = parse_settings("demo", argv, defaults_of(run_demo, exclude=("settings",)), UNUSED, "demo_runs")
    check_positive_ints("demo", {**settings.train, "n_train": settings.n_train}, ("epochs", "batch", "nbs"))
    models = args.pop("models")
    if isinstance(models, str):
        models = tuple(m for m in models.split(",") if m)
    project = settings.project
    results = run_demo(settings, models=models, **args)
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
    what = f"task={args['task']}, imgsz={settings.imgsz}"
    print(f"\nyolo-dsconv demo: built-in shapes dataset, {what}, identical settings (runs in {project})")
    print(format_table(["model", "params", "GFLOPs@640", "epochs", "train s", "mAP50", "mAP50-95"], rows))
    return 0
