"""Checkpoints from elsewhere, read without running their pickles: classic YOLOv5 files in, unsafe files refused.

A `.pt` is a pickle, and a pickle can name any callable (`os.system` included) that an unrestricted `torch.load`
calls. Before anything unpickles a file, `checkpoint_kind` lists the globals its pickle names (`pickletools`, which
runs nothing) and sorts the file:

- "classic": a checkpoint of the classic ultralytics/yolov5 repo (`models.yolo.Model`, `models.common.C3`, ...).
  `read_classic` loads it with torch's restricted unpickler (`weights_only=True`), the classic classes replaced by
  parameter holders (`ClassicModule`), so no classic code is needed and every other global is refused.
  `classic_checkpoint` turns it into an Ultralytics checkpoint: the classic YAML's own backbone, SPPF and neck built
  by Ultralytics' parser (the names and shapes of their tensors are the classic ones), the classic weights loaded
  into them, and the anchor-based head left out, so that a model loading it keeps a fresh head of its own.
- "ultralytics": an Ultralytics checkpoint, loaded by Ultralytics as it always is.
- a file whose pickle names a global from `UNSAFE` is refused with `CheckpointError`, whatever else it holds.
"""

from __future__ import annotations

import copy
import io
import pickletools
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = (
    "CLASSIC",
    "ULTRALYTICS",
    "CheckpointError",
    "ClassicHead",
    "ClassicModule",
    "NotACheckpoint",
    "checkpoint_kind",
    "classic_checkpoint",
    "pickle_globals",
    "read_classic",
)

CLASSIC, ULTRALYTICS = "classic", "ultralytics"
_CLASSIC_ROOTS = ("models.", "yolov5.models.")  # a clone's package, and the `yolov5` pip package's
# The classic repo's module classes a detection checkpoint may pickle (models/common.py, models/yolo.py).
CLASSIC_CLASSES = {
    "yolo": ("Model", "DetectionModel", "Detect"),
    "common": ("Conv", "DWConv", "Focus", "Bottleneck", "BottleneckCSP", "C3", "C3x", "SPP", "SPPF", "Concat"),
}
_TORCH_CLASSES = (
    nn.Conv2d, nn.BatchNorm2d, nn.SiLU, nn.ReLU, nn.LeakyReLU, nn.Hardswish, nn.Identity, nn.Sequential,
    nn.ModuleList, nn.MaxPool2d, nn.Upsample,
)  # fmt: skip
# A screen for Ultralytics-format files, which Ultralytics then loads without restriction: a global from one of these
# modules, a dotted path through one, a callable of these names, or a builtin other than plain containers (and
# `getattr`, which pickles every bound method: Ultralytics' fused models hold some) refuses the file. It catches the
# usual payloads; it is not a sandbox (classic files get the allow-list reader instead).
UNSAFE = ("os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "runpy", "importlib", "pty", "code",
          "ctypes", "webbrowser", "pickle", "marshal", "multiprocessing", "signal")  # fmt: skip
_UNSAFE_NAMES = {"system", "popen", "eval", "exec", "compile", "__import__", "spawn", "execv", "execve", "Popen",
                 "check_output", "getoutput", "load_module"}  # fmt: skip
_SAFE_BUILTINS = {"set", "frozenset", "dict", "list", "tuple", "slice", "complex", "bytearray", "int", "float",
                  "str", "bool", "range", "getattr"}  # fmt: skip


class CheckpointError(TypeError):
    """A checkpoint that cannot or must not be loaded; the message is one line naming the file and why."""


class NotACheckpoint(CheckpointError):
    """The file is missing, or is no torch checkpoint at all (not a zip with a pickle, nor the legacy format)."""


class ClassicModule(nn.Module):
    """What a classic YOLOv5 class is unpickled as: its parameters, buffers, submodules and attributes, no code."""


class ClassicHead(nn.Module):
    """Stands for the classic anchor-based Detect in a converted model: no tensors, so nothing of it transfers."""

    def __init__(self, head: nn.Module, file: str) -> None:
        super().__init__()
        self.f, self.i, self.type, self.np = head.f, head.i, "ClassicHead", 0
        self.stride, self.nc, self.file = head.stride, head.nc, file

    def forward(self, x: Any) -> Any:
        raise CheckpointError(
            f"{self.file} is a classic YOLOv5 checkpoint: its anchor-based head has no Ultralytics form, so it serves "
            f"as weights for a YAML, e.g. yolo train model=yolov5n.yaml pretrained={self.file}"
        )


def _pickle_bytes(file: Path) -> list[bytes]:
    """The pickles of a torch checkpoint: `*/data.pkl` of the zip format, or the four leading pickles of the legacy
    format (magic, protocol, system info, object)."""
    if zipfile.is_zipfile(file):
        with zipfile.ZipFile(file) as z:
            return [z.read(n) for n in z.namelist() if n.endswith("data.pkl")]
    stream, out = io.BytesIO(file.read_bytes()), []
    for _ in range(4):
        start = stream.tell()
        for _op in pickletools.genops(stream):
            pass
        out.append(stream.getvalue()[start : stream.tell()])
    return out


def pickle_globals(file: str | Path) -> set[tuple[str, str]]:
    """The (module, name) pairs a checkpoint's pickle names, read without unpickling anything.

    Raises:
        CheckpointError: the file is missing or is not a torch checkpoint.
    """
    file = Path(file)
    if not file.is_file():
        raise NotACheckpoint(f"{file} does not exist, expected a .pt checkpoint")
    try:
        pickles = _pickle_bytes(file)
        found, strings = set(), []
        for data in pickles:
            for op, arg, _ in pickletools.genops(data):
                if op.name in ("GLOBAL", "INST"):
                    found.add(tuple(arg.split(" ", 1)))
                elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                    strings.append(arg)
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.add((strings[-2], strings[-1]))
    except (ValueError, EOFError, zipfile.BadZipFile, KeyError, IndexError) as e:
        raise NotACheckpoint(f"{file} is not a torch checkpoint ({type(e).__name__}: {e})") from None
    if not pickles:
        raise NotACheckpoint(f"{file} is not a torch checkpoint (a zip without data.pkl)")
    return found


def _unsafe(module: str, name: str) -> bool:
    if module in ("builtins", "__builtin__"):
        return name not in _SAFE_BUILTINS
    path = [*module.split("."), *name.split(".")]
    return any(part in UNSAFE for part in path) or any(part in _UNSAFE_NAMES for part in path)


def checkpoint_kind(file: str | Path) -> str:
    """CLASSIC, ULTRALYTICS or "" (neither: another kind of pickle) for a checkpoint, read without unpickling it.

    Raises:
        CheckpointError: the file is missing, is not a torch checkpoint, or names a global that can run code.
    """
    found = pickle_globals(file)
    bad = sorted(f"{m}.{n}" for m, n in found if _unsafe(m, n))
    if bad:
        raise CheckpointError(f"{file} was not loaded: its pickle calls {', '.join(bad)}, which can run code")
    if any(m.startswith(_CLASSIC_ROOTS) for m, _ in found):
        return CLASSIC
    return ULTRALYTICS if any(m.split(".")[0] == "ultralytics" for m, _ in found) else ""


def _stand_ins(found: set[tuple[str, str]]) -> list[tuple[type, str]]:
    out = []
    for module, name in found:
        root = next((r for r in _CLASSIC_ROOTS if module.startswith(r)), None)
        if root is not None and name in CLASSIC_CLASSES.get(module[len(root) :], ()):
            out.append((type(name, (ClassicModule,), {"__module__": __name__}), f"{module}.{name}"))
    return out


def read_classic(file: str | Path) -> dict:
    """A classic YOLOv5 checkpoint as a dict, loaded by torch's restricted unpickler with stand-ins for its classes.

    Raises:
        CheckpointError: the pickle names a global outside the classic classes, torch's tensors and modules, and
            plain containers (nothing is run: the load stops at that global).
    """
    import pickle

    import numpy as np

    found = pickle_globals(file)
    multiarray = getattr(np, "_core", None) or np.core  # numpy 2 renamed it
    allowed = [*_stand_ins(found), *_TORCH_CLASSES, np.dtype, type(np.dtype("float64")), multiarray.multiarray.scalar]
    try:
        with torch.serialization.safe_globals(allowed):
            ckpt = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        why = next((line for line in str(e).splitlines() if "Unsupported global" in line), str(e).splitlines()[0])
        raise CheckpointError(
            f"{file} was not loaded: {why.strip()} (not part of a classic YOLOv5 checkpoint)"
        ) from None
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("ema") or ckpt.get("model"), ClassicModule):
        raise CheckpointError(f"{file} holds no classic YOLOv5 model, expected a dict with 'model' or 'ema'")
    return ckpt


def _ultralytics_yaml(classic: dict, nc: int) -> dict:
    """The classic model YAML as Ultralytics' parser reads it: the same rows, the anchor-free Detect at the end."""
    d = copy.deepcopy({k: v for k, v in classic.items() if k not in ("anchors", "ch")})
    *rows, head = d["head"]
    if head[2] != "Detect":
        raise ValueError(f"its last layer is {head[2]}, expected Detect (detection checkpoints only)")
    d["head"] = [*rows, [head[0], head[1], "Detect", ["nc"]]]
    d["nc"] = nc
    return d


def classic_checkpoint(file: str | Path) -> dict:
    """An Ultralytics checkpoint dict made from a classic YOLOv5 one (`read_classic`): its model is built by
    Ultralytics from the classic YAML, holds the classic weights in every layer but the head, and a `ClassicHead`
    in place of the head. `classic` in the dict records what was converted.

    Raises:
        CheckpointError: not a classic detection checkpoint, or its layers do not match the tensors it holds.
    """
    from ultralytics.nn.tasks import DetectionModel

    ckpt = read_classic(file)
    source = ckpt.get("ema") or ckpt["model"]
    names = getattr(source, "names", None)
    names = dict(enumerate(names)) if isinstance(names, (list, tuple)) else names
    nc = int(source.yaml.get("nc") or len(names))
    try:
        model = DetectionModel(_ultralytics_yaml(source.yaml, nc), nc=nc, verbose=False)
    except (KeyError, ValueError, TypeError, AttributeError, NameError) as e:
        raise CheckpointError(f"{file} is a classic YOLOv5 checkpoint that cannot be converted: {e}") from None
    head = len(model.model) - 1
    theirs = {
        k: v.float() if v.is_floating_point() else v
        for k, v in source.state_dict().items()
        if not k.startswith(f"model.{head}.")
    }
    ours = {k: v for k, v in model.state_dict().items() if not k.startswith(f"model.{head}.")}
    wrong = [k for k in ours if k not in theirs or theirs[k].shape != ours[k].shape]
    if wrong or len(theirs) != len(ours):
        raise CheckpointError(
            f"{file} is a classic YOLOv5 checkpoint whose tensors do not match its own YAML ({len(wrong)} of "
            f"{len(ours)} differ, first {wrong[:1]}); expected a checkpoint saved by the classic repo"
        )
    model.load_state_dict(theirs, strict=False)
    model.model[head] = ClassicHead(model.model[head], str(file))
    model.names = names or {i: f"class{i}" for i in range(nc)}
    info = {"file": str(file), "nc": nc, "tensors": len(theirs), "layers": head, "date": ckpt.get("date")}
    return {"model": model, "ema": None, "train_args": {"task": "detect"}, "date": ckpt.get("date"), "classic": info}
