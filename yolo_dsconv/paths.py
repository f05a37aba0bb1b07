"""Where the model YAMLs shipped with the package live."""

from __future__ import annotations

from pathlib import Path

__all__ = ("MODEL_YAMLS", "model_yaml", "shipped_model_yamls")

MODEL_YAMLS = Path(__file__).resolve().parent / "cfg" / "models"


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
    import re

    file = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    base = re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", Path(file).stem) + ".yaml"
    if (MODEL_YAMLS / base).is_file():
        return str(MODEL_YAMLS / file)
    shipped = ", ".join(p.name for p in shipped_model_yamls())
    raise FileNotFoundError(f"model_yaml: no shipped model YAML matches {name!r}; shipped: {shipped}")


def install_yaml_lookup() -> None:
    """Let Ultralytics' model-YAML lookup (`tasks.check_yaml`) find the shipped YAMLs by bare name, once.

    Only names Ultralytics itself cannot find are looked up here, so `yolo train model=yolov5s-dsconv.yaml` works
    from any directory after a plain `pip install` (Ultralytics reads the scale from the name it was given).
    """
    from ultralytics.nn import tasks

    original = tasks.check_yaml
    if getattr(original, "_yolo_dsconv_lookup", False):
        return

    def check_yaml(file, *args, **kwargs):
        shipped = MODEL_YAMLS / Path(str(file)).name
        try:
            found = original(file, *args, **kwargs)
        except FileNotFoundError:
            if shipped.is_file():
                return str(shipped)
            raise
        return found or (str(shipped) if shipped.is_file() else found)

    check_yaml._yolo_dsconv_lookup = True
    check_yaml.__wrapped__ = original
    tasks.check_yaml = check_yaml
