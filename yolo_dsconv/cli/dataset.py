"""`yolo-dsconv dataset out=DIR ...`: write the built-in shapes dataset and print the path of its data.yaml."""

from __future__ import annotations

from .args import defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Generate the dataset (keys: the parameters of `generate_shapes_dataset`); prints the data.yaml path."""
    from ..data import DIFFICULTY, generate_shapes_dataset

    keys = {**defaults_of(generate_shapes_dataset), **DIFFICULTY}
    print(generate_shapes_dataset(**parse_kv("dataset", argv, keys)))
    return 0
