"""Where the model YAMLs shipped with the package live."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ("MODEL_YAMLS", "install_yaml_lookup", "model_yaml", "shipped_model_yamls", "unscaled_name")

MODEL_YAMLS = Path(__file__).resolve().parent / "cfg" / "models"


def unscaled_name(name: str) -> str:
    """A model file name without its scale letter, as Ultralytics reads it: 'yolov8s-dsconv.yaml' -> 'yolov8-dsconv.yaml'."""
    return re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", name)


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
    file = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    base = unscaled_name(Path(file).stem) + ".yaml"
    if (MODEL_YAMLS / base).is_file():
        return str(MODEL_YAMLS / file)
    shipped = ", ".join(p.name for p in shipped_model_yamls())
    raise FileNotFoundError(f"model_yaml: no shipped model YAML matches {name!r}; shipped: {shipped}")


def install_yaml_lookup() -> None:
    """Let Ultralytics' model-YAML lookup (`tasks.check_yaml`) find the shipped YAMLs by bare name, once.

    Only names Ultralytics itself cannot find are looked up here, so `yolo train model=yolov5s-dsconv.yaml` works
    from any directory after a plain `pip install` (Ultralytics reads the scale from the name it was given). A
    scaled path is also tried unscaled in its own folder: Ultralytics unscales the whole path string, so a folder
    such as `run8s/` would otherwise be mangled to `run8/`.
    """
    from ultralytics.nn import tasks

    original = tasks.check_yaml
    if getattr(original, "_yolo_dsconv_lookup", False):
        return

    def check_yaml(file, *args, **kwargs):
        path = Path(str(file))
        try:
            found, error = original(file, *args, **kwargs), None
        except FileNotFoundError as e:
            found, error = None, e
        if found:
            return found
        unscaled = unscaled_name(path.name)
        for candidate in (path.with_name(unscaled), MODEL_YAMLS / path.name, MODEL_YAMLS / unscaled):
            if candidate.is_file():
                return str(candidate)
        if error:
            raise error
        return found

    check_yaml._yolo_dsconv_lookup = True
    check_yaml.__wrapped__ = original
    tasks.check_yaml = check_yaml
