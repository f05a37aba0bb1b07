"""Every change yolo-dsconv makes to Ultralytics and to torch, in one place.

Nothing else in the package assigns to an Ultralytics attribute (a test scans the package for it). The changes, what
they are for, and since when the Ultralytics object they rely on has that form (`docs/design.md` gives the
background):

1. `ultralytics.nn.tasks.parse_model`, and its alias `ultralytics.nn.parse_model`: recompiled from its own source
   with `*_yolo_dsconv_base_modules` appended to the one container that holds `Conv`, and preceded by a check of
   the rows that name a registered module. Why: Conv-like channel handling (c1 inferred, c2 width-scaled) is given
   only to that container's members, a literal built inside the function. Present once in every release from
   8.0.200 to `compat.NEWEST_TESTED` (a tuple up to 8.1, a set after).
2. `ultralytics.nn.tasks._yolo_dsconv_base_modules`: a new list, the registry the recompiled parser reads. Why: the
   recompiled function looks its names up in the globals of `tasks`.
3. `ultralytics.nn.tasks.<Name>` for each registered module: a new global. Why: the parser resolves a YAML module
   name through the globals of `tasks`.
4. `ultralytics.nn.tasks.check_yaml`: wrapped; when Ultralytics finds nothing, look in the package's `cfg/models`,
   and retry a scaled path unscaled in its own folder. Why: `yolo train model=yolov5s-dsconv.yaml` from any folder,
   and Ultralytics unscales the whole path string.
5. `ultralytics.nn.tasks.BaseModel.load`: wrapped; a checkpoint of the model a grafted YAML came from is renumbered
   across the inserted layers first. Why: pretrained stock weights keep transferring (`dsconv_inserted`).
6. `ultralytics.utils.callbacks.base.default_callbacks["on_pretrain_routine_start"]`: one no-op callback appended.
   Why: from 8.4.150 DDP worker files cloudpickle the trainer's callbacks; unpickling this one imports the plugin.
7. torch's safe globals: the plugin's module classes added. Why: checkpoints load under `ULTRALYTICS_SAFE_LOAD=1`.
8. `ultralytics.nn.tasks.BaseModel.fuse`: wrapped; after it, each `ExpandConv` precomputes its merged eager CPU
   form (`ExpandConv.merge`). Why: it needs the folded BatchNorms, and `fuse()` is where Ultralytics folds them
   (predict, val and export all call it).
12. `ultralytics.nn.tasks.torch_safe_load`: wrapped; a local `.pt` is sorted by the globals its pickle names before
   anything unpickles it (`checkpoints.checkpoint_kind`): one that names a global able to run code is refused, a
   classic YOLOv5 checkpoint is read by the restricted reader and converted (`checkpoints.classic_checkpoint`),
   and every other file goes to Ultralytics' own loader unchanged. Why: `pretrained=`, `YOLO(...).load()` and
   `load_checkpoint` all read through this one function, and Ultralytics' own load is an unrestricted unpickle
   that cannot read classic files (and first renames `yolov5n.pt` to `yolov5nu.pt` to download it).

Classic YOLOv5 (the `yolov5` package's `yolov5.models.yolo`, or a cloned repo's `models.yolo`), by
`apply_classic_patches(module)`, each change made to that module object:

9. `<yolo>.parse_model`, `<yolo>._yolo_dsconv_base_modules` and `<yolo>.<Name>`: as 1 to 3. Why: the classic parser
   resolves names with `eval(m)` in its module's globals and gives Conv-like channel handling
   (`make_divisible(c2 * gw, 8)`) to the members of one set literal. Checked on `yolov5` 6.0.7 to 7.0.14.
10. `<yolo>.BaseModel.fuse` (`Model.fuse` before 6.2): wrapped; the BatchNorms inside the plugin's modules are
    folded first, and the merged form of 8 made after. Why: the classic `fuse` only folds its own `Conv`/`DWConv`.
11. `check_file` of the module `<yolo>.check_yaml` comes from (`yolov5.utils.general`): wrapped; a file it does not
    find is looked up among the shipped classic YAMLs (`yolo_dsconv/cfg/classic`). Why: `yolov5 train --cfg
    yolov5s-dsconv.yaml` from any folder.

Outside the package, the start-up hook `_yolo_dsconv_hook.py` wraps the loader of `ultralytics.nn.tasks` for one
import and then removes itself; it changes nothing in Ultralytics.

`registry.install()` applies all of it once per process (idempotent, thread-safe) through `apply_patches` and
`add_module_name`; `uninstall()` restores every original object, so a process can return to stock Ultralytics (the
tests check identities). This module imports nothing of the plugin above it: the registry calls down into it.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import torch

from .compat import (
    SUPPORTED_ULTRALYTICS,
    UnsupportedUltralyticsError,
    check_ultralytics,
    ultralytics_version,
    warn_if_untested,
)

__all__ = (
    "REGISTRY",
    "add_module_name",
    "add_safe_globals",
    "apply_classic_patches",
    "apply_patches",
    "installed",
    "recompiled_parse_model",
    "remove_module_name",
    "same_class",
    "tasks_module",
    "uninstall",
    "wrap_once",
)

REGISTRY = "_yolo_dsconv_base_modules"
MARKER = "_yolo_dsconv_patched"
_ABSENT = object()
lock = threading.RLock()
_originals: list[tuple[Any, str, Any]] = []  # (owner, attribute, original or _ABSENT), in the order applied
_callbacks: list[tuple[list, Callable]] = []
_safe_globals: list[type] = []
_classic: list[Any] = []  # classic YOLOv5 `models.yolo` modules patched in this process


def tasks_module() -> ModuleType:
    """`ultralytics.nn.tasks`, imported on first use (the module every patch of the parser targets)."""
    from ultralytics.nn import tasks

    return tasks


def _remember(owner: Any, attr: str) -> None:
    if not any(o is owner and a == attr for o, a, _ in _originals):
        _originals.append((owner, attr, owner.__dict__.get(attr, _ABSENT)))


def wrap_once(owner: Any, attr: str, make: Callable[[Callable], Callable]) -> Callable:
    """Replace `owner.attr` by `make(original)` unless it already carries this plugin's marker; return the current one.

    The replacement gets the marker, and `__wrapped__ = original` unless `make` set it; `uninstall()` puts the
    original back.
    """
    with lock:
        current = getattr(owner, attr)
        if getattr(current, MARKER, False):
            return current
        replacement = make(current)
        if not hasattr(replacement, "__wrapped__"):
            replacement.__wrapped__ = current
        setattr(replacement, MARKER, True)
        _remember(owner, attr)
        setattr(owner, attr, replacement)
        return replacement


def _parsers() -> list[Any]:
    """The modules whose parser carries the patch: `ultralytics.nn.tasks`, then any classic `models.yolo`."""
    return [tasks_module(), *_classic]


def _add_name(parser: Any, name: str, cls: type) -> None:
    _remember(parser, name)
    registry = parser.__dict__[REGISTRY]
    registry[:] = [r for r in registry if not same_class(r, cls)] + [cls]
    setattr(parser, name, cls)


def add_module_name(name: str, cls: type) -> None:
    """Make `cls` the global `name` and a registry member of every patched parser (patches 2, 3 and 8)."""
    with lock:
        for parser in _parsers():
            _add_name(parser, name, cls)
        add_safe_globals([cls])


def remove_module_name(name: str) -> type:
    """Undo `add_module_name(name, ...)`; returns the class that was removed."""
    with lock:
        cls = tasks_module().__dict__[name]
        for parser in _parsers():
            if parser.__dict__.get(name) is cls:
                parser.__dict__[REGISTRY].remove(cls)
                delattr(parser, name)
                _originals[:] = [(o, a, v) for o, a, v in _originals if not (o is parser and a == name)]
        return cls


def add_safe_globals(classes: list[type]) -> None:
    """Allow-list `classes` for `torch.load(weights_only=True)` (patch 7)."""
    from torch.serialization import get_safe_globals

    present = set(map(id, get_safe_globals()))
    new = [c for c in classes if id(c) not in present]
    _safe_globals.extend(new)
    torch.serialization.add_safe_globals(new)


def same_class(a: type, b: type) -> bool:
    """Same class, or the same definition imported again (a reload, or the package reached by another path)."""
    return a is b or (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def _fail(reason: str, parser: str = "") -> UnsupportedUltralyticsError:
    what = parser or f"ultralytics {ultralytics_version()} (supported: ultralytics{SUPPORTED_ULTRALYTICS})"
    return UnsupportedUltralyticsError(f"yolo-dsconv cannot extend the model parser of {what}: {reason}")


def recompiled_parse_model(original: Callable, parser: str = "") -> Callable:
    """`original` (tasks.parse_model) recompiled with `*REGISTRY` appended to the container holding `Conv` (patch 1).

    Line numbers and the file name stay those of `tasks.py`, so tracebacks point into Ultralytics' source.

    Raises:
        UnsupportedUltralyticsError: the source is unreadable, or it is not one plain function with exactly one
            container literal naming `Conv`.
    """
    try:
        source = inspect.getsource(original)
        filename = inspect.getsourcefile(original)
    except (OSError, TypeError) as e:
        raise _fail(
            f"the source of parse_model is not readable ({e}); was it replaced by another plugin?", parser
        ) from e
    tree = ast.parse(textwrap.dedent(source))
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef) or tree.body[0].decorator_list:
        raise _fail("parse_model is no longer a plain function", parser)
    containers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Set, ast.Tuple, ast.List))
        and any(isinstance(e, ast.Name) and e.id == "Conv" for e in node.elts)
    ]
    if len(containers) != 1:
        raise _fail(f"expected exactly one container of Conv-like modules, found {len(containers)}", parser)
    containers[0].elts.append(ast.Starred(ast.Name(REGISTRY, ast.Load()), ast.Load()))
    ast.fix_missing_locations(tree)
    ast.increment_lineno(tree, original.__code__.co_firstlineno - 1)
    namespace: dict = {}
    exec(compile(tree, filename, "exec"), original.__globals__, namespace)
    return namespace[original.__name__]


def _parse_model_patch(original: Callable, check_rows: Callable[[dict], None], parser: str = "") -> Callable:
    recompiled = recompiled_parse_model(original, parser)
    recompiled.__wrapped__ = original

    @functools.wraps(original)
    def parse_model(d: dict, *args: Any, **kwargs: Any) -> Any:
        check_rows(d)
        return recompiled(d, *args, **kwargs)

    parse_model.__wrapped__ = recompiled  # the chain parse_model -> recompiled -> original, as in a traceback
    return parse_model


def _check_yaml_patch(original: Callable) -> Callable:
    from .paths import shipped_fallback

    @functools.wraps(original)
    def check_yaml(file: str | Path, *args: Any, **kwargs: Any) -> str:
        try:
            found, error = original(file, *args, **kwargs), None
        except FileNotFoundError as e:
            found, error = None, e
        found = found or shipped_fallback(str(file))
        if error and not found:
            raise error
        return found

    return check_yaml


def _load_patch(original: Callable) -> Callable:
    from .yaml_tools.transfer import stock_source

    @functools.wraps(original)
    def load(self: torch.nn.Module, weights: Any, verbose: bool = True) -> Any:
        mapped = stock_source(self, weights)
        if mapped is None:
            return original(self, weights, verbose)
        source, inserted, skipped = mapped
        result = original(self, source, verbose)
        if verbose:
            from ultralytics.utils import LOGGER

            LOGGER.info(
                f"yolo-dsconv: stock weights mapped across the inserted layer(s) {inserted}; "
                f"not transferred: the {skipped} tensors of the inserted layer(s)"
            )
        return result

    return load


def _safe_load_patch(original: Callable) -> Callable:
    from .checkpoints import CLASSIC, NotACheckpoint, checkpoint_kind, classic_checkpoint

    @functools.wraps(original)
    def torch_safe_load(weight: Any, *args: Any, **kwargs: Any) -> tuple[dict, str]:
        file = Path(str(weight))
        if not (file.suffix == ".pt" and file.is_file()):
            return original(weight, *args, **kwargs)
        try:
            kind = checkpoint_kind(file)
        except NotACheckpoint:  # Ultralytics' own loader says what is wrong with it
            kind = ""
        if kind != CLASSIC:
            return original(weight, *args, **kwargs)
        ckpt = classic_checkpoint(file)
        from ultralytics.utils import LOGGER

        info = ckpt["classic"]
        LOGGER.info(
            f"yolo-dsconv: {file} is a classic YOLOv5 checkpoint (nc={info['nc']}), read without running its pickle; "
            f"layers 0-{info['layers'] - 1} ({info['tensors']} tensors) converted, the anchor-based head left out"
        )
        return ckpt, str(file)

    return torch_safe_load


def _install_callback() -> None:
    from ultralytics.utils.callbacks.base import default_callbacks

    from .callbacks import EVENT, register_in_ddp_workers

    callbacks = default_callbacks.setdefault(EVENT, [])
    same = (register_in_ddp_workers.__module__, register_in_ddp_workers.__qualname__)
    if not any((getattr(c, "__module__", None), getattr(c, "__qualname__", None)) == same for c in callbacks):
        callbacks.append(register_in_ddp_workers)
        _callbacks.append((callbacks, register_in_ddp_workers))


def installed() -> bool:
    """Whether this process's Ultralytics carries the plugin's parser patch."""
    return getattr(tasks_module().parse_model, MARKER, False)


def apply_patches(check_rows: Callable[[dict], None]) -> None:
    """Apply patches 1, 2, 4 to 6, 8 and 12 once; `register_module` adds 3 and 7 for each class.

    Args:
        check_rows: what the patched parser calls on the model dict before parsing (`registry.check_rows`: clear
            errors for rows naming a registered module); the first call's function stays until `uninstall()`.

    Raises:
        UnsupportedUltralyticsError: Ultralytics is out of range, or its parser cannot be extended.
    """
    with lock:
        tasks = tasks_module()
        if not installed():
            check_ultralytics()
            import ultralytics.nn as unn

            alias = getattr(unn, "parse_model", None) is tasks.parse_model
            if REGISTRY not in tasks.__dict__:
                _remember(tasks, REGISTRY)
                setattr(tasks, REGISTRY, [])
            patched = wrap_once(tasks, "parse_model", lambda original: _parse_model_patch(original, check_rows))
            if alias:
                _remember(unn, "parse_model")
                unn.parse_model = patched
            warn_if_untested()  # only now: the patch applied
        # Per-release differences are detected, not computed from the version: each target is patched if present.
        if callable(getattr(tasks, "check_yaml", None)):
            wrap_once(tasks, "check_yaml", _check_yaml_patch)
        if callable(getattr(tasks.BaseModel, "load", None)):
            wrap_once(tasks.BaseModel, "load", _load_patch)
        if callable(getattr(tasks.BaseModel, "fuse", None)):
            wrap_once(tasks.BaseModel, "fuse", _fuse_patch)
        if callable(getattr(tasks, "torch_safe_load", None)):
            wrap_once(tasks, "torch_safe_load", _safe_load_patch)
        _install_callback()


def _fuse_patch(original: Callable, fold_first: bool = False) -> Callable:
    from .modules.fuse import fuse_conv_bn, merge_branches

    @functools.wraps(original)
    def fuse(self: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        if fold_first:
            fuse_conv_bn(self)  # the plugin's modules hold Ultralytics Convs, which the classic fuse does not know
        result = original(self, *args, **kwargs)
        merge_branches(self)
        return result

    return fuse


def _classic_check_file_patch(original: Callable) -> Callable:
    from .paths import classic_fallback

    @functools.wraps(original)
    def check_file(file: str | Path, *args: Any, **kwargs: Any) -> str:
        try:
            return original(file, *args, **kwargs)
        except AssertionError:  # the classic lookup asserts that it found the file
            found = classic_fallback(str(file))
            if found is None:
                raise
            return found

    return check_file


def apply_classic_patches(yolo: Any, check_rows: Callable[[dict], None]) -> None:
    """Apply patches 9 to 11 to a classic YOLOv5 `models/yolo.py` module object, once, and give its parser every
    module registered so far; `register_module` adds later ones to it too.

    Raises:
        UnsupportedUltralyticsError: the module has no classic parser (`parse_model`, `BaseModel.fuse`,
            `check_yaml`), or its parser cannot be extended.
    """
    name = getattr(yolo, "__name__", repr(yolo))
    model = getattr(yolo, "BaseModel", None) or getattr(yolo, "Model", None)  # 6.0/6.1: `Model` holds fuse()
    missing = [a for a in ("parse_model", "check_yaml") if not hasattr(yolo, a)] + ([] if model else ["BaseModel"])
    if missing:
        raise _fail(f"{name} has no {', '.join(missing)}; expected a classic YOLOv5 models/yolo.py", name)
    with lock:
        if any(m is yolo for m in _classic):
            return
        if REGISTRY not in yolo.__dict__:
            _remember(yolo, REGISTRY)
            setattr(yolo, REGISTRY, [])
        wrap_once(yolo, "parse_model", lambda original: _parse_model_patch(original, check_rows, f"classic {name}"))
        wrap_once(model, "fuse", lambda original: _fuse_patch(original, fold_first=True))
        general = inspect.getmodule(inspect.unwrap(yolo.check_yaml))
        if general is not None and callable(getattr(general, "check_file", None)):
            wrap_once(general, "check_file", _classic_check_file_patch)
        _classic.append(yolo)
        tasks = tasks_module()
        for cls in tasks.__dict__.get(REGISTRY, []):
            _add_name(yolo, next(n for n, c in vars(tasks).items() if c is cls), cls)


def uninstall() -> None:
    """Restore every object `apply_patches()` and `add_module_name()` changed, in reverse order; remove the rest."""
    with lock:
        for owner, attr, original in reversed(_originals):
            if original is _ABSENT:
                if attr in owner.__dict__:
                    delattr(owner, attr)
            else:
                setattr(owner, attr, original)
        _originals.clear()
        _classic.clear()
        for callbacks, callback in _callbacks:
            if callback in callbacks:
                callbacks.remove(callback)
        _callbacks.clear()
        if _safe_globals:
            from torch.serialization import clear_safe_globals, get_safe_globals

            keep = [g for g in get_safe_globals() if not any(g is s for s in _safe_globals)]
            clear_safe_globals()
            torch.serialization.add_safe_globals(keep)
            _safe_globals.clear()
