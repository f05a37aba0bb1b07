"""The `yolo-dsconv` command: its own subcommands, and Ultralytics' modes passed through with the plugin loaded."""

from .main import main

__all__ = ("main",)
