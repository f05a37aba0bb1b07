"""Interpreter start-up hook of yolo-dsconv, run from `yolo_dsconv.pth` in site-packages.

It costs one tiny import at start-up and nothing else: it registers a meta-path finder that waits for
`ultralytics.nn.tasks` to be imported and then imports `yolo_dsconv`, which registers ExpandConv with the model
parser. So the plain `yolo` command, DDP workers and any script building a dsconv YAML work without an import.
Set YOLO_DSCONV_HOOK=0 to switch it off. Never raises: a broken plugin must not stop any program from starting.
"""

import sys

_TARGET = "ultralytics.nn.tasks"
_PLUGIN = "yolo_dsconv"


def _register() -> None:
    # A plugin already in sys.modules is either done or mid-import (its own import of Ultralytics got us here);
    # in both cases it registers at the end of its own import.
    if _PLUGIN in sys.modules:
        return
    try:
        __import__(_PLUGIN)
    except Exception as e:  # the plugin is broken or Ultralytics unsupported: warn, leave Ultralytics working
        import warnings

        # warn_explicit with a module name for a file: one line (no source line), still filterable as a warning
        message = f"ExpandConv not registered: {type(e).__name__}: {e}".replace("\n", " ")
        warnings.warn_explicit(message, RuntimeWarning, "yolo-dsconv", 0)


class _TasksFinder:
    """Meta-path finder that wraps the loader of `ultralytics.nn.tasks` to register the plugin after it executes."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
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

        def exec_and_register(module):
            exec_module(module)
            uninstall()
            _register()

        loader.exec_module = exec_and_register
        return spec


_finder = _TasksFinder()


def uninstall() -> None:
    """Remove the finder (it is one-shot)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def install() -> None:
    """Register the plugin now if Ultralytics' parser is already imported, else when it is."""
    try:
        if _TARGET in sys.modules:
            _register()
        elif _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
    except Exception:
        pass
