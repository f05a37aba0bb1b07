"""Built-in data: a synthetic shapes dataset in YOLO format for every task, generated with OpenCV; and a trainable
copy of a dataset kept on read-only storage."""

from .labels import FLIP_IDX, KEYPOINTS
from .local_copy import local_copy
from .shapes import DIFFICULTY, LEVELS, SHAPE_CLASSES, TASKS, generate_shapes_dataset

__all__ = (
    "DIFFICULTY",
    "FLIP_IDX",
    "KEYPOINTS",
    "LEVELS",
    "SHAPE_CLASSES",
    "TASKS",
    "generate_shapes_dataset",
    "local_copy",
)
