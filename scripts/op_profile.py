"""Where ExpandConv's time goes in ONNX Runtime (yolo_dsconv/profile/onnx_ops.py, which says how): a per-operator
profile of stock and dsconv, by kind of operator, written to --out (.json and .md).

Usage: python scripts/op_profile.py [--models yolov5n,yolov8n] [--sizes 320,640] [--runs 100]
       [--out docs/results/op_profile]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
from yolo_dsconv.profile.onnx_ops import run_profile

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="yolov5n,yolov8n")
    ap.add_argument("--sizes", default="320,640")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "results" / "op_profile")
    a = ap.parse_args(argv)
    run_profile(tuple(a.models.split(",")), tuple(int(s) for s in a.sizes.split(",")), a.runs, a.out)


if __name__ == "__main__":
    main()
