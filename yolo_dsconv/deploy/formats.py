"""The export formats the matrix tries, what each needs beyond the dev venv, and the models it times in each."""

from __future__ import annotations

from importlib import metadata

__all__ = ("FORMATS", "LOADS", "MERGED", "MODELS", "package_versions", "runtimes_of")

# format -> what Ultralytics' exporter needs beyond the dev venv (for the table's "packages" column)
FORMATS: dict[str, tuple[str, ...]] = {
    "torchscript": ("torch",),
    "onnx": ("onnx", "onnxruntime"),
    "openvino": ("openvino",),
    "ncnn": ("ncnn", "pnnx"),
    "mnn": ("MNN",),
    "paddle": ("paddlepaddle", "x2paddle"),
    "litert": ("litert-torch", "ai-edge-litert"),
    "saved_model": ("tensorflow", "onnx2tf"),
    "pb": ("tensorflow", "onnx2tf"),
    "executorch": ("executorch",),
    "coreml": ("coremltools",),
}
LOADS = set(FORMATS) - {"coreml"}  # Core ML models run only on macOS
MODELS = ("stock", "dsconv", "dsconv-baked", "dsconv-undilated")  # timed together in each runtime
MERGED = "dsconv-merged"  # timed in pairs with dsconv only


def runtimes_of(fmt: str) -> list[str]:
    """The runtimes one format is measured in: OpenVINO also at f32.

    >>> runtimes_of("openvino"), runtimes_of("onnx")
    (['openvino', 'openvino-f32'], ['onnx'])
    """
    return [fmt] + (["openvino-f32"] if fmt == "openvino" else [])


def package_versions() -> dict[str, str | None]:
    """The installed version of every package the formats need (None: not installed)."""
    names = sorted({p for ps in FORMATS.values() for p in ps} | {"ultralytics", "tensorflow", "numpy", "protobuf"})
    found: dict[str, str | None] = {}
    for n in names:
        try:
            found[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            found[n] = None
    return found
