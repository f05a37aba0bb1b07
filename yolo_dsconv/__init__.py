"""yolo-dsconv: a dilated depthwise-separable neck module (ExpandConv) for Ultralytics YOLO model YAMLs.

Importing the package registers `ExpandConv` and `DSConv` with Ultralytics' YAML parser.
"""

from ._version import __version__
from .compat import check_ultralytics as _check_ultralytics

_check_ultralytics()  # first: an unsupported release gets this clear refusal, not an import error from below

from .callbacks import install_ddp_callback
from .compat import SUPPORTED_ULTRALYTICS, UnsupportedUltralyticsError, check_ultralytics
from .modules import DepthwiseConv, DSConv, ExpandConv, TapPrunedConv2d, set_pruning
from .paths import install_yaml_lookup, model_yaml, shipped_model_yamls
from .registry import register_module, registered_modules, unregister_module
from .yaml_tools import GraftError, graft, graft_file
from .yaml_tools.transfer import install_transfer

__all__ = (
    "SUPPORTED_ULTRALYTICS",
    "DSConv",
    "DepthwiseConv",
    "ExpandConv",
    "GraftError",
    "TapPrunedConv2d",
    "UnsupportedUltralyticsError",
    "__version__",
    "check_ultralytics",
    "graft",
    "graft_file",
    "model_yaml",
    "register_module",
    "registered_modules",
    "set_pruning",
    "shipped_model_yamls",
    "unregister_module",
)


def _register_builtins() -> None:
    import torch

    # Classes nested inside a pickled ExpandConv must load under ULTRALYTICS_SAFE_LOAD=1 too.
    torch.serialization.add_safe_globals([DepthwiseConv, TapPrunedConv2d])
    register_module(DSConv)
    register_module(ExpandConv)
    install_ddp_callback()
    install_transfer()
    install_yaml_lookup()


# Last, so an import of `ultralytics.nn.tasks` triggered above (which fires the start-up hook) finds us mid-import
# and leaves registration to this line.
_register_builtins()
