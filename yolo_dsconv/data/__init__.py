"""Built-in data: a synthetic shapes detection dataset in YOLO format, generated with OpenCV."""

from .shapes import SHAPE_CLASSES, generate_shapes_dataset

__all__ = ("SHAPE_CLASSES", "generate_shapes_dataset")
