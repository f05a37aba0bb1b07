"""`yolo-dsconv info model=...`: layer table and cost table against the stock model."""

from __future__ import annotations

from ..table import format_table
from .args import CLIError, check_imgsz, defaults_of, parse_kv


def _check_exists(model: str) -> None:
    """CLIError, in one line, for a model YAML or checkpoint that `yolo` would not find."""
    from pathlib import Path

    from ..yaml_tools.graft import GraftError, resolve_model_yaml

    if model.endswith(".pt"):
        if not Path(model).is_file():
            raise CLIError(f"yolo-dsconv info: model={model} is not a file, expected a checkpoint or a model YAML")
        return
    try:
        resolve_model_yaml(model)
    except GraftError as e:
        raise CLIError(f"yolo-dsconv info: {str(e).removeprefix('graft: ')}") from None


def info(model: str = "yolov5s-dsconv.yaml", imgsz: int = 640, stock: str | None = None) -> int:
    """Print the layer table of `model` and its parameters/GFLOPs beside `stock` (default: its stock counterpart)."""
    check_imgsz("info", imgsz)
    from ultralytics import YOLO

    from ..paths import stock_counterpart
    from ..profile.info import describe_expandconv, model_costs

    model = str(model)  # shipped YAMLs resolve by bare name (integration.py, patch 4)
    _check_exists(model)
    built = YOLO(model, verbose=True).model.eval()  # the task's own model class (segment, pose, obb, ...)
    stock = stock or stock_counterpart(model)
    entries = [(model, built)]
    if stock:
        entries.insert(0, (stock, YOLO(stock).model.eval()))
    costs = [(name, model_costs(m, imgsz)) for name, m in entries]
    base = costs[0][1]
    rows = [
        [
            name,
            f"{c['params']:,}",
            f"{c['params'] / base['params']:.3f}",
            f"{c['gflops']:.2f}",
            f"{c['gflops'] / base['gflops']:.3f}",
        ]
        for name, c in costs
    ]
    print(f"\nCost at imgsz={imgsz} (GFLOPs counted at the real input size, tap pruning accounted for)")
    print(format_table(["model", "params", "x params", f"GFLOPs@{imgsz}", "x GFLOPs"], rows))
    layers = describe_expandconv(built)
    if not layers:
        print(f"\n{model} has no ExpandConv layer")
        return 0
    keys = ("layer", "from", "c1", "c_", "c2", "k", "d", "dense", "rf")
    print("\nExpandConv layers (rf: receptive-field side of each branch, in P5 pixels)")
    print(format_table([*keys, "params"], [[r[k] for k in keys] + [f"{r['params']:,}"] for r in layers]))
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv info key=value ...`."""
    return info(**parse_kv("info", argv, defaults_of(info)))
