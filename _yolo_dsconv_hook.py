"""Interpreter start-up hook of yolo-dsconv, run from `yolo_dsconv.pth` in site-packages.

It costs one tiny import at start-up and nothing else: it registers a meta-path finder that waits for
`ultralytics.nn.tasks` to be imported and then imports `yolo_dsconv`, which registers ExpandConv with the model
parser. So the plain `yolo` command, DDP workers and any script building a dsconv YAML work without an import.
It waits for classic YOLOv5's parser module (`yolov5.models.yolo`, the `yolov5` package) the same way and
registers the plugin there (`yolo_dsconv.classic.register`).
Set YOLO_DSCONV_HOOK=0 to switch it off. Never raises: a broken plugin must not stop any program from starting.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

_TARGET = "ultralytics.nn.tasks"
_CLASSIC = "yolov5.models.yolo"  # yolo_dsconv.classic.TARGET
_PLUGIN = "yolo_dsconv"


def _register() -> None:
    # A plugin already in sys.modules is either done or mid-import (its own import of Ultralytics got us here);
    # in both cases it registers at the end of its own import.
    if _PLUGIN in sys.modules:
        return
    try:
        __import__(_PLUGIN)
    except Exception as e:  # the plugin is broken or Ultralytics unsupported: warn, leave Ultralytics working
        _warn(e)  # warn_explicit with a module name for a file: one line (no source line), still a warning


def _warn(e: Exception) -> None:
    import warnings

    message = f"ExpandConv not registered: {type(e).__name__}: {e}".replace("\n", " ")
    warnings.warn_explicit(message, RuntimeWarning, "yolo-dsconv", 0)


def _register_classic(module: ModuleType) -> None:
    _register()
    try:
        from yolo_dsconv.classic import register

        register(module)
    except Exception as e:  # as above: classic YOLOv5 keeps working without the plugin
        _warn(e)


def _registrar(name: str) -> Callable[[ModuleType], None] | None:
    return {_TARGET: lambda module: _register(), _CLASSIC: _register_classic}.get(name)


class _TasksFinder:
    """Meta-path finder that wraps the loader of `ultralytics.nn.tasks` (and of `yolov5.models.yolo`) to register
    the plugin after it executes; it removes itself once both were seen."""

    def __init__(self) -> None:
        self.pending = {_TARGET, _CLASSIC}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.pending:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_register(module: ModuleType) -> None:
            exec_module(module)
            self.pending.discard(fullname)
            if not self.pending:
                uninstall()
            _registrar(fullname)(module)

        loader.exec_module = exec_and_register
        return spec


_finder = _TasksFinder()


def uninstall() -> None:
    """Remove the finder (it is one-shot per target)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def install() -> None:
    """Register the plugin now with each parser already imported, and with the others when they are."""
    try:
        for name in sorted(_finder.pending):  # ultralytics first: the classic registration imports the plugin anyway
            if name in sys.modules:
                _finder.pending.discard(name)
                _registrar(name)(sys.modules[name])
        if _finder.pending and _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
    except Exception:
        pass
