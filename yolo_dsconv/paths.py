"""Model-YAML names and lookup: the one place that knows where a model YAML is and what its name means.

Ultralytics reads a model's scale from the file name (`yolov8s.yaml` is `yolov8.yaml` at scale s) and finds stock
YAMLs by bare name. `find_model_yaml` is the lookup every command uses; `shipped_fallback` is what the
`tasks.check_yaml` patch (integration.py, patch 4) adds to Ultralytics' own lookup.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = (
    "MODEL_YAMLS",
    "classic_fallback",
    "find_model_yaml",
    "model_yaml",
    "scaled_name",
    "shipped_fallback",
    "shipped_model_yamls",
    "stock_counterpart",
    "unscaled_name",
)

MODEL_YAMLS = Path(__file__).resolve().parent / "cfg" / "models"
CLASSIC_YAMLS = Path(__file__).resolve().parent / "cfg" / "classic"  # classic YOLOv5 format, one file per scale
_SCALED = re.compile(r"(\d+)([nslmx])(.+)?$")  # Ultralytics' own unscaling rule (tasks.yaml_model_load)


def unscaled_name(name: str) -> str:
    """A model file name without its scale letter, as Ultralytics reads it: 'yolov8s-dsc.yaml' -> 'yolov8-dsc.yaml'."""
    return _SCALED.sub(r"\1\3", name)


def scaled_name(name: str, scale: str) -> str:
    """A model file name with `scale` after its version: ("yolo11-seg-x.yaml", "n") -> "yolo11n-seg-x.yaml"."""
    return re.sub(r"^(yolo(?:e-)?v?\d+)", rf"\g<1>{scale}", name, count=1)


def stock_counterpart(name: str) -> str | None:
    """Stock Ultralytics YAML name for a '-dsconv' model file name ('yolov5s-dsconv.yaml' -> 'yolov5s.yaml')."""
    name = Path(name).name
    stock = re.sub(r"-dsconv(?=[-.])", "", name)
    return stock if stock != name else None


def shipped_model_yamls() -> list[Path]:
    """The model YAMLs shipped with the package (base files; a scale letter selects the size, e.g. yolov5s-dsconv)."""
    return sorted(MODEL_YAMLS.glob("*.yaml"))


def model_yaml(name: str) -> str:
    """Path of a shipped model YAML, given by file name with or without scale: 'yolov5s-dsconv.yaml' or 'yolov5-dsconv'.

    The returned path keeps the scale letter in the file name (Ultralytics reads the scale from it) and is usable
    as `yolo train model=<path>` or `YOLO(<path>)`.

    Raises:
        FileNotFoundError: no shipped YAML matches; the message lists the shipped ones.
    """
    file = name if name.endswith(".yaml") else f"{name}.yaml"  # every shipped file is a .yaml
    if (MODEL_YAMLS / unscaled_name(file)).is_file():
        return str(MODEL_YAMLS / file)
    shipped = ", ".join(p.name for p in shipped_model_yamls())
    raise FileNotFoundError(f"model_yaml: no shipped model YAML matches {name!r}; shipped: {shipped}")


def shipped_fallback(file: str) -> str | None:
    """Where a YAML that Ultralytics' lookup did not find is, if anywhere: the given path unscaled in its own folder
    (Ultralytics unscales the whole path string, so a folder like `run8s/` becomes `run8/`), else a shipped file."""
    path = Path(file)
    unscaled = unscaled_name(path.name)
    for candidate in (path.with_name(unscaled), MODEL_YAMLS / path.name, MODEL_YAMLS / unscaled):
        if candidate.is_file():
            return str(candidate)
    return None


def classic_fallback(file: str) -> str | None:
    """A shipped classic YOLOv5 YAML of that file name (`yolov5s-dsconv.yaml`), for the classic `check_file`."""
    candidate = CLASSIC_YAMLS / Path(str(file)).name
    return str(candidate) if candidate.is_file() else None


def find_model_yaml(model: str | Path) -> Path:
    """A model YAML as `yolo` would find it: an existing path, else an Ultralytics or shipped YAML by name (a scale
    letter in the name is allowed: 'yolov8s.yaml' finds yolov8.yaml).

    Raises:
        FileNotFoundError: not a YAML name, or nothing found; the message names the value and what was expected.
    """
    path = Path(model)
    if path.is_file():
        return path
    if path.suffix not in {".yaml", ".yml"}:
        raise FileNotFoundError(f"model={str(model)!r} is not a YAML file name or path, expected e.g. yolov8s.yaml")
    from ultralytics.utils.checks import check_yaml

    for name in dict.fromkeys([unscaled_name(path.name), path.name]):
        try:
            found = check_yaml(name)
        except Exception:  # Ultralytics' lookup raises for names it cannot place
            found = None
        found = found or shipped_fallback(name)
        if found:
            return Path(found)
    raise FileNotFoundError(
        f"model={str(model)!r} is neither an existing file nor a YAML shipped with Ultralytics or yolo-dsconv"
    )
