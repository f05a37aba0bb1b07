"""`yolo-dsconv info model=...`: layer table and cost table against the stock model."""

from __future__ import annotations

from .args import CLIError, parse_kv
from .table import format_table

DEFAULTS = {"model": "yolov5s-dsconv.yaml", "imgsz": 640, "stock": None}


def run(argv: list[str]) -> int:
    """Print the layer table of `model` and its parameters/GFLOPs beside the stock counterpart's."""
    args = parse_kv("info", argv, DEFAULTS)
    if not isinstance(args["imgsz"], int) or args["imgsz"] < 32 or args["imgsz"] % 32:
        raise CLIError(f"yolo-dsconv info: imgsz={args['imgsz']!r} is invalid, expected a multiple of 32, ≥ 32")
    from ultralytics.nn.tasks import DetectionModel

    from ..profile.info import describe_expandconv, model_costs, stock_counterpart

    model_path = str(args["model"])  # shipped YAMLs resolve by bare name (yolo_dsconv.paths.install_yaml_lookup)
    model = DetectionModel(model_path, verbose=True).eval()
    stock = args["stock"] or stock_counterpart(model_path)
    entries = [(str(args["model"]), model)]
    if stock:
        entries.insert(0, (stock, DetectionModel(stock, verbose=False).eval()))
    imgsz = args["imgsz"]
    costs = [(name, model_costs(m, imgsz)) for name, m in entries]
    base = costs[0][1]
    rows = [
        [name, f"{c['params']:,}", f"{c['params'] / base['params']:.3f}", f"{c['gflops']:.2f}", f"{c['gflops'] / base['gflops']:.3f}"]
        for name, c in costs
    ]
    print(f"\nCost at imgsz={imgsz} (GFLOPs counted at the real input size, tap pruning accounted for)")
    print(format_table(["model", "params", "x params", f"GFLOPs@{imgsz}", "x GFLOPs"], rows))
    layers = describe_expandconv(model)
    if layers:
        print("\nExpandConv layers (rf: receptive-field side of each branch, in P5 pixels)")
        print(
            format_table(
                ["layer", "from", "c1", "c_", "c2", "k", "d", "dense", "rf", "params"],
                [[r[k] for k in ("layer", "from", "c1", "c_", "c2", "k", "d", "dense", "rf")] + [f"{r['params']:,}"] for r in layers],
            )
        )
    else:
        print(f"\n{model_path} has no ExpandConv layer")
    return 0
