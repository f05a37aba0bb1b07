"""Where ExpandConv's time goes in ONNX Runtime: a per-operator profile of stock and dsconv, by kind of operator.

For each model (stock and its graft) at each size: the fused model is exported to ONNX with full kernels, as
`yolo export format=onnx` writes it, and run in ONNX Runtime (CPU, 2 threads, batch 1) with its profiler on. Each
node's kernel time is its median over the runs; its FLOPs come from its shapes (ONNX shape inference), 2 per
multiply-add. Nodes are grouped into dense convs (groups 1, kernel > 1), pointwise convs (1×1, groups 1), depthwise
convs (groups = channels) and everything else, and ExpandConv's own nodes are summed apart.

What it shows: the share of dsconv's time that ExpandConv takes against its share of the FLOPs, and the rate each
kind of operator runs at (GFLOP/s), which is why a layer with 2.5 % of the FLOPs can cost more than 2.5 % of the time.

`scripts/op_profile.py` runs it (onnxruntime comes with the dev extra).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

__all__ = ("GROUPS", "KINDS", "kind_and_flops", "layer_of", "run_profile", "summarize", "table")

KINDS = ("dense conv", "pointwise conv", "depthwise conv", "activations", "other ops")
GROUPS = (*KINDS, "ExpandConv layer", "the rest of the model", "total")
ACTIVATIONS = {"QuickGelu", "Sigmoid", "Mul", "Silu"}  # SiLU as ONNX Runtime runs it (x·sigmoid(x) fused)


def export(cfg: str, imgsz: int, path: Path) -> set[int]:
    """Export the fused model of `cfg` to ONNX at `path`; returns the indices of its ExpandConv layers."""
    import torch
    from ultralytics.nn.tasks import DetectionModel

    from ..modules import ExpandConv

    torch.manual_seed(0)
    model = DetectionModel(cfg, verbose=False).eval().fuse(verbose=False)
    for m in model.modules():
        if hasattr(m, "export"):
            m.export, m.format = True, "onnx"  # the head's export form, as `yolo export` sets it
    x = torch.zeros(1, 3, imgsz, imgsz)
    torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17, input_names=["images"])
    return {i for i, m in enumerate(model.model) if isinstance(m, ExpandConv)}


def kind_and_flops(op: str, inputs: list[list[int]], output: list[int]) -> tuple[str, float]:
    """The kind of a profiled node and its FLOPs (convs only, 2 per multiply-add), from its logical shapes."""
    if op in ACTIVATIONS:
        return "activations", 0.0
    if op not in ("Conv", "FusedConv") or len(inputs) < 2 or len(inputs[1]) != 4:
        return "other ops", 0.0
    (_, cin, *_), (_, cin_g, kh, kw) = inputs[0], inputs[1]
    flops = 2.0 * math.prod(output) * cin_g * kh * kw
    kind = "depthwise conv" if cin_g == 1 and cin > 1 else "pointwise conv" if kh * kw == 1 else "dense conv"
    return kind, flops


def profile(paths: list[Path], imgsz: int, runs: int) -> list[tuple[dict[str, tuple[str, float, float]], float]]:
    """Per model of `paths`: (node name -> (kind, median kernel time in ms over `runs` runs, FLOPs), the median wall
    time of a run in ms) in ONNX Runtime
    (2 threads, profiling on), for the graph ONNX Runtime runs after its own rewrites (layout, fused activations).
    The models run interleaved, one run each in turn, so that a busy moment of the machine hits them alike."""
    import numpy as np
    import onnxruntime as ort

    sessions = []
    for path in paths:
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.enable_profiling = True
        so.profile_file_prefix = str(path.with_suffix(""))
        sessions.append(ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"]))
    x = np.random.default_rng(0).random((1, 3, imgsz, imgsz), dtype=np.float32)
    walls: list[list[float]] = [[] for _ in sessions]
    for _ in range(10 + runs):  # the first 10 warm up, and are dropped below
        for s, wall in zip(sessions, walls):
            t0 = time.perf_counter()
            s.run(None, {"images": x})
            wall.append((time.perf_counter() - t0) * 1000)
    out = []
    for s, wall in zip(sessions, walls):
        times: dict[str, list[float]] = {}
        kinds = {}
        for e in json.loads(Path(s.end_profiling()).read_text()):
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                name, a = e["name"][: -len("_kernel_time")], e["args"]
                times.setdefault(name, []).append(e["dur"] / 1000)
                shapes = [next(iter(t.values())) for t in a["input_type_shape"]]
                kinds[name] = kind_and_flops(a["op_name"], shapes, next(iter(a["output_type_shape"][0].values())))
        nodes = {n: (kinds[n][0], statistics.median(t[-runs:]), kinds[n][1]) for n, t in times.items()}
        out.append((nodes, statistics.median(wall[-runs:])))
    return out


def layer_of(node: str) -> int | None:
    """The model layer index in a node name exported as '/model.<i>/...'."""
    part = node.split("/")[1] if node.startswith("/model.") else ""
    return int(part.split(".")[1]) if part.count(".") == 1 and part.split(".")[1].isdigit() else None


def summarize(nodes: dict[str, tuple[str, float, float]], layers: set[int]) -> dict:
    """Per kind of operator, for the ExpandConv layers alone and in total: nodes, ms, GFLOPs."""
    groups = {
        k: {"nodes": 0, "ms": 0.0, "gflops": 0.0}
        for k in (*KINDS, "ExpandConv layer", "the rest of the model", "total")
    }
    for name, (kind, ms, flops) in nodes.items():
        inside = layer_of(name) in layers
        for g in (kind, "total", "ExpandConv layer" if inside else "the rest of the model"):
            groups[g]["nodes"] += 1
            groups[g]["ms"] += ms
            groups[g]["gflops"] += flops / 1e9
    return groups


def table(results: dict) -> list[str]:
    """One block per model and size: per kind, stock and dsconv nodes, ms, GFLOPs and GFLOP/s."""
    lines = []
    for key, r in results.items():
        st, ds = r["stock"], r["dsconv"]
        layer, total = ds["ExpandConv layer"], ds["total"]
        lines += [
            f"**{key}**: ExpandConv takes {layer['gflops'] / total['gflops']:.1%} of dsconv's FLOPs and "
            f"{layer['ms'] / total['ms']:.1%} of its kernel time; dsconv/stock kernel time "
            f"{total['ms'] / st['total']['ms']:.3f}, wall time {ds['wall_ms'] / st['wall_ms']:.3f} "
            f"({st['wall_ms']:.2f} → {ds['wall_ms']:.2f} ms), FLOPs {total['gflops'] / st['total']['gflops']:.3f}",
            "",
            "| operators | nodes stock → dsconv | ms stock → dsconv | GFLOPs stock → dsconv | GFLOP/s stock → dsconv |",
            "|---|---|---|---|---|",
        ]
        for g in GROUPS:
            a, b = st[g], ds[g]

            def rate(x: dict) -> str:
                return f"{x['gflops'] / x['ms'] * 1e3:.1f}" if x["ms"] and x["gflops"] else "-"

            lines.append(
                f"| {g} | {a['nodes']} → {b['nodes']} | {a['ms']:.3f} → {b['ms']:.3f} "
                f"| {a['gflops']:.3f} → {b['gflops']:.3f} | {rate(a)} → {rate(b)} |"
            )
        lines.append("")
    return lines


def run_profile(models: tuple[str, ...], sizes: tuple[int, ...], runs: int, out: Path) -> dict:
    """Profile stock and dsconv of each model family at each size; write `out`.json and `out`.md; returns the
    results (family and size -> stock/dsconv -> group -> nodes, ms, GFLOPs; and wall_ms)."""
    import onnxruntime as ort

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for size in sizes:
                variants = {"stock": f"{model}.yaml", "dsconv": f"{model}-dsconv.yaml"}
                paths = {v: Path(tmp) / f"{model}-{v}-{size}.onnx" for v in variants}
                layers = {v: export(cfg, size, paths[v]) for v, cfg in variants.items()}
                nodes = profile(list(paths.values()), size, runs)
                r = {v: {**summarize(n, layers[v]), "wall_ms": wall} for v, (n, wall) in zip(variants, nodes)}
                results[f"{model} {size}"] = r
                print("\n".join(table({f"{model} {size}": r})), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"onnxruntime": ort.__version__, "runs": runs, "threads": 2, "cpus": os.cpu_count()}
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    head = [
        "# Where ExpandConv's time goes in ONNX Runtime",
        "",
        f"`python scripts/op_profile.py` (ONNX Runtime {ort.__version__}, CPU, 2 threads, batch 1, fused models "
        f"exported with full kernels, per-node medians over {runs} runs).",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(head + table(results)))
    return results
