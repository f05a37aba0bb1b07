"""The export matrix (yolo_dsconv/deploy/matrix.py): every `yolo export` format whose toolchain pip installs here, for
stock and dsconv models, with parity against PyTorch and latency side by side in each runtime.

Runs in its own environment (`make exports`: setup.cfg's `exports` extra in `.cache/exports`), so TensorFlow,
PaddlePaddle, MNN and ExecuTorch never enter the dev venv. Resumable: exports and measurements already in --work are
reused.

Usage: python scripts/export_matrix.py [--work .cache/export_matrix] [--out docs/results/export_matrix]
       [--sizes 320,640] [--families yolov5n,yolov8n] [--formats onnx,openvino] [--no-latency]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from yolo_dsconv.deploy.formats import FORMATS
from yolo_dsconv.deploy.matrix import MatrixOptions, run_matrix

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=REPO / ".cache" / "export_matrix")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "results" / "export_matrix")
    ap.add_argument("--sizes", default="320,640")
    ap.add_argument("--families", default="yolov5n,yolov8n")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--no-latency", dest="latency", action="store_false")
    a = ap.parse_args(argv)
    sizes = tuple(int(s) for s in a.sizes.split(","))
    run_matrix(MatrixOptions(a.work, a.out, sizes, tuple(a.families.split(",")), tuple(a.formats.split(",")),
                             a.rounds, a.latency))  # fmt: skip


if __name__ == "__main__":
    main()
