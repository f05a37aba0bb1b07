"""The export matrix: every `yolo export` format whose toolchain pip installs here, for stock and dsconv models.

For each family (yolov5n, yolov8n), stock and -dsconv, briefly trained on the built-in data (so that outputs are not
trivial), at each size: export each format in a fresh process; where Ultralytics loads the result back
(`AutoBackend`), compare its raw head outputs on validation images with PyTorch's (`parity.rel_err`), and time the
models side by side in that runtime (interleaved rounds, medians, batch 1, two threads). The derived models
(`transforms.DERIVED`) are timed beside dsconv: baked pruning and undilated in the same pass as stock and dsconv,
the merged form against dsconv alone in a pass of its own. Resumable: exports and measurements already in `work`
are reused (its state.json).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .formats import FORMATS, LOADS, MERGED, MODELS, runtimes_of
from .parity import rel_err
from .runner import last_error, run_program, tagged
from .tables import write_tables
from .transforms import DERIVED

__all__ = ("EPOCHS", "MatrixOptions", "run_matrix")

EPOCHS = 10
N_IMAGES = 6
ALL = (*MODELS, MERGED)


@dataclass(frozen=True)
class MatrixOptions:
    """What the matrix covers and where it works and writes (`work`: resumable state; `out`: .json and .md)."""

    work: Path
    out: Path
    sizes: tuple[int, ...] = (320, 640)
    families: tuple[str, ...] = ("yolov5n", "yolov8n")
    formats: tuple[str, ...] = tuple(FORMATS)
    rounds: int = 200
    latency: bool = True


@dataclass
class _State:
    """The exports and measurements done so far, saved after each."""

    file: Path
    exports: dict = field(default_factory=dict)
    measures: dict = field(default_factory=dict)

    @classmethod
    def load(cls, file: Path) -> _State:
        saved = json.loads(file.read_text()) if file.is_file() else {}
        return cls(file, saved.get("exports", {}), saved.get("measures", {}))

    def save(self) -> None:
        self.file.write_text(json.dumps({"exports": self.exports, "measures": self.measures}, indent=1))


@dataclass(frozen=True)
class _Cell:
    """One family at one size: its models' checkpoints, the input images, and the matrix's state and options."""

    family: str
    size: int
    models: dict[str, Path]
    x: Path
    state: _State
    opts: MatrixOptions


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _run(step: str, args: dict, cwd: Path, what: str) -> str:
    """The output of a step that must succeed; SystemExit naming `what` and the step's last error otherwise."""
    ok, out = run_program(step, args, cwd)
    if not ok:
        raise SystemExit(f"{what} failed: {last_error(out)}")
    return out


def images(data_root: Path, imgsz: int, out: Path) -> Path:
    """The first N_IMAGES validation images, resized to imgsz, as one (N, 3, imgsz, imgsz) float array in [0, 1]."""
    import cv2

    files = sorted((data_root / "images" / "val").glob("*.png"))[:N_IMAGES]
    arr = [cv2.resize(cv2.imread(str(f)), (imgsz, imgsz))[:, :, ::-1].transpose(2, 0, 1) / 255.0 for f in files]
    np.save(out, np.ascontiguousarray(np.stack(arr), dtype=np.float32))
    return out


def calibration_images(data_root: Path, work: Path) -> None:
    """onnx2tf's sample images, which Ultralytics' TensorFlow export downloads into its working directory: onnx2tf
    reads them even for fp32 (a dummy inference that checks its layout choices), so offline they are made here from
    20 built-in images, in onnx2tf's format (20×128×128×3 float32 in [0, 1], NHWC, RGB)."""
    import cv2

    files = sorted((data_root / "images" / "train").glob("*.png"))[:20]
    arr = [cv2.resize(cv2.imread(str(f)), (128, 128))[:, :, ::-1] / 255.0 for f in files]
    np.save(work / "calibration_image_sample_data_20x128x128x3_float32.npy", np.stack(arr).astype(np.float32))


def gflops_ratios(stock: Path, dsconv: Path, imgsz: int) -> dict[str, float]:
    """dsconv/stock GFLOPs at imgsz: with CPU tap pruning (eager PyTorch) and with full kernels (exported graphs)."""
    from ultralytics import YOLO

    from ..modules import set_pruning
    from ..profile.flops import count_flops

    out = {}
    for name, prune in (("pruned", True), ("full", False)):
        s, d = (set_pruning(YOLO(p).model.float().eval(), prune) for p in (stock, dsconv))
        out[name] = round(count_flops(d, imgsz) / count_flops(s, imgsz), 4)
    return out


def _trained(family: str, data: Path, work: Path) -> dict[str, Path]:
    """best.pt of stock and dsconv of `family`, trained EPOCHS epochs once."""
    out = {}
    for name, cfg in (("stock", f"{family}.yaml"), ("dsconv", f"{family}-dsconv.yaml")):
        project = work / family / name
        out[name] = project / "train" / "weights" / "best.pt"
        if not out[name].is_file():
            _log(f"train {family} {name} ({EPOCHS} epochs)")
            args = {"cfg": cfg, "data": str(data), "epochs": EPOCHS, "project": str(project)}
            _run("train", args, work, f"training {family} {name}")
    return out


def _models(family: str, size: int, trained: dict[str, Path], work: Path) -> dict[str, Path]:
    """Every model of the matrix at `size` as a checkpoint: stock and dsconv as trained, the others derived."""
    out = {}
    for name in ALL:
        folder = work / family / name / str(size)
        folder.mkdir(parents=True, exist_ok=True)
        out[name] = pt = folder / "model.pt"
        if pt.is_file():
            continue
        if name in DERIVED:
            args = {"name": name, "src": str(trained["dsconv"]), "imgsz": size, "dst": str(pt)}
            _run("derive", args, work, f"{name} of {family} at {size}")
        else:
            pt.write_bytes(trained[name].read_bytes())
    return out


def _measure(cell: _Cell, run: str, paths: dict[str, str], tag: str = "") -> dict:
    """Outputs (an .npy per model) and interleaved medians of `paths` in runtime `run`, cached in the state (under
    `tag` too, for a pass of its own)."""
    key = f"{cell.family}/{cell.size}/{run}" + (f"/{tag}" if tag else "")
    latency = cell.opts.latency
    cached = cell.state.measures.get(key)
    if cached and (cached.get("medians") or not latency) and set(cached.get("outputs", {})) >= set(paths):
        return dict(cached)  # a copy: what the caller adds (parity, the merged pass) stays out of state.json
    _log(f"measure {key}" + (" (latency)" if latency else ""))
    work = cell.opts.work
    out = str(work / cell.family / f"out_{cell.size}_{run}{tag and '_' + tag}_{{}}.npy")
    args = {"paths": paths, "x": str(cell.x), "out": out, "f32": run == "openvino-f32", "latency": latency,
            "rounds": cell.opts.rounds}  # fmt: skip
    ok, text = run_program("measure", args, work)
    line = tagged(text, "MEDIANS")
    got = {"ok": True, "outputs": {v: out.format(v) for v in paths}, "medians": json.loads(line)} if ok and line else {
        "ok": False, "error": last_error(text)}  # fmt: skip
    cell.state.measures[key] = got
    cell.state.save()
    return dict(got)


def _export(cell: _Cell, name: str, fmt: str) -> dict:
    """The export of model `name` to `fmt` (cached): ok, artifact, seconds, error; with its graph's operators for
    stock and dsconv."""
    key = f"{cell.family}/{name}/{cell.size}/{fmt}"
    state, work = cell.state, cell.opts.work
    if key not in state.exports:
        _log(f"export {key}")
        t0 = time.perf_counter()
        ok, out = run_program("export", {"pt": str(cell.models[name]), "format": fmt, "imgsz": cell.size}, work)
        art = tagged(out, "ARTIFACT")
        state.exports[key] = {"ok": ok and art is not None, "artifact": art, "s": round(time.perf_counter() - t0, 1),
                              "error": None if ok else last_error(out)}  # fmt: skip
        state.save()
    e = state.exports[key]
    if e["ok"] and "ops" not in e and name in ("stock", "dsconv"):
        ok, out = run_program("graph_ops", {"format": fmt, "path": e["artifact"]}, work, timeout=600)
        line = tagged(out, "OPS")
        e["ops"] = json.loads(line) if ok and line else None
        state.save()
    return e


def _with_parity(got: dict, refs: dict) -> dict:
    """`got` with each model's parity against PyTorch's outputs, its merged pass's too."""
    for g, ref in ((got, refs), (got.get("merged", {}), refs["merged"])):
        for v in g.get("outputs", {}):
            g.setdefault("parity", {})[v] = rel_err(np.load(g["outputs"][v]), np.load(ref["outputs"][v]))
    return got


def _format_row(cell: _Cell, fmt: str, refs: dict, ratios: dict) -> dict:
    """One format's row: the exports, and where they load, outputs against PyTorch's and latency per runtime."""
    row = {"family": cell.family, "imgsz": cell.size, "format": fmt, "gflops_ratio": ratios}
    row["export"] = {v: _export(cell, v, fmt) for v in ALL}
    arts = {v: e["artifact"] for v, e in row["export"].items() if e["ok"]}
    if fmt not in LOADS or not arts:
        return row
    pair = {v: a for v, a in arts.items() if v in ("dsconv", MERGED)}
    for run in runtimes_of(fmt):
        got = _measure(cell, run, {v: a for v, a in arts.items() if v in MODELS})
        if len(pair) == 2:
            got["merged"] = _measure(cell, run, pair, "merged")
        row[run] = _with_parity(got, refs)
    return row


def _rows_at(cell: _Cell, done: Callable[[dict], None]) -> None:
    """The PyTorch reference row and one row per format of one family at one size, each handed to `done`."""
    ratios = gflops_ratios(cell.models["stock"], cell.models["dsconv"], cell.size)
    refs = _measure(cell, "pytorch", {v: str(cell.models[v]) for v in MODELS})
    refs["merged"] = _measure(cell, "pytorch", {v: str(cell.models[v]) for v in ("dsconv", MERGED)}, "merged")
    reference = {"family": cell.family, "imgsz": cell.size, "format": "pytorch", "pytorch": refs}
    done({**reference, "gflops_ratio": ratios, "export": {v: {"ok": True} for v in ALL}})
    for fmt in cell.opts.formats:
        done(_format_row(cell, fmt, refs, ratios))


def run_matrix(opts: MatrixOptions) -> list[dict]:
    """Run the matrix (resuming from `opts.work`), writing its tables after each row; returns the rows."""
    from ..data import generate_shapes_dataset

    work = opts.work.resolve()
    opts = MatrixOptions(work, opts.out, opts.sizes, opts.families, opts.formats, opts.rounds, opts.latency)
    work.mkdir(parents=True, exist_ok=True)
    state = _State.load(work / "state.json")
    data = generate_shapes_dataset(work / "data", imgsz=320, n_train=96, n_val=32)
    calibration_images(data.parent, work)
    rows: list[dict] = []

    def done(row: dict) -> None:
        rows.append(row)
        write_tables(rows, opts.out)

    for family in opts.families:
        trained = _trained(family, data, work)
        for size in opts.sizes:
            x = images(data.parent, size, work / f"x{size}.npy")
            _rows_at(_Cell(family, size, _models(family, size, trained, work), x, state, opts), done)
    return rows
