"""`yolo-dsconv dataset out=DIR ...`: write the built-in shapes dataset and print the path of its data.yaml."""

from __future__ import annotations

from .args import defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Generate the dataset (keys: the parameters of `generate_shapes_dataset`); prints the data.yaml path."""
    from ..data import generate_shapes_dataset

    print(generate_shapes_dataset(**parse_kv("dataset", argv, defaults_of(generate_shapes_dataset))))
    return 0
