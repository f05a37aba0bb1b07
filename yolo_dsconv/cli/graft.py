"""`yolo-dsconv graft model=yolov8s.yaml [after=SPPF] [module=ExpandConv] [args=[...]] [out=PATH]`."""

from __future__ import annotations

from .args import CLIError, defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Graft, build-check, write, and report every index change (keys: the parameters of `graft_file` and
    `graft_text`)."""
    from ..yaml_tools import GraftError, graft_file, graft_text

    keys = {**defaults_of(graft_file), **defaults_of(graft_text, exclude=("text", "source"))}
    opts = parse_kv("graft", argv, keys)
    try:
        out, result = graft_file(**opts)
    except GraftError as e:
        raise CLIError(str(e)) from e
    print(
        f"{opts['module']} inserted at layer {result.index} after layer {result.anchor}; "
        f"{len(result.changes)} index change(s):"
    )
    for c in result.changes:
        print(f"  {c}")
    print(f"written: {out}")
    return 0
