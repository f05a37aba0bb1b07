"""Candidate exact inference forms of a fused ExpandConv, timed against its own forward in each runtime.

The forms:
- `merged-pw`: the n branch pointwise convs as one grouped 1×1 (groups = n) on the concatenated branch outputs;
- `merged-dense`: the n dense first stages, which all read cv1's output, as one depthwise conv on that output
  repeated n times, each kernel zero-padded to the largest (one launch, more taps: 3·9² instead of 5²+7²+9²);
- both together.
The fused SPPF of the same width is timed beside them: what ExpandConv adds to a model, in each runtime.

Each form must match the module (`torch.testing.assert_close`, the reference test's tolerance) before it is timed.
Timing: interleaved rounds, medians, batch 1, 2 threads, in eager PyTorch (CPU tap pruning on, as users run it) and
in ONNX Runtime and OpenVINO (f32) on each form's ONNX export (full kernels, as exports hold them).

Usage: python scripts/inference_forms.py [--shapes 512x20,256x20,256x10] [--rounds 100]
       [--out docs/results/inference_forms]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from yolo_dsconv.bench.timing import interleaved_medians  # noqa: E402
from yolo_dsconv.deploy.forms import forms, fused_expandconv, fused_sppf  # noqa: E402
from yolo_dsconv.modules import ExpandConv  # noqa: E402


def runtimes(fs: dict[str, nn.Module], x: torch.Tensor, tmp: Path) -> dict[str, dict]:
    """name -> {form: callable} for eager PyTorch, ONNX Runtime and OpenVINO f32."""
    import onnxruntime as ort
    import openvino as ov

    out = {"pytorch": {k: (lambda f=f: f(x)) for k, f in fs.items()}, "onnxruntime": {}, "openvino-f32": {}}
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
    # idle intra-op threads spin after each run by default and steal the cores from the next session timed
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    core, xn = ov.Core(), x.numpy()
    for k, f in fs.items():
        path = tmp / f"{k}.onnx"
        torch.onnx.export(f, (x,), str(path), dynamo=False, input_names=["x"])
        s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        out["onnxruntime"][k] = lambda s=s: s.run(None, {"x": xn})
        c = core.compile_model(str(path), "CPU", {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": 2})
        out["openvino-f32"][k] = lambda c=c: c(xn)
        if k != "SPPF":
            torch.testing.assert_close(
                torch.from_numpy(out["onnxruntime"][k]()[0]), fs["module"](x), rtol=1e-4, atol=1e-4
            )
    return out


def model_rows(family: str, sizes: list[int], rounds: int) -> list[dict]:
    """Whole fused models in eager PyTorch: stock, and dsconv with its branches merged (what `model.fuse()` now
    gives) or not, interleaved; batch 1 at each size."""
    import copy

    from ultralytics import YOLO

    import yolo_dsconv  # noqa: F401  (registers ExpandConv and the fuse patch)

    stock = YOLO(f"{family}.yaml").model.eval().fuse(verbose=False)
    merged = YOLO(f"{family}-dsconv.yaml").model.eval().fuse(verbose=False)
    branches = copy.deepcopy(merged)
    for m in branches.modules():
        if isinstance(m, ExpandConv):
            assert m.merged
            m.merged = False
    rows = []
    for size in sizes:
        x = torch.rand(1, 3, size, size)
        with torch.no_grad():
            models = {"stock": stock, "dsconv branches": branches, "dsconv merged": merged}
            fns = {k: (lambda m=m, x=x: m(x)) for k, m in models.items()}
            med = interleaved_medians(fns, rounds=rounds, warmup=5)
        rows.append({"model": f"{family} {size}", "ms": {k: v * 1e3 for k, v in med.items()}})
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", default="512x20,256x20,256x10", help="c1 x side of the P5 map (yolov5s/n at 640/320)")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--models", default="yolov5n:320,640", help="family:sizes for the whole-model rows ('' for none)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "results" / "inference_forms")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    rows = []
    for shape in args.shapes.split(","):
        c1, side = (int(v) for v in shape.split("x"))
        m = fused_expandconv(c1)
        x = torch.randn(1, c1, side, side)
        fs = forms(m)
        with torch.no_grad():
            ref = m(x)
            for f in fs.values():
                torch.testing.assert_close(f(x), ref)  # exact rewrites only
            fs["SPPF"] = fused_sppf(c1)
            with tempfile.TemporaryDirectory() as tmp:
                for rt, fns in runtimes(fs, x, Path(tmp)).items():
                    med = interleaved_medians(fns, rounds=args.rounds, warmup=10)
                    row = {"shape": f"1x{c1}x{side}x{side}", "runtime": rt, "ms": {k: v * 1e3 for k, v in med.items()}}
                    row["ratio"] = {k: v / med["module"] for k, v in med.items()}
                    rows.append(row)
                    print(row["shape"], rt, " ".join(f"{k} {v:.3f}" for k, v in row["ratio"].items()), flush=True)
    models = []
    for spec in filter(None, args.models.split(";")):
        family, sizes = spec.split(":")
        models += model_rows(family, [int(v) for v in sizes.split(",")], args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(
        json.dumps({"torch": torch.__version__, "rows": rows, "models": models}, indent=1)
    )
    names = list(rows[0]["ratio"])
    lines = [
        "| input | runtime | module ms | " + " | ".join(f"{n} / module" for n in names[1:]) + " |",
        "|---|---|---|" + "---|" * (len(names) - 1),
    ]
    for r in rows:
        ratios = " | ".join(f"{r['ratio'][n]:.3f}" for n in names[1:])
        lines.append(f"| {r['shape']} | {r['runtime']} | {r['ms']['module']:.2f} | {ratios} |")
    if models:
        lines += [
            "",
            "| model (eager, fused) | stock ms | dsconv/stock, branches | dsconv/stock, merged | merged/branches |",
            "|---|---|---|---|---|",
        ]
        for r in models:
            ms = r["ms"]
            lines.append(
                f"| {r['model']} | {ms['stock']:.2f} | {ms['dsconv branches'] / ms['stock']:.3f} "
                f"| {ms['dsconv merged'] / ms['stock']:.3f} | {ms['dsconv merged'] / ms['dsconv branches']:.3f} |"
            )
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
