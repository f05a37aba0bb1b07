"""Export one model to one format and print where the result went (`ARTIFACT <path>`).

python -m yolo_dsconv.deploy.programs.export '{"pt": ".../model.pt", "format": "onnx", "imgsz": 320}'
"""

from __future__ import annotations

import json
import sys


def main(args: dict) -> None:
    """`yolo export` of `pt` at `imgsz` on the CPU."""
    from ultralytics import YOLO

    import yolo_dsconv  # noqa: F401  (registers the modules)

    print("ARTIFACT", YOLO(args["pt"]).export(format=args["format"], imgsz=args["imgsz"], device="cpu"))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
