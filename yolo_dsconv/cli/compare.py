"""`yolo-dsconv compare`: keys are the parameters of `yolo_dsconv.compare.compare`, plus any Ultralytics train
argument (epochs=, imgsz=, batch=, device=, lr0=, ...)."""

from __future__ import annotations

from .args import CLIError, check_imgsz, defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Run the comparison and print its table."""
    from ultralytics.cfg import DEFAULT_CFG_DICT

    from ..compare.comparison import RESERVED, TRAIN_DEFAULTS, CompareError, compare
    from ..compare.ray_backend import RayError
    from ..compare.worker import RunFailed
    from ..yaml_tools import GraftError

    own = defaults_of(compare, exclude=("verbose",))
    ultralytics = {k: v for k, v in DEFAULT_CFG_DICT.items() if k not in own and k not in RESERVED}
    train_keys = {**ultralytics, **TRAIN_DEFAULTS}
    args = parse_kv("compare", argv, {**own, **train_keys})
    check_imgsz("compare", args["imgsz"])
    train = {k: args.pop(k) for k in train_keys}  # compare() keeps those that differ from Ultralytics' defaults
    if isinstance(args["variants"], (list, tuple)):
        args["variants"] = [str(v) for v in args["variants"]]
    try:
        result = compare(**args, **train)
    except (CompareError, GraftError, RayError, RunFailed, FileNotFoundError, FileExistsError) as e:
        raise CLIError(f"yolo-dsconv {e}") from None
    seeds = len({r.seed for r in result.runs})
    print(f"\nyolo-dsconv compare: {args['base']}, {seeds} seed(s), best epoch by {args['metric']}")
    print(result.table)
    print("\n" + "\n".join(f"{kind}: {path}" for kind, path in result.files.items()))
    return 0
