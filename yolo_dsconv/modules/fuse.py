"""BN folding for a standalone module, exactly as Ultralytics' `BaseModel.fuse()` does it for every `Conv`."""

from __future__ import annotations

from torch import nn
from ultralytics.nn.modules.conv import Conv
from ultralytics.utils.torch_utils import fuse_conv_and_bn

__all__ = ("fuse_conv_bn", "merge_branches")


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Fold the BatchNorm of every Ultralytics `Conv` inside `module` into its conv (in place); returns `module`."""
    for m in module.modules():
        if isinstance(m, Conv) and hasattr(m, "bn"):
            m.conv = fuse_conv_and_bn(m.conv, m.bn)
            delattr(m, "bn")
            m.forward = m.forward_fuse
    return module


def merge_branches(module: nn.Module) -> nn.Module:
    """Give every BN-folded `ExpandConv` inside `module` its eager CPU inference form (`ExpandConv.merge`)."""
    from .expand_conv import ExpandConv

    for m in module.modules():
        if isinstance(m, ExpandConv):
            m.merge()
    return module
