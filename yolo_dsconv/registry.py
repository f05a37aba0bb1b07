"""Registration of custom modules into Ultralytics' YAML model parser: the public `register_module` API.

A registered class is usable by name in a model YAML with the channel handling of `Conv`. How the parser is
extended, and why that way, is in `integration.py` (patch 1) and `docs/design.md`; this module holds what to
register and the checks (`check_rows`, which the patched parser runs), and calls down into `integration` for every
change to Ultralytics.
"""

from __future__ import annotations

import inspect
import keyword

from torch import nn

from . import integration
from .checks import is_int

__all__ = ("MODULE_SINCE", "check_rows", "install", "register_module", "registered_modules", "unregister_module")

# Stock modules that the shipped YAMLs use and older releases lack: the first release that has each.
MODULE_SINCE = {"C3k2": "8.3.0", "C2PSA": "8.3.0"}


def check_rows(d: dict) -> None:
    """Clear errors for YAML rows naming a registered module, before the parser trips over them.

    Raises:
        ValueError: a row names a stock module this Ultralytics release does not have yet (with the release that
            has it), or a row's `from` is not one index, its args are not a list starting with c2, or it has more args
            than the module's signature takes after c1.
    """
    rows = (d.get("backbone") or []) + (d.get("head") or []) if isinstance(d, dict) else []
    modules = registered_modules()
    tasks = integration.tasks_module()
    for i, row in enumerate(rows):
        name = row[2] if isinstance(row, (list, tuple)) and len(row) == 4 else None
        if name in MODULE_SINCE and name not in tasks.__dict__:
            from .compat import ultralytics_version

            raise ValueError(
                f"model YAML layer {i} uses {name}, which ultralytics {ultralytics_version()} does not have: "
                f"{d.get('yaml_file') or 'this YAML'} needs ultralytics>={MODULE_SINCE[name]}"
            )
        if not (isinstance(row, (list, tuple)) and len(row) == 4 and row[2] in modules):
            continue
        f, _, name, args = row
        where = f"model YAML layer {i} ({name})"
        if not is_int(f):
            raise ValueError(
                f"{where}: from={f!r} is invalid, expected one input index (an int): {name} takes a single input"
            )
        if not isinstance(args, list) or not args:
            raise ValueError(f"{where}: args={args!r} is invalid, expected a list [c2, ...]")
        c2 = args[0]
        if not (is_int(c2) or isinstance(c2, str)):
            raise ValueError(f"{where}: args[0]={c2!r} is invalid, expected the output channels c2 (an int)")
        params = list(inspect.signature(modules[name]).parameters)[1:]  # after c1: c2, ...
        if len(args) > len(params):
            raise ValueError(
                f"{where}: args={args!r} has {len(args)} values, expected at most {len(params)}: [{', '.join(params)}]"
            )


def register_module(cls: type[nn.Module], name: str | None = None) -> type[nn.Module]:
    """Make `cls` usable by name in Ultralytics model YAMLs, with the same channel handling as `Conv`.

    In a YAML row `[from, n, Name, [c2, *rest]]` the parser then calls `cls(c1, c2_scaled, *rest)` with c1 inferred
    from the `from` layer and c2_scaled = make_divisible(min(c2, max_channels) * width, 8). Idempotent. Also
    allow-lists `cls` for `ULTRALYTICS_SAFE_LOAD=1` checkpoint loading.

    Args:
        cls: an `nn.Module` subclass whose constructor starts `(c1, c2, ...)`.
        name: the YAML name; defaults to `cls.__name__`.

    Returns:
        `cls`, so this also works as a class decorator.

    Raises:
        TypeError: `cls` is not an `nn.Module` subclass, or its signature does not start `(c1, c2, ...)`.
        ValueError: `name` is not an identifier, or already means another module to the parser.
        UnsupportedUltralyticsError: the installed Ultralytics is out of range or its parser cannot be extended.
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"register_module: {cls!r} is not a torch.nn.Module subclass")
    params = list(inspect.signature(cls).parameters)
    if params[:2] != ["c1", "c2"]:
        raise TypeError(
            f"register_module: {cls.__qualname__}{inspect.signature(cls)} must start with (c1, c2, ...) "
            "to receive Conv-like channel arguments"
        )
    name = cls.__name__ if name is None else name
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"register_module: name={name!r} is invalid, expected a Python identifier")
    with integration.lock:
        integration.apply_patches(check_rows)
        existing = integration.tasks_module().__dict__.get(name)
        ours = isinstance(existing, type) and any(integration.same_class(existing, r) for r in _registry())
        if existing is not None and not (ours and integration.same_class(existing, cls)):
            raise ValueError(
                f"register_module: name {name!r} already means {existing!r} to the Ultralytics parser; "
                "pass another name"
            )
        integration.add_module_name(name, cls)
    return cls


def unregister_module(name: str) -> None:
    """Remove a module registered under `name` (the parser stays patched; stock names are never removed)."""
    with integration.lock:
        if integration.tasks_module().__dict__.get(name) not in _registry():
            raise ValueError(f"unregister_module: {name!r} was not registered by yolo-dsconv")
        integration.remove_module_name(name)


def _registry() -> list:
    return integration.tasks_module().__dict__.get(integration.REGISTRY, [])


def registered_modules() -> dict[str, type[nn.Module]]:
    """Names registered by this plugin in the current process, mapped to their classes."""
    registry = _registry()
    return {n: c for n, c in vars(integration.tasks_module()).items() if isinstance(c, type) and c in registry}


def install() -> None:
    """Apply every change of `integration.py` once and register the plugin's modules (ExpandConv, DSConv, ControlC2f).

    Raises:
        UnsupportedUltralyticsError: Ultralytics is out of range, or its parser cannot be extended.
    """
    from .modules import ControlC2f, DepthwiseConv, DSConv, ExpandConv, TapPrunedConv2d

    with integration.lock:
        integration.apply_patches(check_rows)
        # Classes nested inside a pickled ExpandConv must load under ULTRALYTICS_SAFE_LOAD=1 too.
        integration.add_safe_globals([DepthwiseConv, TapPrunedConv2d])
        register_module(DSConv)
        register_module(ExpandConv)
        register_module(ControlC2f)
