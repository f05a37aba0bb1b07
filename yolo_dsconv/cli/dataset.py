"""`yolo-dsconv dataset out=DIR ...`: write the built-in shapes dataset and print the path of its data.yaml."""

from __future__ import annotations

from .args import parse_kv

DEFAULTS = {"out": "shapes", "n_train": 96, "n_val": 32, "imgsz": 128, "max_objects": 3, "seed": 0}


def run(argv: list[str]) -> int:
    """Generate the dataset; prints the data.yaml path."""
    from ..data import generate_shapes_dataset

    args = parse_kv("dataset", argv, DEFAULTS)
    print(generate_shapes_dataset(**args))
    return 0
