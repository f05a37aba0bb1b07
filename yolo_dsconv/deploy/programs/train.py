"""Train one model of the matrix briefly on the built-in data, so that its outputs are not trivial.

python -m yolo_dsconv.deploy.programs.train '{"cfg": "yolov5n-dsconv.yaml", "data": ..., "epochs": 10,
    "project": ...}'
"""

from __future__ import annotations

import json
import sys


def main(args: dict) -> None:
    """Train `cfg` on `data` for `epochs` into project/train (320 px, the built-in protocol's optimiser)."""
    from ultralytics import YOLO

    import yolo_dsconv  # noqa: F401  (registers the modules)

    YOLO(args["cfg"]).train(
        data=args["data"], epochs=args["epochs"], imgsz=320, batch=8, nbs=8, optimizer="AdamW", lr0=0.004, workers=0,
        device="cpu", plots=False, seed=0, deterministic=True, project=args["project"], name="train", exist_ok=True,
    )  # fmt: skip


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
