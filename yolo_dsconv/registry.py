"""Registration of custom modules into Ultralytics' YAML model parser.

`ultralytics.nn.tasks.parse_model` resolves a YAML module name through the globals of `tasks`, and gives Conv-like
channel handling (c1 from the `from` layer, args[0] width-scaled and capped, passed as c2) only to the members of a
container literal built inside the function on every call. Nothing outside can add to that container, so we
recompile parse_model from its own source with one starred name appended to the container that holds `Conv`:
`{Classify, Conv, ..., *_yolo_dsconv_base_modules}`. That name is a list in the globals of `tasks`; registering a
class appends to it.

Why this way (DESIGN.md §4 lists four that work): setting the name alone gives no channel handling; wrapping
parse_model and standing a `Conv` row in for ours re-implements half the parser around it and breaks as soon as
the row format or the post-processing (`np`, `i`, `f`, `type`) changes; a metaclass whose `__eq__` matches `Conv`
leaks into every `m is Conv` / set lookup. Recompiling yields, by construction, the stock parser plus one container
member: every other branch, the table it prints and stock models are untouched, line numbers in tracebacks still
point into `tasks.py`, and when a release changes the parser beyond recognition the patch fails loudly here
instead of building a wrong model. The patch is applied once per process, under a lock, and recognised by a marker
on the function, so it is idempotent.
"""

from __future__ import annotations

import ast
import functools
import inspect
import keyword
import textwrap
import threading

import torch
from torch import nn

from .compat import SUPPORTED_ULTRALYTICS, UnsupportedUltralyticsError, check_ultralytics, ultralytics_version

__all__ = ("register_module", "registered_modules", "unregister_module")

_REGISTRY = "_yolo_dsconv_base_modules"
_MARKER = "_yolo_dsconv_patched"
_lock = threading.RLock()


def _tasks():
    from ultralytics.nn import tasks

    return tasks


def _fail(reason: str) -> UnsupportedUltralyticsError:
    return UnsupportedUltralyticsError(
        f"yolo-dsconv cannot extend the model parser of ultralytics {ultralytics_version()} "
        f"(supported: ultralytics{SUPPORTED_ULTRALYTICS}): {reason}"
    )


def _patched_parse_model(original):
    """Recompile `original` (tasks.parse_model) with the registry name appended to the container holding `Conv`."""
    try:
        source = inspect.getsource(original)
        filename = inspect.getsourcefile(original)
    except (OSError, TypeError) as e:
        raise _fail(f"the source of parse_model is not readable ({e}); was it replaced by another plugin?") from e
    tree = ast.parse(textwrap.dedent(source))
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef) or tree.body[0].decorator_list:
        raise _fail("parse_model is no longer a plain function")
    containers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Set, ast.Tuple, ast.List))
        and any(isinstance(e, ast.Name) and e.id == "Conv" for e in node.elts)
    ]
    if len(containers) != 1:
        raise _fail(f"expected exactly one container of Conv-like modules, found {len(containers)}")
    containers[0].elts.append(ast.Starred(ast.Name(_REGISTRY, ast.Load()), ast.Load()))
    ast.fix_missing_locations(tree)
    ast.increment_lineno(tree, original.__code__.co_firstlineno - 1)
    namespace: dict = {}
    exec(compile(tree, filename, "exec"), original.__globals__, namespace)
    patched = namespace[original.__name__]
    patched.__wrapped__ = original
    setattr(patched, _MARKER, True)
    return patched


def _check_rows(d: dict) -> None:
    """Clear errors for YAML rows naming a registered module, before the parser trips over them."""
    rows = (d.get("backbone") or []) + (d.get("head") or []) if isinstance(d, dict) else []
    modules = registered_modules()
    for i, row in enumerate(rows):
        if not (isinstance(row, (list, tuple)) and len(row) == 4 and row[2] in modules):
            continue
        f, _, name, args = row
        where = f"model YAML layer {i} ({name})"
        if isinstance(f, bool) or not isinstance(f, int):
            raise ValueError(f"{where}: from={f!r} is invalid, expected one input index (an int): {name} takes a single input")
        if not isinstance(args, list) or not args:
            raise ValueError(f"{where}: args={args!r} is invalid, expected a list [c2, ...]")
        c2 = args[0]
        if isinstance(c2, bool) or not isinstance(c2, (int, str)):
            raise ValueError(f"{where}: args[0]={c2!r} is invalid, expected the output channels c2 (an int)")
        params = list(inspect.signature(modules[name]).parameters)[1:]  # after c1: c2, ...
        if len(args) > len(params):
            raise ValueError(f"{where}: args={args!r} has {len(args)} values, expected at most {len(params)}: [{', '.join(params)}]")


def _with_row_checks(parse_model):
    """parse_model preceded by _check_rows; carries the patch marker."""

    @functools.wraps(parse_model)
    def checked(d, *args, **kwargs):
        _check_rows(d)
        return parse_model(d, *args, **kwargs)

    setattr(checked, _MARKER, True)
    return checked


def _ensure_patched():
    """Patch tasks.parse_model once per process; return the registry list."""
    tasks = _tasks()
    if not getattr(tasks.parse_model, _MARKER, False):
        check_ultralytics()
        patched = _with_row_checks(_patched_parse_model(tasks.parse_model))
        tasks.__dict__.setdefault(_REGISTRY, [])
        import ultralytics.nn as unn

        if getattr(unn, "parse_model", None) is tasks.parse_model:
            unn.parse_model = patched
        tasks.parse_model = patched
    return tasks.__dict__[_REGISTRY]


def _same_class(a: type, b: type) -> bool:
    """Same class, or the same definition imported again (a reload, or the package reached by another path)."""
    return a is b or (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


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
    with _lock:
        registry = _ensure_patched()
        tasks = _tasks()
        existing = tasks.__dict__.get(name)
        if existing is not None and not (
            isinstance(existing, type) and any(_same_class(existing, r) for r in registry) and _same_class(existing, cls)
        ):
            raise ValueError(
                f"register_module: name {name!r} already means {existing!r} to the Ultralytics parser; "
                "pass another name"
            )
        registry[:] = [r for r in registry if not _same_class(r, cls)] + [cls]
        setattr(tasks, name, cls)
        torch.serialization.add_safe_globals([cls])
    return cls


def unregister_module(name: str) -> None:
    """Remove a module registered under `name` (the parser stays patched; stock names are never removed)."""
    with _lock:
        tasks = _tasks()
        registry = tasks.__dict__.get(_REGISTRY, [])
        cls = tasks.__dict__.get(name)
        if cls not in registry:
            raise ValueError(f"unregister_module: {name!r} was not registered by yolo-dsconv")
        registry.remove(cls)
        delattr(tasks, name)


def registered_modules() -> dict[str, type[nn.Module]]:
    """Names registered by this plugin in the current process, mapped to their classes."""
    tasks = _tasks()
    registry = tasks.__dict__.get(_REGISTRY, [])
    return {n: c for n, c in vars(tasks).items() if isinstance(c, type) and c in registry}
