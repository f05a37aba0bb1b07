"""A no-op Ultralytics callback whose only job is to carry the plugin into DDP worker processes.

`ultralytics.utils.dist.generate_ddp_file` cloudpickles the trainer's callbacks into the file a fresh
`torch.distributed.run` worker loads. cloudpickle stores an importable module-level function by reference, so
unpickling this one imports `yolo_dsconv`, which registers ExpandConv before the worker rebuilds the model from its
YAML, even with the start-up hook switched off (DESIGN.md §5).
"""

from __future__ import annotations

__all__ = ("install_ddp_callback", "register_in_ddp_workers")

EVENT = "on_pretrain_routine_start"


def register_in_ddp_workers(trainer) -> None:
    """No-op: importing this module (on unpickling) is what registers the plugin."""


def install_ddp_callback() -> None:
    """Add `register_in_ddp_workers` to Ultralytics' default callbacks, once."""
    from ultralytics.utils.callbacks.base import default_callbacks

    callbacks = default_callbacks.setdefault(EVENT, [])
    if not any(getattr(c, "__qualname__", None) == register_in_ddp_workers.__qualname__ and getattr(c, "__module__", None) == __name__ for c in callbacks):
        callbacks.append(register_in_ddp_workers)
