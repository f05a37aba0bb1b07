"""`yolo-dsconv bench`: one table of side-by-side timings (medians of interleaved runs), CSV and JSON beside it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..table import format_table
from .args import CLIError, defaults_of, parse_kv

PARTS = ("module", "train", "model", "model_train", "dw", "startup")
DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def _ratio(rows, part, shape, variant, ref):
    def ms(v):
        return next((r["ms"] for r in rows if r["part"] == part and r["shape"] == shape and r["variant"] == v), None)

    a, b = ms(variant), ms(ref)
    return None if a is None or b is None else a / b


def targets(rows: list[dict]) -> list[list]:
    """The README's targets, evaluated on this run's rows: [target, measured, limit, met]."""
    out = []
    r = _ratio(rows, "module fwd", "1x512x20x20", "ExpandConv fused pruned", "1x1 convs alone (fused)")
    if r is not None:
        out.append(["fused ExpandConv / its 1x1 convs, fwd 1x512x20x20", r, 1.3])
    for s, limit in ((20, 0.9), (8, 0.75)):
        r = _ratio(rows, "train step", f"8x512x{s}x{s}", "ExpandConv pruned", "ExpandConv unpruned")
        if r is not None:
            out.append([f"pruned / unpruned train step 8x512x{s}x{s}", r, limit])
    stock = next(
        (x for x in rows if x["part"] == "model fwd" and x["variant"] == "yolov5s" and x["shape"].endswith("640")), None
    )
    ds = next(
        (
            x
            for x in rows
            if x["part"] == "model fwd" and x["variant"] == "yolov5s-dsconv" and x["shape"].endswith("640")
        ),
        None,
    )
    if stock and ds:
        out.append(
            ["yolov5s-dsconv / yolov5s latency at 640", ds["ms"] / stock["ms"], ds["gflops"] / stock["gflops"] + 0.01]
        )
    return [[name, f"{v:.3f}", f"≤ {lim:.3f}", "met" if v <= lim else "MISSED"] for name, v, lim in out]


def bench(
    device: str = "cpu",
    threads: int = 2,
    dtype: str = "fp32",
    amp: bool = False,
    channels_last: bool = False,
    parts: str = ",".join(PARTS),
    rounds: int = 30,
    out: str = "bench_results",
    quick: bool = False,
) -> int:
    """Run the chosen benchmark parts, print the tables, write CSV/JSON under `out`."""
    chosen = [p for p in str(parts).split(",") if p]
    if not chosen or any(p not in PARTS for p in chosen):
        raise CLIError(f"yolo-dsconv bench: parts={parts!r} is invalid, expected a comma list of {', '.join(PARTS)}")
    if dtype not in DTYPES:
        raise CLIError(f"yolo-dsconv bench: dtype={dtype!r} is invalid, expected one of {', '.join(DTYPES)}")
    if not isinstance(amp, bool):
        raise CLIError(f"yolo-dsconv bench: amp={amp!r} is invalid, expected True or False")
    if amp and dtype != "fp32":
        raise CLIError(f"yolo-dsconv bench: amp=True with dtype={dtype} is invalid, expected dtype=fp32 (AMP casts)")
    import torch

    from ..bench import run as bench_run
    from ..bench.depthwise import DW_SHAPES
    from ..bench.steps import torch_device

    try:
        dev = torch_device(device)
    except ValueError as e:
        raise CLIError(f"yolo-dsconv bench: {e}") from None
    torch.set_num_threads(int(threads))
    device = str(dev)
    cuda = dev.type == "cuda"
    kw = {"device": device, "dtype": getattr(torch, DTYPES[dtype]), "channels_last": bool(channels_last), "amp": amp}
    rounds = int(rounds)
    quick = bool(quick)
    shapes = [(16, 8), (16, 3)] if quick else bench_run.P5_SHAPES
    rows = []
    if "module" in chosen:
        rows += bench_run.bench_module(shapes, rounds=rounds, **kw)
    if "train" in chosen:
        rows += bench_run.bench_train_step(shapes, rounds=max(3, rounds // 2), batch=2 if quick else 8, **kw)
    if "model" in chosen:
        rows += bench_run.bench_model(
            "n" if quick else "ns", (64,) if quick else (320, 640), rounds=max(3, rounds // 2), **kw
        )
    if "model_train" in chosen:
        size, batch = (64, 2) if quick else (640, 16 if cuda else 2)
        rows += bench_run.bench_model_train("n" if quick else "ns", size, batch, rounds=max(3, rounds // 3), **kw)
    if "dw" in chosen:
        rows += bench_run.bench_depthwise(shapes[:1] if quick else DW_SHAPES, rounds, batch=8 if cuda else 2, **kw)
    if "startup" in chosen:
        rows += bench_run.bench_startup(rounds=rounds)
    env = bench_run.environment(device)
    env.update({"dtype": dtype, "amp": amp, "channels_last": bool(channels_last), "rounds": rounds})
    refs = {"module fwd": "1x1 convs alone (fused)", "train step": "ExpandConv unpruned", "python -c pass": "hook off"}
    table = []
    for r in rows:
        ref = r.get("ratio_to") or refs.get(r["part"]) or r["variant"].replace("-dsconv", "")
        ratio = _ratio(rows, r["part"], r["shape"], r["variant"], ref)
        r["ratio"] = ratio
        r["ratio_to"] = ref
        table.append(
            [
                r["part"],
                r["shape"],
                r["variant"],
                f"{r['ms']:.3f}",
                "-" if ratio is None else f"{ratio:.3f}",
                ref,
                f"{r['params']:,}" if "params" in r else "",
                f"{r['gflops']:.2f}" if "gflops" in r else "",
            ]
        )
    print(f"\nyolo-dsconv bench ({', '.join(f'{k}={v}' for k, v in env.items())}); medians of interleaved runs")
    print(format_table(["part", "shape", "variant", "median ms", "ratio", "ratio to", "params", "GFLOPs"], table))
    met = targets(rows)
    if met:
        print("\nTargets")
        print(format_table(["target", "measured", "limit", ""], met))
    out = Path(str(out))
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench_{device.replace(':', '')}_{'amp' if amp else dtype}{'_cl' if channels_last else ''}"
    with open(out / f"{stem}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["part", "shape", "variant", "ms", "ratio", "ratio_to", "params", "gflops"])
        w.writeheader()
        w.writerows(rows)
    (out / f"{stem}.json").write_text(json.dumps({"environment": env, "rows": rows, "targets": met}, indent=1))
    print(f"\nwritten: {out / stem}.csv, {out / stem}.json")
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv bench key=value ...`."""
    return bench(**parse_kv("bench", argv, defaults_of(bench)))
