"""Benchmarks measured side by side in one run: module, training step, whole model, interpreter start-up."""

from .timing import interleaved_medians

__all__ = ("interleaved_medians",)
