"""`yolo-dsconv graft model=yolov8s.yaml [after=SPPF] [module=ExpandConv] [args=[...]] [out=PATH]`."""

from __future__ import annotations

from .args import CLIError, parse_kv

DEFAULTS = {"model": None, "after": "SPPF", "module": "ExpandConv", "args": None, "out": None, "stack": False, "overwrite": False}


def run(argv: list[str]) -> int:
    """Graft, build-check, write, and report every index change."""
    from ..yaml_tools import GraftError, graft_file

    opts = parse_kv("graft", argv, DEFAULTS)
    if not opts["model"]:
        raise CLIError("yolo-dsconv graft: model= is required, e.g. model=yolov8s.yaml")
    try:
        out, result = graft_file(str(opts["model"]), opts["out"], opts["after"], str(opts["module"]), opts["args"],
                                 bool(opts["stack"]), bool(opts["overwrite"]))  # fmt: skip
    except GraftError as e:
        raise CLIError(str(e)) from e
    print(f"{opts['module']} inserted at layer {result.index} after layer {result.anchor}; {len(result.changes)} index change(s):")
    for c in result.changes:
        print(f"  {c}")
    print(f"written: {out}")
    return 0
