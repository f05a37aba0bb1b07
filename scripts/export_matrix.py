"""The export matrix: every `yolo export` format whose toolchain pip installs here, for stock and dsconv models.

For yolov5n and yolov8n, stock and -dsconv, briefly trained on the built-in data (so that outputs are not trivial),
at 320 and 640 px: export each format in a fresh process; where Ultralytics loads the result back (`AutoBackend`,
as `YOLO("model_openvino_model")` does), compare its raw head outputs on validation images with PyTorch's, boxes
and class scores each relative to their own scale; and time stock and dsconv side by side in that runtime
(interleaved rounds, medians, batch 1, two threads: every runtime's default on a 2-core machine).

Two more models are derived from the trained dsconv and timed beside it. `dsconv-baked` has the CPU tap pruning
written into its weights for the export size (`bake_pruning` below): the measurement behind keeping full kernels in
exported graphs (docs/design.md, "Exact tap pruning"); it is exact at that size only. `dsconv-undilated` has every
dilation set to 1 (`undilate`): the same kernels, weights and FLOPs, so dsconv/undilated is what dilation itself
costs in a runtime, and undilated/stock what the depthwise-separable structure costs there. A fifth, `dsconv-merged`,
is dsconv with ExpandConv rewritten in the exact merged form that `model.fuse()` uses in eager PyTorch on CPU
(`merge_forms`): whether that form, which exports do not carry, would pay in a runtime. It is timed against dsconv
alone, in a pass of its own, so adding it leaves the other four models' measurements as they are.

Runs in its own environment (`make exports`: setup.cfg's `exports` extra in `.cache/exports`), so TensorFlow,
PaddlePaddle, MNN and ExecuTorch never enter the dev venv. Resumable: exports and measurements already in WORK are
reused.

Usage: python scripts/export_matrix.py [--work .cache/export_matrix] [--out docs/results/export_matrix]
       [--sizes 320,640] [--families yolov5n,yolov8n] [--formats onnx,openvino] [--no-latency]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from release_matrix import ENV as OFFLINE  # noqa: E402  (scripts/release_matrix.py, beside this file)
from release_matrix import last_error  # noqa: E402

ENV = {**OFFLINE, "TF_CPP_MIN_LOG_LEVEL": "2"}
# format -> what Ultralytics' exporter needs beyond the dev venv (for the table's "packages" column)
FORMATS = {
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
VARIANTS = ("stock", "dsconv", "dsconv-baked", "dsconv-undilated")
MERGED = "dsconv-merged"  # timed in pairs with dsconv only
DERIVED = {"dsconv-baked": "bake_pruning", "dsconv-undilated": "undilate", MERGED: "merge_forms"}  # (model, imgsz)
EPOCHS = 10
N_IMAGES = 6


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def python(code: str, cwd: Path, timeout: int = 1800) -> tuple[bool, str]:
    """Run `code` in a fresh interpreter of this environment; (ok, stdout + stderr)."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **ENV, "PYTHONPATH": str(REPO / "scripts")},  # derived models pickle classes from here
    )
    return proc.returncode == 0, proc.stdout + proc.stderr


def bake_pruning(model, imgsz: int):
    """Replace every dilated `TapPrunedConv2d` by a plain `nn.Conv2d` holding only the taps that reach its input at
    `imgsz` (exact at that input size, wrong at larger ones); returns `model`."""
    import torch
    from torch import nn

    from yolo_dsconv.modules.pruning import TapPrunedConv2d

    sizes = {}

    def record(m, args) -> None:
        sizes[m] = tuple(args[0].shape[-2:])

    hooks = [m.register_forward_pre_hook(record) for m in model.modules() if isinstance(m, TapPrunedConv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, imgsz, imgsz))
    for h in hooks:
        h.remove()
    for parent in list(model.modules()):
        for name, conv in list(parent.named_children()):
            if conv not in sizes:
                continue
            (kh, kw), (ah, aw) = conv.kernel_size, conv.active_kernel(*sizes[conv])  # the taps the module itself runs
            th, tw = (kh - ah) // 2, (kw - aw) // 2
            new = nn.Conv2d(
                conv.in_channels,
                conv.out_channels,
                (ah, aw),
                conv.stride,
                ((ah - 1) // 2 * conv.dilation[0], (aw - 1) // 2 * conv.dilation[1]),
                conv.dilation,
                conv.groups,
                conv.bias is not None,
            )
            new.weight.data = conv.weight.data[:, :, th : kh - th, tw : kw - tw].clone()
            if conv.bias is not None:
                new.bias.data = conv.bias.data.clone()
            setattr(parent, name, new)
    return model


def undilate(model, imgsz: int = 0):
    """Set the dilation of every ExpandConv's dilated depthwise stage to 1, padding to match: the same kernels, weights
    and FLOPs without the dilation (a timing control, not an equivalent model; `imgsz` is unused); returns `model`."""
    from yolo_dsconv import ExpandConv

    for m in model.modules():
        if isinstance(m, ExpandConv):
            for branch in m.m:
                conv = branch[-2].conv
                conv.dilation, conv.padding = (1, 1), tuple(k // 2 for k in conv.kernel_size)
            m.d = (1,) * len(m.k)
    return model


def merge_forms(model, imgsz: int = 0):
    """Replace every BN-folded ExpandConv by its exact merged form (`scripts/inference_forms.py`'s `MergedForm`: the
    branch pointwise convs as one grouped 1×1, the dense first stages as one depthwise conv), keeping the layer
    attributes Ultralytics' forward reads (`imgsz` is unused); returns `model`."""
    from inference_forms import MergedForm

    from yolo_dsconv import ExpandConv

    for parent in list(model.modules()):
        for name, m in list(parent.named_children()):
            if isinstance(m, ExpandConv):
                new = MergedForm(m, dense=m.dense, pw=True)
                for attr in ("f", "i", "type", "np"):
                    if hasattr(m, attr):
                        setattr(new, attr, getattr(m, attr))
                setattr(parent, name, new)
    return model


TRAIN = """
from ultralytics import YOLO
YOLO({cfg!r}).train(data={data!r}, epochs={epochs}, imgsz=320, batch=8, nbs=8, optimizer="AdamW", lr0=0.004,
    workers=0, device="cpu", plots=False, seed=0, deterministic=True, project={project!r}, name="train", exist_ok=True)
"""

DERIVE = """
import sys, torch
sys.path.insert(0, {scripts!r})
from export_matrix import {fn}
ck = torch.load({src!r}, map_location="cpu", weights_only=False)
model = ck["model"].float().fuse().eval()
ck["model"], ck["ema"] = {fn}(model, {imgsz}).half(), None
torch.save(ck, {dst!r})
"""

EXPORT = """
from ultralytics import YOLO
print("ARTIFACT", YOLO({pt!r}).export(format={fmt!r}, imgsz={imgsz}, device="cpu"))
"""

# Raw head outputs and latency of each model in one runtime, in a fresh process (runtimes must not share one).
MEASURE = """
import json, sys, numpy as np, torch
torch.set_num_threads(2)
sys.path.insert(0, {scripts!r})
if {f32!r}:
    import openvino as ov
    _core = ov.Core
    def core():
        c = _core()
        c.set_property("CPU", {{"INFERENCE_PRECISION_HINT": ov.Type.f32}})
        return c
    ov.Core = core
from ultralytics.nn.autobackend import AutoBackend
from yolo_dsconv.bench.timing import interleaved_medians
x = torch.from_numpy(np.load({x!r}))
out, fns = {{}}, {{}}
for name, path in {paths!r}.items():
    b = AutoBackend(path, device=torch.device("cpu"), fp16=False, fuse=True, verbose=False)
    b.eval()
    with torch.no_grad():
        ys = []
        for i in range(len(x)):
            y = b(x[i : i + 1])
            y = y[0] if isinstance(y, (list, tuple)) else y
            ys.append(np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y, dtype=np.float32))
    np.save({o!r}.format(name), np.concatenate(ys))
    fns[name] = (lambda b=b: b(x[:1]))
if {latency!r}:
    with torch.no_grad():
        out = interleaved_medians(fns, rounds={rounds}, warmup=5)
print("MEDIANS", json.dumps(out))
"""


# Operator types of each exported graph, counted in a fresh process (TensorFlow must not meet torch's threads here).
GRAPH_OPS = """
import collections, json, re, sys
from pathlib import Path
fmt, path = {fmt!r}, Path({path!r})
TRIVIAL = {{"Const", "Identity", "NoOp", "Placeholder", "ReadVariableOp", "VarHandleOp", "StatefulPartitionedCall",
           "PartitionedCall", "Parameter", "Result", "Constant", "Input", "MemoryData", "prim::Constant",
           "prim::GetAttr", "prim::ListConstruct", "prim::TupleConstruct", "prim::NumToTensor", "SaveV2", "RestoreV2",
           "MergeV2Checkpoints", "ShardedFilename", "StringJoin", "StaticRegexFullMatch", "Select", "Pack"}}
if fmt == "onnx":
    import onnx
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
elif fmt == "openvino":
    ops = re.findall(r'<layer [^>]*type="([^"]+)"', next(path.glob("*.xml")).read_text())
elif fmt == "ncnn":
    ops = [ln.split()[0] for ln in (path / "model.ncnn.param").read_text().splitlines()[2:] if ln.strip()]
elif fmt == "litert":
    from ai_edge_litert.interpreter import Interpreter
    ops = [o["op_name"] for o in Interpreter(str(path))._get_ops_details()]
elif fmt in ("saved_model", "pb"):
    from tensorflow.core.framework import graph_pb2
    from tensorflow.core.protobuf import saved_model_pb2
    if fmt == "pb":
        g = graph_pb2.GraphDef.FromString(path.read_bytes())
    else:
        g = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes()).meta_graphs[0].graph_def
    nodes = list(g.node) + [n for f in g.library.function for n in f.node_def if "inference" in f.signature.name]
    ops = [n.op for n in nodes]
elif fmt == "torchscript":
    import torch
    ops = [n.kind() for n in torch.jit.load(str(path)).inlined_graph.nodes()]
else:
    ops = None
print("OPS", json.dumps(None if ops is None else collections.Counter(o for o in ops if o not in TRIVIAL)))
"""


def graph_ops(fmt: str, artifact: str, work: Path) -> dict | None:
    """Operator type -> count in the exported graph (trivial ops left out); None where the format is opaque here."""
    ok, out = python(GRAPH_OPS.format(fmt=fmt, path=artifact), work, timeout=600)
    line = next((ln for ln in out.splitlines() if ln.startswith("OPS ")), None)
    return json.loads(line.split(" ", 1)[1]) if ok and line else None


def rel_err(actual, expected, rows: int = 4) -> dict:
    """Largest error of boxes (the first `rows` channels) and of class scores, each over its own largest magnitude."""
    import numpy as np

    if actual.shape != expected.shape:
        return {"shape": list(actual.shape)}
    parts = {"box": (actual[:, :rows], expected[:, :rows]), "cls": (actual[:, rows:], expected[:, rows:])}
    return {k: float(np.abs(a - e).max() / max(float(np.abs(e).max()), 1e-12)) for k, (a, e) in parts.items()}


def gflops_ratios(stock: Path, dsconv: Path, imgsz: int) -> dict[str, float]:
    """dsconv/stock GFLOPs at imgsz: with CPU tap pruning (eager PyTorch) and with full kernels (exported graphs)."""
    from ultralytics import YOLO

    from yolo_dsconv import set_pruning
    from yolo_dsconv.profile.flops import count_flops

    out = {}
    for name, prune in (("pruned", True), ("full", False)):
        s, d = (set_pruning(YOLO(p).model.float().eval(), prune) for p in (stock, dsconv))
        out[name] = count_flops(d, imgsz) / count_flops(s, imgsz)
    return out


def versions() -> dict:
    names = sorted({p for ps in FORMATS.values() for p in ps} | {"ultralytics", "tensorflow", "numpy", "protobuf"})
    found = {}
    for n in names:
        try:
            found[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            found[n] = None
    return found


def images(data_root: Path, imgsz: int, out: Path) -> Path:
    """The first N_IMAGES validation images, resized to imgsz, as one (N, 3, imgsz, imgsz) float array in [0, 1]."""
    import cv2
    import numpy as np

    files = sorted((data_root / "images" / "val").glob("*.png"))[:N_IMAGES]
    arr = [cv2.resize(cv2.imread(str(f)), (imgsz, imgsz))[:, :, ::-1].transpose(2, 0, 1) / 255.0 for f in files]
    np.save(out, np.ascontiguousarray(np.stack(arr), dtype=np.float32))
    return out


def calibration_images(data_root: Path, work: Path) -> None:
    """onnx2tf's sample images, which Ultralytics' TensorFlow export downloads into its working directory: onnx2tf
    reads them even for fp32 (a dummy inference that checks its layout choices), so offline they are made here from
    20 built-in images, in onnx2tf's format (20×128×128×3 float32 in [0, 1], NHWC, RGB)."""
    import cv2
    import numpy as np

    files = sorted((data_root / "images" / "train").glob("*.png"))[:20]
    arr = [cv2.resize(cv2.imread(str(f)), (128, 128))[:, :, ::-1] / 255.0 for f in files]
    np.save(work / "calibration_image_sample_data_20x128x128x3_float32.npy", np.stack(arr).astype(np.float32))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=REPO / ".cache" / "export_matrix")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "results" / "export_matrix")
    ap.add_argument("--sizes", default="320,640")
    ap.add_argument("--families", default="yolov5n,yolov8n")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--no-latency", dest="latency", action="store_false")
    args = ap.parse_args(argv)
    import numpy as np

    from yolo_dsconv.data import generate_shapes_dataset

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    state_file = work / "state.json"
    state = json.loads(state_file.read_text()) if state_file.is_file() else {"exports": {}, "measures": {}}

    def save() -> None:
        state_file.write_text(json.dumps(state, indent=1))

    data = generate_shapes_dataset(work / "data", imgsz=320, n_train=96, n_val=32)
    calibration_images(data.parent, work)
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    cfgs = {"stock": "{f}.yaml", "dsconv": "{f}-dsconv.yaml"}
    rows = []
    for fam in args.families.split(","):
        trained = {}
        for var, cfg in cfgs.items():
            project = work / fam / var
            best = project / "train" / "weights" / "best.pt"
            if not best.is_file():
                log(f"train {fam} {var} ({EPOCHS} epochs)")
                code = TRAIN.format(cfg=cfg.format(f=fam), data=str(data), epochs=EPOCHS, project=str(project))
                ok, out = python(code, work)
                if not ok:
                    raise SystemExit(f"training {fam} {var} failed: {last_error(out)}")
            trained[var] = best
        for size in sizes:
            folder = {v: work / fam / v / str(size) for v in (*VARIANTS, MERGED)}
            for v, f in folder.items():
                f.mkdir(parents=True, exist_ok=True)
                pt = f / "model.pt"
                if pt.is_file():
                    continue
                if v in DERIVED:
                    src, fn = str(trained["dsconv"]), DERIVED[v]
                    code = DERIVE.format(scripts=str(REPO / "scripts"), fn=fn, src=src, imgsz=size, dst=str(pt))
                    ok, out = python(code, work)
                    if not ok:
                        raise SystemExit(f"{fn} of {fam} at {size} failed: {last_error(out)}")
                else:
                    pt.write_bytes(trained[v].read_bytes())
            x = images(data.parent, size, work / f"x{size}.npy")
            ratios = gflops_ratios(folder["stock"] / "model.pt", folder["dsconv"] / "model.pt", size)
            ref_paths = {v: str(folder[v] / "model.pt") for v in VARIANTS}
            refs = measure("pytorch", ref_paths, x, work, fam, size, state, save, args, latency=args.latency)
            pair = {v: str(folder[v] / "model.pt") for v in ("dsconv", MERGED)}
            refs["merged"] = measure("pytorch", pair, x, work, fam, size, state, save, args, args.latency, "merged")
            rows.append({"family": fam, "imgsz": size, "format": "pytorch", "pytorch": refs, "gflops_ratio": ratios})
            rows[-1]["export"] = {v: {"ok": True} for v in (*VARIANTS, MERGED)}
            for fmt in formats:
                arts = {}
                for v in (*VARIANTS, MERGED):
                    key = f"{fam}/{v}/{size}/{fmt}"
                    if key not in state["exports"]:
                        log(f"export {key}")
                        t0 = time.perf_counter()
                        ok, out = python(EXPORT.format(pt=str(folder[v] / "model.pt"), fmt=fmt, imgsz=size), work)
                        art = next((ln.split(" ", 1)[1] for ln in out.splitlines() if ln.startswith("ARTIFACT ")), None)
                        state["exports"][key] = {
                            "ok": ok and art is not None,
                            "artifact": art,
                            "s": round(time.perf_counter() - t0, 1),
                            "error": None if ok else last_error(out),
                        }
                        save()
                    e = state["exports"][key]
                    if e["ok"]:
                        arts[v] = e["artifact"]
                row = {
                    "family": fam,
                    "imgsz": size,
                    "format": fmt,
                    "gflops_ratio": {k: round(v, 4) for k, v in ratios.items()},
                }
                row["export"] = {v: state["exports"][f"{fam}/{v}/{size}/{fmt}"] for v in (*VARIANTS, MERGED)}
                for v in ("stock", "dsconv"):
                    e = row["export"][v]
                    if e["ok"] and "ops" not in e:
                        e["ops"] = graph_ops(fmt, e["artifact"], work)
                        save()
                if fmt in LOADS and arts:
                    main_arts = {v: a for v, a in arts.items() if v in VARIANTS}
                    pair = {v: a for v, a in arts.items() if v in ("dsconv", MERGED)}
                    for run in runs_of(fmt):
                        got = measure(run, main_arts, x, work, fam, size, state, save, args, latency=args.latency)
                        row[run] = got
                        if len(pair) == 2:
                            got["merged"] = measure(
                                run, pair, x, work, fam, size, state, save, args, args.latency, "merged"
                            )
                        for g, ref in ((got, refs), (got.get("merged", {}), refs["merged"])):
                            for v in g.get("outputs", {}):
                                expected = np.load(ref["outputs"][v])
                                g.setdefault("parity", {})[v] = rel_err(np.load(g["outputs"][v]), expected)
                rows.append(row)
                write(rows, args.out)
    write(rows, args.out)


def measure(run, paths, x, work, fam, size, state, save, args, latency: bool, tag: str = "") -> dict:
    """Outputs (saved .npy per model) and interleaved medians of `paths` in runtime `run`, cached in `state` (under
    `tag` too, for a pass of its own)."""
    key = f"{fam}/{size}/{run}" + (f"/{tag}" if tag else "")
    cached = state["measures"].get(key)
    if cached and (cached.get("medians") or not latency) and set(cached.get("outputs", {})) >= set(paths):
        return dict(cached)  # a copy: what the caller adds (parity, the merged pass) stays out of state.json
    log(f"measure {key}" + (" (latency)" if latency else ""))
    o = str(work / fam / f"out_{size}_{run}{tag and '_' + tag}_{{}}.npy")
    code = MEASURE.format(
        scripts=str(REPO / "scripts"),
        f32=run == "openvino-f32",
        x=str(x),
        paths=paths,
        o=o,
        latency=latency,
        rounds=args.rounds,
    )
    ok, out = python(code, work)
    line = next((ln for ln in out.splitlines() if ln.startswith("MEDIANS ")), None)
    if not ok or line is None:
        got = {"ok": False, "error": last_error(out)}
    else:
        medians = json.loads(line.split(" ", 1)[1])
        got = {"ok": True, "outputs": {v: o.format(v) for v in paths}, "medians": medians}
    state["measures"][key] = got
    save()
    return dict(got)


def runs_of(fmt: str) -> list[str]:
    """The runtimes one format is measured in: OpenVINO also at f32."""
    return [fmt] + (["openvino-f32"] if fmt == "openvino" else [])


def limit(row: dict, run: str) -> float:
    """The latency limit: 1 + dsconv's GFLOPs overhead + 0.02, pruned taps in eager PyTorch, full kernels in exports."""
    return row["gflops_ratio"]["pruned" if run == "pytorch" else "full"] + 0.02


# what each derived model is timed against: (numerator, denominator) of its latency ratio
CONTROLS = {"dsconv-baked": ("dsconv-baked", "dsconv"), "dsconv-undilated": ("dsconv", "dsconv-undilated")}


def ratio(medians: dict, a: str, b: str) -> str:
    """medians[a] / medians[b] to 3 decimals, '-' where either is missing."""
    return f"{medians[a] / medians[b]:.3f}" if {a, b} <= set(medians) else "-"


def ops_change(stock: dict | None, dsconv: dict | None) -> str:
    """'n → m' graph operators, with the operator types that only the dsconv graph has (and their counts)."""
    if not stock or not dsconv:
        return "-"
    new = ", ".join(f"{k} {v}" for k, v in dsconv.items() if k not in stock)
    return f"{sum(stock.values())} → {sum(dsconv.values())}" + (f" ({new})" if new else "")


def write(rows: list[dict], out: Path) -> None:
    """export_matrix.json (everything) and export_matrix.md (the table)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "packages": versions()}
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [
        "| model | imgsz | runtime | export stock / dsconv | parity stock: box / cls | parity dsconv: box / cls "
        "| latency dsconv/stock | limit | latency baked/full dsconv | latency dilated/undilated dsconv "
        "| latency merged/branches dsconv (parity) | graph ops stock → dsconv (op types only in dsconv) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ex = r["export"]
        exp = " / ".join("ok" if ex[v]["ok"] else "fails" for v in ("stock", "dsconv"))
        for run in runs_of(r["format"]):
            got = r.get(run, {})
            par = {v: got.get("parity", {}).get(v, {}) for v in ("stock", "dsconv")}
            med = got.get("medians") or {}
            lat, baked, dil = (ratio(med, a, b) for a, b in (("dsconv", "stock"), *CONTROLS.values()))
            merged = got.get("merged") or {}
            mq = merged.get("parity", {}).get(MERGED, {})
            mer = ratio(merged.get("medians") or {}, MERGED, "dsconv") + (f" ({mq['box']:.0e})" if "box" in mq else "")
            p = [f"{q['box']:.1e} / {q['cls']:.1e}" if "box" in q else "fails" if got else "-" for q in par.values()]
            if run == "pytorch":
                p = ["reference", "reference"]
            lines.append(
                f"| {r['family']} | {r['imgsz']} | {run} | {exp} | {p[0]} | {p[1]} | {lat} | {limit(r, run):.3f} "
                f"| {baked} | {dil} | {mer} "
                f"| {ops_change(ex['stock'].get('ops'), ex['dsconv'].get('ops'))} |"
            )
    text = [*lines, "", *summary(rows), "", *explanation(rows)]
    out.with_suffix(".md").write_text("\n".join(text) + "\n")


def summary(rows: list[dict]) -> list[str]:
    """The README's table: one line per runtime, dsconv/stock latency per model and size, worst dsconv parity."""
    cols = list(dict.fromkeys(f"{r['family']} {r['imgsz']}" for r in rows))
    runs = list(dict.fromkeys(run for r in rows for run in runs_of(r["format"])))
    lines = [
        "| runtime | exports (dsconv) | worst parity box / cls (dsconv) | "
        + " | ".join(f"latency {c} (limit)" for c in cols)
        + " |",
        "|---|---|---|" + "---|" * len(cols),
    ]
    for run in runs:
        these = [r for r in rows if run in r or r["format"] == run]
        fmt_rows = [r for r in rows if r["format"] == run.replace("-f32", "")]
        exported = sum(r["export"]["dsconv"]["ok"] for r in fmt_rows)
        par = [r.get(run, {}).get("parity", {}).get("dsconv", {}) for r in these]
        worst = "reference" if run == "pytorch" else "-"
        if any("box" in q for q in par):
            worst = " / ".join(f"{max(q[k] for q in par if k in q):.0e}" for k in ("box", "cls"))
        cells = []
        for c in cols:
            r = next((r for r in these if f"{r['family']} {r['imgsz']}" == c), None)
            med = (r or {}).get(run, {}).get("medians") or {}
            cells.append(
                f"{ratio(med, 'dsconv', 'stock')} ({limit(r, run):.3f})" if {"stock", "dsconv"} <= set(med) else "-"
            )
        lines.append(f"| {run} | {exported}/{len(fmt_rows)} | {worst} | " + " | ".join(cells) + " |")
    return lines


def span(cells: list[tuple[dict, dict]], a: str, b: str) -> str:
    """'min–max' of medians[a] / medians[b] over (row, medians) cells; '-' where no cell has both."""
    vals = [m[a] / m[b] for _, m in cells if {a, b} <= set(m)]
    return f"{min(vals):.3f}–{max(vals):.3f}" if vals else "-"


def explanation(rows: list[dict]) -> list[str]:
    """Per runtime, over its 4 model × size cells: how many exceed the limit and the range of dsconv/stock split into
    what dilation costs (dsconv/undilated) and what the structure costs (undilated/stock, same FLOPs as dsconv's full
    kernels)."""
    lines = [
        "| runtime | cells over the limit | dsconv/stock | dilation: dsconv/undilated "
        "| structure: undilated/stock | GFLOPs dsconv/stock (full kernels) | exact merged form: merged/branches |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in dict.fromkeys(run for r in rows for run in runs_of(r["format"])):
        cells = [(r, r[run]["medians"]) for r in rows if (r.get(run) or {}).get("medians")]
        if not cells:
            continue
        over = sum(m["dsconv"] / m["stock"] > limit(r, run) for r, m in cells)
        flops = [r["gflops_ratio"]["full"] for r, _ in cells]
        merged = [(r, (r[run].get("merged") or {}).get("medians") or {}) for r, _ in cells]
        columns = [
            span(cells, "dsconv", "stock"),
            span(cells, *CONTROLS["dsconv-undilated"]),
            span(cells, "dsconv-undilated", "stock"),
            f"{min(flops):.3f}–{max(flops):.3f}",
            span(merged, MERGED, "dsconv"),
        ]
        lines.append(f"| {run} | {over}/{len(cells)} | {' | '.join(columns)} |")
    return lines


if __name__ == "__main__":
    main()
