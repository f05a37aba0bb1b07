"""The variants of a comparison, each written as a model YAML derived from one SPPF-based base YAML.

- stock: the base as it is;
- dsconv: ExpandConv grafted after SPPF (dense=True, the default);
- sparse: the same graft with dense=False (the lone dilated branches, with their gridding gaps);
- control: a stock Ultralytics C2f (one bottleneck of two 3×3 convs, no shortcut) at the same place, its hidden
  width chosen so its parameters come closest to the ExpandConv layer's at the base's scale. It adds a layer and
  the parameters without the large receptive field (3×3 taps: +4 P5 pixels against ExpandConv's +80).
Any other entry is a model YAML path, taken as it is.

With init="identity" every grafted variant starts as the identity (an outer shortcut, last BatchNorm scale zero):
ExpandConv with its `init` argument, and the control as the plugin's `ControlC2f`, which is that C2f with the
shortcut. From shared pretrained weights all variants then compute the same function at step 0.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from ..modules import ExpandConv
from ..paths import scaled_name, unscaled_name
from ..yaml_tools.graft import GraftError, graft_text, resolve_model_yaml
from ..yaml_tools.transfer import INSERTED_KEY
from .errors import CompareError

__all__ = (
    "CONTROL_TOLERANCE",
    "VARIANTS",
    "Kind",
    "Variant",
    "build_variants",
    "check_names",
    "control_hidden",
    "make_variants",
    "measure",
    "plan_variants",
    "scale_of",
)

CONTROL_TOLERANCE = 0.15  # the control's parameters are within ±15 % of the ExpandConv layer's


@dataclass
class Variant:
    """One variant: the YAML written for it and the model name `yolo train` gets (it carries the scale letter).

    `layer_params` is the parameter count of the inserted layer (0 for stock and for a YAML path).
    """

    name: str
    model: str
    yaml_sha256: str
    params: int = 0
    gflops: float = 0.0
    layer_params: int = 0
    transferred: int = 0  # tensors taken from compare's pretrained= weights (0: none given)
    weights_sha256: str = ""  # the sha256 of those weights ("" for none)
    text: str | None = field(default=None, repr=False)  # the YAML to write (None: a user's file, used in place)
    file: str | None = None  # where `text` is written


def scale_of(name: str) -> str:
    """The scale letter a model name selects ('' for none), as Ultralytics guesses it."""
    from ultralytics.nn.tasks import guess_model_scale

    return guess_model_scale(name)


def control_hidden(c1: int, c2: int, target: int) -> tuple[int, int]:
    """The hidden width c_ of C2f(c1, c2, n=1, shortcut=False) whose parameters are closest to `target`.

    Returns (c_, its parameter count).
    """
    import torch
    from ultralytics.nn.modules import C2f

    def params(c_: int) -> int:
        with torch.device("meta"):
            return sum(p.numel() for p in C2f(c1, c2, 1, False, 1, (c_ + 0.5) / c2).parameters())

    lo, hi = 1, 4 * c2  # params grow with c_: bisect for the first c_ at or above the target
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if params(mid) < target else (lo, mid)
    best = min({max(lo - 1, 1), lo}, key=lambda c_: abs(params(c_) - target))
    return best, params(best)


def _expandconv_layer(data: dict, index: int, scale: str) -> nn.Module:
    """The ExpandConv layer of a grafted model dict as Ultralytics' parser builds it at `scale`."""
    from copy import deepcopy

    from ultralytics.nn.tasks import parse_model

    layers, _ = parse_model({**deepcopy(data), "scale": scale}, ch=3, verbose=False)
    return layers[index]


def _graft(name: str, text: str, source: str, init: str, **how: Any) -> Any:
    """graft_text with the base named in its error."""
    try:
        return graft_text(text, source=source, init=init, **how)
    except GraftError as e:
        raise GraftError(f"compare: variant {name!r} needs an SPPF in base={source}: {e}") from e


def _stock(text: str, source: str, scale: str, init: str) -> str:
    return text


def _dsconv(text: str, source: str, scale: str, init: str) -> str:
    return _graft("dsconv", text, source, init).text


def _anchor_width(grafted: Any) -> int:
    """The anchor's width c2, as graft gives it to the inserted layer of `grafted` (a graft_text result)."""
    return (grafted.data["backbone"] + grafted.data["head"])[grafted.index][3][0]


def _sparse(text: str, source: str, scale: str, init: str) -> str:
    defaults = inspect.signature(ExpandConv).parameters  # ExpandConv's own defaults, but dense=False
    k, d, e = (defaults[p].default for p in ("k", "d", "e"))
    c2 = _anchor_width(_graft("sparse", text, source, init))
    return _graft("sparse", text, source, init, args=[c2, list(k), d, e, False]).text


def _control(text: str, source: str, scale: str, init: str) -> str:
    dsconv = _graft("control", text, source, init)
    c2 = _anchor_width(dsconv)
    layer = _expandconv_layer(dsconv.data, dsconv.index, scale)
    c_, _ = control_hidden(layer.in_channels, layer.out_channels, sum(p.numel() for p in layer.parameters()))
    args = [c2, False, 1, round((c_ + 0.5) / layer.out_channels, 6)]
    if init == "default":  # the stock C2f, as every comparison before init= wrote it
        return _graft("control", text, source, "default", module="C2f", args=args, stack=True).text
    return _graft("control", text, source, init, module="ControlC2f", args=args, stack=True).text


@dataclass(frozen=True)
class Kind:
    """How a built-in variant is made: `build(base text, base file name, scale, init)` returns its YAML text."""

    summary: str
    build: Callable[[str, str, str, str], str]


# The one list of built-in variants: the CLI, the checks and the docs read it (a test holds the docs to it).
VARIANTS: dict[str, Kind] = {
    "stock": Kind("the base as it is", _stock),
    "dsconv": Kind("ExpandConv grafted after SPPF", _dsconv),
    "sparse": Kind("the same graft with dense=False (the lone dilated branches)", _sparse),
    "control": Kind("a C2f of the same parameters at the same place (3×3 taps only)", _control),
}


def check_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` if they are distinct and each is a built-in variant or a model YAML path, else CompareError."""
    if not names or len(set(names)) != len(names):
        raise CompareError(
            f"compare: variants={','.join(names)} is invalid, expected distinct names (e.g. stock,dsconv)"
        )
    for name in names:
        if name not in VARIANTS and not name.endswith((".yaml", ".yml")):
            raise CompareError(
                f"compare: variant {name!r} is unknown, expected one of {', '.join(VARIANTS)} or a model YAML path"
            )
    return names


def plan_variants(base: str | Path, names: list[str], folder: Path, init: str = "default") -> list[Variant]:
    """Each variant's model name in `folder` and the hash of its YAML, computed without writing anything; the
    grafted variants start as `init` says.

    Raises:
        GraftError: the base cannot be found, or has no SPPF for a grafted variant.
        FileNotFoundError: a YAML path among `names` does not exist.
        FileExistsError: a variant's YAML exists in `folder` with other content (it is never overwritten).
    """
    src = resolve_model_yaml(base)
    scale = scale_of(Path(str(base)).name)
    stem = unscaled_name(src.name)[: -len(src.suffix)]
    text = src.read_text()
    out = []
    for name in names:
        if name in VARIANTS:
            file = folder / (f"{stem}.yaml" if name == "stock" else f"{stem}-{name}.yaml")
            content = VARIANTS[name].build(text, src.name, scale, init)
            if file.exists() and file.read_text() != content:
                raise FileExistsError(
                    f"compare: {file} exists with other content; a comparison never overwrites a YAML"
                )
            model = file.with_name(scaled_name(file.name, scale)) if scale else file
        else:
            model = Path(name)
            file = model if model.is_file() else model.with_name(unscaled_name(model.name))  # a scale letter selects
            if not file.is_file():
                raise FileNotFoundError(
                    f"compare: variant {name!r} is neither one of {', '.join(VARIANTS)} nor an existing YAML file"
                )
            content, model = file.read_text(), model.resolve()
        digest = hashlib.sha256(content.encode()).hexdigest()
        own = name in VARIANTS
        out.append(Variant(name, str(model), digest, text=content if own else None, file=str(file) if own else None))
    return out


def build_variants(planned: list[Variant], folder: Path, imgsz: int = 640) -> list[Variant]:
    """Write the YAMLs of planned variants into `folder`, build each once and fill in its costs (GFLOPs at
    `imgsz`, for the YAML's own number of classes); returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    for v in planned:
        if v.text is not None:
            Path(v.file).write_text(v.text)
        measure(v, imgsz)
    return planned


def measure(v: Variant, imgsz: int = 640) -> Variant:
    """Build the written variant `v` once and fill in its costs: parameters, GFLOPs at `imgsz` (for the YAML's own
    number of classes) and the parameters of its inserted layer; returns it."""
    from ultralytics import YOLO

    from ..profile.info import model_costs

    built = YOLO(v.model).model.eval()
    costs = model_costs(built, imgsz)
    v.params, v.gflops = costs["params"], costs["gflops"]
    v.layer_params = sum(p.numel() for i in built.yaml.get(INSERTED_KEY, []) for p in built.model[i].parameters())
    return v


def make_variants(base: str | Path, names: list[str], folder: Path, imgsz: int = 640) -> list[Variant]:
    """plan_variants, then build_variants: the variants written into `folder`, built, with their costs."""
    return build_variants(plan_variants(base, names, folder), folder, imgsz)
