"""Built-in data: a synthetic shapes dataset in YOLO format for every task, generated with OpenCV."""

from .labels import FLIP_IDX, KEYPOINTS
from .shapes import LEVELS, SHAPE_CLASSES, TASKS, generate_shapes_dataset

__all__ = ("FLIP_IDX", "KEYPOINTS", "LEVELS", "SHAPE_CLASSES", "TASKS", "generate_shapes_dataset")
