"""A no-op Ultralytics callback whose only job is to carry the plugin into DDP worker processes.

`ultralytics.utils.dist.generate_ddp_file` cloudpickles the trainer's callbacks into the file a fresh
`torch.distributed.run` worker loads. cloudpickle stores an importable module-level function by reference, so
unpickling this one imports `yolo_dsconv`, which registers ExpandConv before the worker rebuilds the model from its
YAML, even with the start-up hook switched off (docs/design.md, "DDP"). integration.py (patch 6) adds it to
Ultralytics' default callbacks.
"""

from __future__ import annotations

__all__ = ("EVENT", "register_in_ddp_workers")

EVENT = "on_pretrain_routine_start"


def register_in_ddp_workers(trainer: object) -> None:
    """No-op: importing this module (on unpickling) is what registers the plugin."""
