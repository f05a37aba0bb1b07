"""`yolo-dsconv compare`: keys are the fields of `yolo_dsconv.compare.CompareSettings`, plus any Ultralytics train
argument (epochs=, imgsz=, batch=, device=, lr0=, ...)."""

from __future__ import annotations

from typing import Any

from .args import CLIError, check_imgsz, defaults_of, parse_kv


def settings_keys(exclude: tuple[str, ...] = (), project: str = "compare_runs") -> tuple[dict, dict]:
    """The keys of a command that takes `CompareSettings`: its own fields (less `exclude`; `project` the folder's
    default), and the training arguments with their defaults (the built-in protocol over Ultralytics')."""
    from ultralytics.cfg import DEFAULT_CFG_DICT

    from ..compare.settings import RESERVED, TRAIN_DEFAULTS, CompareSettings

    own = {**defaults_of(CompareSettings, exclude=("verbose", "train", *exclude)), "project": project}
    ultralytics = {k: v for k, v in DEFAULT_CFG_DICT.items() if k not in own and k not in RESERVED}
    return own, {**ultralytics, **TRAIN_DEFAULTS}


def parse_settings(
    command: str, argv: list[str], extra: dict[str, Any], exclude: tuple[str, ...] = (), project: str = "compare_runs"
) -> tuple[Any, dict[str, Any]]:
    """`CompareSettings` from `key=value` words, and the values of the command's `extra` keys; raises CLIError."""
    from ..compare.errors import CompareError
    from ..compare.settings import CompareSettings

    own, train_keys = settings_keys(exclude, project)
    args = parse_kv(command, argv, {**own, **extra, **train_keys})
    check_imgsz(command, args["imgsz"])
    rest = {k: args.pop(k) for k in extra}  # before the training keys: demo's task= is its own
    train = {k: args.pop(k) for k in train_keys if k not in extra}  # the settings keep those off Ultralytics' defaults
    if isinstance(args.get("variants"), (list, tuple)):
        args["variants"] = [str(v) for v in args["variants"]]
    try:
        return CompareSettings(**args, train=train), rest
    except CompareError as e:
        raise CLIError(f"yolo-dsconv {e}".replace("yolo-dsconv compare:", f"yolo-dsconv {command}:")) from None


def run(argv: list[str]) -> int:
    """Run the comparison and print its table."""
    from ..compare.comparison import CompareError, compare
    from ..compare.ray_backend import RayError
    from ..compare.worker import RunFailed
    from ..yaml_tools import GraftError

    settings, _ = parse_settings("compare", argv, {})
    try:
        result = compare(settings)
    except (CompareError, GraftError, RayError, RunFailed, FileNotFoundError, FileExistsError) as e:
        raise CLIError(f"yolo-dsconv {e}") from None
    seeds = len({r.seed for r in result.runs})
    print(f"\nyolo-dsconv compare: {settings.base}, {seeds} seed(s), best epoch by {settings.metric}")
    print(result.table)
    print("\n" + "\n".join(f"{kind}: {path}" for kind, path in result.files.items()))
    return 0
