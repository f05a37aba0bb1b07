"""Entry point of `yolo-dsconv`."""

from __future__ import annotations

import sys

from .args import CLIError

USAGE = """usage: yolo-dsconv COMMAND [key=value ...]

commands of yolo-dsconv:
  info      layer table and cost table against the stock model   model=yolov5s-dsconv.yaml imgsz=640
  graft     insert ExpandConv after SPPF in any Ultralytics YAML, renumbering every index   model=yolov8s.yaml
  erf       effective receptive field at P5 as a PNG heatmap, 50 %/90 % square sides   model=... compare=...
  demo      train stock yolov5n and yolov5n-dsconv on the built-in shapes dataset and compare
  dataset   write the built-in shapes dataset                       out=DIR
  bench     module / training-step / whole-model / start-up timings, side by side   device=cpu threads=2
  version   print versions

Ultralytics modes, run as `yolo MODE ...` with the plugin registered (for setups where the start-up hook is off):
  train | val | predict | export | track | benchmark
"""

PASSTHROUGH = ("train", "val", "predict", "export", "track", "benchmark")


def _commands() -> dict:
    from . import bench, dataset, demo, erf, graft, info

    return {"info": info.run, "demo": demo.run, "graft": graft.run, "erf": erf.run, "dataset": dataset.run, "bench": bench.run}


def main(argv: list[str] | None = None) -> int:
    """Run `yolo-dsconv`; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command in PASSTHROUGH:
            from .passthrough import run as passthrough

            return passthrough(command, rest)
        if command == "version":
            from .. import SUPPORTED_ULTRALYTICS, __version__
            from ..compat import ultralytics_version

            print(f"yolo-dsconv {__version__}, ultralytics {ultralytics_version()} (supported {SUPPORTED_ULTRALYTICS})")
            return 0
        commands = _commands()
        if command not in commands:
            valid = ", ".join([*commands, "version", *PASSTHROUGH])
            raise CLIError(f"yolo-dsconv: unknown command {command!r}; valid commands: {valid}")
        import yolo_dsconv  # noqa: F401  (registers the modules)

        return commands[command](rest)
    except CLIError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
