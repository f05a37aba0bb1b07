"""Graft a registered module into an Ultralytics model YAML right after an anchor layer (SPPF by default).

Inserting layer p = anchor + 1 shifts every later layer by one. For each row after the insertion:
- an absolute `from` index j > anchor becomes j + 1;
- an absolute index equal to the anchor is re-pointed onto the new layer (the anchor's output reached the head
  through it; yolov8's P5 concat reads SPPF directly), and so is, automatically, a relative one;
- a relative index that reaches across the insertion to a layer before the anchor gets one step longer.
The new layer outputs the anchor's channels (`args=[anchor c2]` by default), so every consumer sees the width it
saw before and constraints such as yolo11's C2PSA (c1 == c2) keep holding. The text is edited line by line, so
comments, scales and layout survive; index comments (`# 13`) of shifted rows are renumbered. The graft is recorded
as `dsconv_inserted: [p]`, which lets stock weights transfer across the insertion (see transfer.py).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..checks import is_int
from ..paths import find_model_yaml, scaled_name, unscaled_name
from .indices import map_stock_index
from .transfer import INSERTED_KEY

__all__ = ("GraftError", "GraftResult", "graft", "graft_file", "graft_text", "is_classic", "resolve_model_yaml")


class GraftError(ValueError):
    """A graft that cannot be made; the message names the bad input and what was expected."""


@dataclass
class GraftResult:
    """Outcome of a graft: the new YAML text and dict, where the layer went, and every index change made."""

    text: str
    data: dict
    index: int
    anchor: int
    changes: list[str] = field(default_factory=list)


def resolve_model_yaml(model: str | Path) -> Path:
    """The model YAML `yolo` would use for `model` (see `yolo_dsconv.paths.find_model_yaml`), for a graft.

    Raises:
        GraftError: nothing found; the message names the value.
    """
    try:
        return find_model_yaml(model)
    except FileNotFoundError as e:
        raise GraftError(f"graft: {e}") from e


def _rows(data: dict) -> list:
    rows = (data.get("backbone") or []) + (data.get("head") or [])
    if not rows or not all(isinstance(r, list) and len(r) == 4 for r in rows):
        raise GraftError("graft: the YAML has no backbone/head rows of the form [from, n, module, args]")
    return rows


def _row_lines(lines: list[str], n_rows: int) -> list[tuple[int, int]]:
    """(line, column of the row's opening `[`) of each layer row under backbone: and head:, in order.

    Two layouts, one row per line: Ultralytics' block rows (`- [from, n, module, args]`) and classic YOLOv5's flow
    lists (`[[from, n, module, args],` on the first line, `[from, ...],` after; the list's brackets are counted).
    """
    out, section, depth, flow, split = [], None, 0, None, False
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        top = re.match(r"^(\w[\w-]*)\s*:", code)
        if top:
            section, depth, flow = top.group(1), 0, None
            code = " " * top.end() + code[top.end() :]  # a flow list may open on the key's own line
        if section not in {"backbone", "head"} or not code.strip():
            continue
        if flow is None:  # the section's first character decides: `-` block rows, `[` a classic flow list
            flow = code.strip().startswith("[")
        if not flow:
            block = re.match(r"^\s*-\s*\[", code)
            if block:
                out.append((i, block.end() - 1))
            continue
        for col, ch in enumerate(code):
            if ch == "[":
                depth += 1
                if depth == 2:
                    out.append((i, col))
            elif ch == "]":
                depth -= 1
        split |= depth > 1  # a flow row that goes on past its line
    if split or len(out) != n_rows or len({i for i, _ in out}) != len(out):
        form = "`[from, n, module, args],`" if flow else "`- [from, n, module, args]`"
        raise GraftError(
            f"graft: found {len(out)} one-line layer rows but the YAML has {n_rows} layers; "
            f"expected one {form} row per line"
        )
    return out


def _from_span(line: str, col: int) -> tuple[int, int]:
    """Character span of the `from` field of the row whose opening `[` is at `col`."""
    start = len(line) - len(line[col + 1 :].lstrip(" "))
    end = line.index("]", start) + 1 if line[start] == "[" else line.index(",", start)
    return start, end


def is_classic(data: dict) -> bool:
    """Whether a model dict is in classic YOLOv5's format (anchors, one file per scale: depth/width multiples)."""
    return isinstance(data, dict) and "anchors" in data and "scales" not in data


def _module_name(row: list) -> str:
    return str(row[2])


def graft_text(
    text: str,
    after: str | int = "SPPF",
    module: str = "ExpandConv",
    args: list | None = None,
    stack: bool = False,
    source: str = "",
    init: str = "default",
) -> GraftResult:
    """Graft `module` into the YAML `text` after the anchor layer; see the module docstring.

    Args:
        text: the model YAML.
        after: the anchor: a layer type (e.g. 'SPPF', must occur once) or an absolute layer index.
        module: a module name the parser knows (registered with yolo_dsconv.register_module, or stock).
        args: the new row's args; default [anchor's args[0]] (same output channels as the anchor).
        stack: allow grafting when the YAML already contains `module`.
        source: name of the input, for the header comment.
        init: "default", or "identity": the new layer starts as the identity (its `init` argument, the arguments
            before it filled with the module's defaults); for modules with an `init` parameter (ExpandConv,
            ControlC2f).

    Raises:
        GraftError: unreadable YAML, no or ambiguous anchor, already grafted, unknown module, bad args or init.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise GraftError(f"graft: {source or 'the input'} is not readable YAML: {e}") from e
    if not isinstance(data, dict):
        raise GraftError(
            f"graft: {source or 'the input'} is not a model YAML (expected a mapping with backbone and head)"
        )
    rows = _rows(data)
    _check_module(module)
    names = [_module_name(r) for r in rows]
    if module in names and not stack:
        raise GraftError(
            f"graft: {source or 'the YAML'} already contains {module} at "
            f"{[i for i, n in enumerate(names) if n == module]}; pass stack=True to add another"
        )
    if not (is_int(after) or isinstance(after, str)):
        raise GraftError(f"graft: after={after!r} is invalid, expected a layer type name or an index")
    if isinstance(after, int) or str(after).lstrip("-").isdigit():
        a = int(after)
        if not 0 <= a < len(rows) - 1:
            raise GraftError(
                f"graft: after={after} is out of range, expected 0..{len(rows) - 2} (the last layer is the head)"
            )
    else:
        hits = [i for i, n in enumerate(names) if n == after]
        if not hits:
            raise GraftError(
                f"graft: no {after} layer in {source or 'the YAML'}; "
                f"layer types there: {', '.join(dict.fromkeys(names))}"
            )
        if len(hits) > 1:
            raise GraftError(f"graft: anchor {after} is ambiguous, it occurs at layers {hits}; pass after=<index>")
        a = hits[0]
    p = a + 1
    if args is None:
        c2 = rows[a][3][0] if rows[a][3] else None
        if not is_int(c2):
            raise GraftError(
                f"graft: cannot infer the channels of anchor {names[a]} (args {rows[a][3]}); pass args=[c2, ...]"
            )
        args = [c2]
    if not isinstance(args, list) or not args:
        raise GraftError(
            f"graft: args={args!r} is invalid, expected a non-empty list starting with the output channels"
        )
    args = _with_init(module, args, init)

    lines = text.splitlines()
    row_lines = _row_lines(lines, len(rows))
    changes = []
    for i in range(p, len(rows)):  # old index i becomes i + 1
        f = rows[i][0]
        new_refs = [_remap_from(j, i, a, p, names, module, changes) for j in (f if isinstance(f, list) else [f])]
        new_f = new_refs if isinstance(f, list) else new_refs[0]
        n, col = row_lines[i]
        line = lines[n]
        if new_f != f:
            s, e = _from_span(line, col)
            line = line[:s] + str(new_f) + line[e:]  # a list of ints prints as YAML flow: [-1, 10]
        line = re.sub(rf"(#\s*){i}\b", rf"\g<1>{i + 1}", line, count=1)  # an index comment like `# 13`
        lines[n] = line
    n, col = row_lines[a]
    note = f"# {p} (yolo-dsconv: inserted after {names[a]} {a})"
    if is_classic(data):
        if lines[n].split("#", 1)[0].rstrip().endswith("]]"):
            raise GraftError(
                f"graft: the {names[a]} row closes its list on its line; put the list's `]` on a line below"
            )
        lines.insert(n + 1, f"{' ' * col}[-1, 1, {module}, {_flow(args)}],  {note}")
    else:
        indent = re.match(r"^(\s*)", lines[n]).group(1)
        lines.insert(n + 1, f"{indent}- [-1, 1, {module}, {_flow(args)}] {note}")

    inserted = [q + 1 if q >= p else q for q in (data.get(INSERTED_KEY) or [])] + [p]
    record = "# yolo-dsconv: indices of grafted layers; stock weights transfer across them"
    lines = [ln for ln in lines if not ln.startswith(f"{INSERTED_KEY}:") and ln != record]  # re-written below
    while lines and not lines[-1].strip():
        lines.pop()
    lines += ["", record, f"{INSERTED_KEY}: {_flow(sorted(inserted))}"]
    header = [
        f"# yolo-dsconv graft of {source or 'a model YAML'}: {module} inserted at {p} after {names[a]} ({a}); "
        f"{len(changes)} index change(s):",
        *(f"#   {c}" for c in changes),
        "# Needs the yolo-dsconv package (pip install yolo-dsconv); "
        + ("classic YOLOv5 format (README, \"Classic YOLOv5\")." if is_classic(data)
           else "a scale letter in the file name selects the scale."),
    ]  # fmt: skip
    new_text = "\n".join(header + lines) + "\n"
    new_data = yaml.safe_load(new_text)
    return GraftResult(new_text, new_data, p, a, changes)


def _remap_from(j: object, i: int, a: int, p: int, names: list[str], module: str, changes: list[str]) -> int:
    """New `from` index of row i (old numbering) for its reference j, after inserting layer p behind anchor a.

    An absolute or relative reference to the anchor lands on the new layer; every other layer keeps its target,
    renumbered by `map_stock_index`. A relative index is the new target minus the row's own new index.
    """
    if not is_int(j):
        raise GraftError(f"graft: layer {i} has a non-integer from index {j!r}")
    target = j if j >= 0 else i + j
    new_target = p if target == a else map_stock_index(target, [p])
    nj = new_target if j >= 0 else new_target - map_stock_index(i, [p])
    row = f"layer {i}->{i + 1} ({names[i]})"
    if j >= 0 and target == a:
        changes.append(f"{row}: from {j} ({names[a]}) re-pointed to {p} ({module})")
    elif nj != j:
        kind = "from" if j >= 0 else "relative from"
        still = "" if j >= 0 else f" (still layer {target}, {names[target]})"
        changes.append(f"{row}: {kind} {j} -> {nj}{still}")
    elif j < 0 and target == a and i != p:
        changes.append(f"{row}: relative from {j} now reads {p} ({module}) instead of {a} ({names[a]})")
    return nj


def _flow(value: object) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return text[: -len("...")].strip() if text.endswith("\n...") else text  # a lone scalar gets a document end


def _dump_model_dict(d: dict) -> str:
    """YAML text of a model dict with one flow-style line per layer row (the form graft_text edits)."""
    lines = []
    for key, value in d.items():
        if key in {"backbone", "head"} and isinstance(value, list):
            lines += [f"{key}:", *(f"  - {_flow(row)}" for row in value)]
        elif isinstance(value, dict):
            lines.append(yaml.safe_dump({key: value}, default_flow_style=None, sort_keys=False).rstrip())
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def _with_init(module: str, args: list, init: str) -> list:
    """`args` with the module's `init` argument set to `init` (the arguments before it filled with its defaults)."""
    from ..modules import INITS

    if init not in INITS:
        raise GraftError(f"graft: init={init!r} is invalid, expected one of {', '.join(INITS)}")
    if init == "default":
        return args
    from ultralytics.nn import tasks

    params = list(inspect.signature(getattr(tasks, module)).parameters.values())[1:]  # after c1: c2, ...
    names = [p.name for p in params]
    if "init" not in names:
        raise GraftError(
            f"graft: init={init} needs a module with an init argument (ExpandConv, ControlC2f), not {module}"
        )
    at = names.index("init")
    if len(args) > at:
        raise GraftError(f"graft: args={args!r} already reach init (argument {at}); give init there or drop init=")
    return [*args, *(_yaml_value(p.default) for p in params[len(args) : at]), init]


def _yaml_value(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _check_module(module: str) -> None:
    from ultralytics.nn import tasks  # ExpandConv, DSConv: registered by the package's __init__, run before this

    if isinstance(module, str) and module.startswith(("nn.", "torchvision.ops.")):
        return  # the parser resolves these itself, as torch.nn.X and torchvision.ops.X
    if not (isinstance(module, str) and module.isidentifier() and isinstance(getattr(tasks, module, None), type)):
        raise GraftError(
            f"graft: module={module!r} is unknown to the Ultralytics parser; "
            "register it with yolo_dsconv.register_module first"
        )


def graft(
    model: str | Path | dict,
    after: str | int = "SPPF",
    module: str = "ExpandConv",
    args: list | None = None,
    stack: bool = False,
    init: str = "default",
) -> dict:
    """Graft `module` into a model YAML (path, stock name or dict) after `after`; returns the new model dict.

    The dict is what `DetectionModel(dict)` or `YOLO` builds from; it carries `dsconv_inserted`. See graft_text.
    """
    if isinstance(model, dict):
        return graft_text(_dump_model_dict(model), after, module, args, stack, "a model dict", init).data
    path = resolve_model_yaml(model)
    return graft_text(path.read_text(), after, module, args, stack, path.name, init).data


def graft_file(
    model: str | Path, out: str | Path | None = None, overwrite: bool = False, check: bool = True, **how: Any
) -> tuple[Path, GraftResult]:
    """Graft into a YAML file and write the result; returns (output path, GraftResult).

    The default output is `<base>-dsconv.yaml` in the working directory (base: the file name without a scale
    letter, so `model=<base><scale>-dsconv.yaml` selects a scale). Never writes over the input, nor over an
    existing file unless `overwrite`. With `check`, the result is built once (first scale) before it is written.
    `how`: graft_text's after, module, args, stack and init.
    """
    unknown = sorted(set(how) - set(GRAFT_KEYS))
    if unknown:
        raise GraftError(f"graft: {unknown[0]}= is not a graft setting, expected one of {', '.join(GRAFT_KEYS)}")
    src = resolve_model_yaml(model)
    classic = is_classic(yaml.safe_load(src.read_text()))
    base = src.stem if classic else unscaled_name(src.stem)  # a classic file is one scale: its name keeps it
    out = Path(out) if out else Path.cwd() / f"{base}-dsconv.yaml"
    if out.resolve() == src.resolve():
        raise GraftError(
            f"graft: out={str(out)!r} is the input file; choose another path (the input is never overwritten)"
        )
    if out.exists() and not overwrite:
        raise GraftError(f"graft: {out} exists; pass overwrite=True or another out=")
    result = graft_text(src.read_text(), **how, source=src.name)
    if check and classic:
        _check_builds_classic(result.data)
    elif check:  # built under the input's name, so Ultralytics reads its scale and task from it, not from out=
        _check_builds(result.text, f"{base}-dsconv.yaml", result.data.get("scales"), _scale_of(Path(str(model)).name))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result.text)
    return out, result


GRAFT_KEYS = ("after", "module", "args", "stack", "init")  # graft_text's settings that graft_file passes on


def _scale_of(name: str) -> str:
    """The scale letter a model name selects ('' for none), as Ultralytics reads it."""
    from ultralytics.nn.tasks import guess_model_scale

    return guess_model_scale(name) or ""


def _check_builds(text: str, name: str, scales: dict | None, scale: str = "") -> None:
    """Build the grafted YAML once, at `scale` (default: its first), as `yolo train model=<name>` would.

    The text goes through Ultralytics' own path, as `yolo`'s entrypoint takes it: `RTDETR(file)` for an rtdetr
    name, else `YOLO(file)`, which picks the model class from the file name (World, YOLOE) and the task (detect,
    segment, pose, obb, ...).
    """
    import tempfile

    from ultralytics import RTDETR, YOLO

    file_name = scaled_name(name, scale if scale in (scales or {}) else next(iter(scales))) if scales else name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file_name
        path.write_text(text)
        try:
            RTDETR(path) if "rtdetr" in path.stem.lower() else YOLO(path)  # quiet by default in every release
        except Exception as e:
            raise GraftError(f"graft: the grafted YAML does not build: {type(e).__name__}: {e}") from e


def _check_builds_classic(data: dict) -> None:
    """Build a classic YOLOv5 model dict once with the `yolov5` package's parser (registered by the start-up hook).

    Raises:
        GraftError: the `yolov5` package is not installed (pass check=False), or the model does not build.
    """
    from copy import deepcopy

    try:
        from yolov5.models.yolo import DetectionModel
    except ImportError as e:
        raise GraftError(
            "graft: a classic YOLOv5 YAML is checked by building it with the yolov5 package, which is not installed "
            f"({e}); pip install yolov5, or pass check=False"
        ) from e
    try:
        DetectionModel(deepcopy(data))
    except Exception as e:
        raise GraftError(f"graft: the grafted YAML does not build: {type(e).__name__}: {e}") from e
