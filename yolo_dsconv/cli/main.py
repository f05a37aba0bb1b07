"""Entry point of `yolo-dsconv`."""

from __future__ import annotations

import sys

from .args import CLIError

USAGE = """usage: yolo-dsconv COMMAND [key=value ...]

commands of yolo-dsconv:
  info      layer table, and params/GFLOPs beside the stock model    model=yolov5s-dsconv.yaml imgsz=640
  graft     insert ExpandConv after SPPF in an Ultralytics YAML      model=yolov8s.yaml after=SPPF out=PATH
  erf       effective receptive field at P5: PNG heatmap + numbers   model=... compare=... imgsz=256
            ... of every finished run of a comparison                project=DIR samples=200
  compare   multi-seed comparison: stock, dsconv, sparse, control    base=yolov5n.yaml seeds=3|auto margin=0.01
  sizes     COCO-style AP by object size of a comparison's runs     project=DIR imgsz= device=cpu
  keep      a comparison's records, tables and YAMLs, no weights     project=DIR out=DIR
  report    a comparison read again (verdicts, convergence, seeds)   file=compare.json | project=DIR
            ... of its converged runs alone (a sensitivity reading)  converged_only=True
  demo      train stock yolov5n and yolov5n-dsconv once (any task)   task=detect epochs=30 imgsz=128
  dataset   write the built-in shapes dataset                        out=DIR n_train=96 n_val=32
  bench     module, training-step, whole-model and start-up timings  device=cpu threads=2 parts=...
  version   print versions

Ultralytics modes, run as `yolo MODE ...` with the plugin registered (for when the start-up hook is off):
  train | val | predict | export | track | benchmark, optionally after a task: detect | segment | pose | obb
"""


def _ultralytics_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Ultralytics' own MODES and TASKS (`yolo [TASK] MODE ...`), as the installed release has them."""
    from ultralytics.cfg import MODES, TASKS

    return tuple(MODES), tuple(TASKS)


def _commands() -> dict:
    from . import bench, compare, dataset, demo, erf, graft, info, keep, report, sizes

    return {
        "info": info.run,
        "compare": compare.run,
        "report": report.run,
        "keep": keep.run,
        "sizes": sizes.run,
        "demo": demo.run,
        "graft": graft.run,
        "erf": erf.run,
        "dataset": dataset.run,
        "bench": bench.run,
    }


def main(argv: list[str] | None = None) -> int:
    """Run `yolo-dsconv`; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    try:
        commands = _commands()
        modes, tasks = _ultralytics_words() if command not in commands else ((), ())
        if command in modes or command in tasks:
            from .passthrough import run as passthrough

            return passthrough(command, rest)
        if command == "version":
            from .. import SUPPORTED_ULTRALYTICS, __version__
            from ..compat import ultralytics_version

            print(f"yolo-dsconv {__version__}, ultralytics {ultralytics_version()} (supported {SUPPORTED_ULTRALYTICS})")
            return 0
        if command not in commands:
            valid = ", ".join([*commands, "version", *modes])
            raise CLIError(f"yolo-dsconv: unknown command {command!r}; valid commands: {valid}")
        import yolo_dsconv  # noqa: F401  (registers the modules)

        return commands[command](rest)
    except CLIError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
