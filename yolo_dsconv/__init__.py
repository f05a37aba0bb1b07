"""yolo-dsconv: a dilated depthwise-separable neck module (ExpandConv) for Ultralytics YOLO model YAMLs.

Importing the package registers `ExpandConv` and `DSConv` with Ultralytics' YAML parser.
"""

from ._version import __version__
from .compat import check_ultralytics as _check_ultralytics

_check_ultralytics()  # first: an unsupported release gets this clear refusal, not an import error from below

from .compat import SUPPORTED_ULTRALYTICS, UnsupportedUltralyticsError, check_ultralytics
from .modules import ControlC2f, DepthwiseConv, DSConv, ExpandConv, TapPrunedConv2d, set_pruning
from .paths import model_yaml, shipped_model_yamls
from .registry import install as _install
from .registry import register_module, registered_modules, unregister_module
from .yaml_tools import GraftError, graft, graft_file

__all__ = (
    "SUPPORTED_ULTRALYTICS",
    "ControlC2f",
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


# Last, so an import of `ultralytics.nn.tasks` triggered above (which fires the start-up hook) finds us mid-import
# and leaves registration to this line.
_install()
