"""`run_bench`: the chosen parts of the benchmark on one device, their ratios and the README's targets."""

from __future__ import annotations

import torch

from ..checks import check
from . import measure
from .depthwise import DW_SHAPES
from .results import BenchResult, Row, add_ratios, evaluate
from .steps import torch_device

__all__ = ("DTYPES", "PARTS", "BenchError", "run_bench")

PARTS = ("module", "train", "model", "model_train", "dw", "startup")
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


class BenchError(ValueError):
    """A benchmark that cannot run as asked; the message names the bad value and what is expected."""


def _check(parts: str, dtype: str, amp: bool, device: str | int) -> tuple[list[str], torch.device]:
    chosen = [p for p in str(parts).split(",") if p]
    if not chosen or any(p not in PARTS for p in chosen):
        raise BenchError(f"bench: parts={parts!r} is invalid, expected a comma list of {', '.join(PARTS)}")
    if dtype not in DTYPES:
        raise BenchError(f"bench: dtype={dtype!r} is invalid, expected one of {', '.join(DTYPES)}")
    check("amp", amp, "bench", error=BenchError)
    if amp and dtype != "fp32":
        raise BenchError(f"bench: amp=True with dtype={dtype} is invalid, expected dtype=fp32 (AMP casts)")
    try:
        return chosen, torch_device(device)
    except ValueError as e:
        raise BenchError(f"bench: {e}") from None


def run_bench(
    device: str | int = "cpu",
    threads: int = 2,
    dtype: str = "fp32",
    amp: bool = False,
    channels_last: bool = False,
    parts: str = ",".join(PARTS),
    rounds: int = 30,
    quick: bool = False,
) -> BenchResult:
    """Measure the chosen parts side by side (medians of interleaved runs) and evaluate the README's targets.

    Args:
        device: cpu, a CUDA index (0) or cuda:0, parsed once here.
        threads: torch CPU threads.
        dtype: fp32, fp16 or bf16 (the tensors' and modules' dtype).
        amp: autocast (fp16 on CUDA, bf16 on CPU) over fp32 modules.
        channels_last: NHWC memory format.
        parts: a comma list of PARTS.
        rounds: timed rounds per variant (parts that cost more use a fraction).
        quick: tiny shapes, for a smoke test.

    Raises:
        BenchError: a bad part, dtype, amp or device.
    """
    chosen, dev = _check(parts, dtype, amp, device)
    torch.set_num_threads(int(threads))
    cuda = dev.type == "cuda"
    kw = {"device": dev, "dtype": DTYPES[dtype], "channels_last": bool(channels_last), "amp": amp}
    rounds = int(rounds)
    shapes = [(16, 8), (16, 3)] if quick else measure.P5_SHAPES
    rows: list[Row] = []
    if "module" in chosen:
        rows += measure.bench_module(shapes, rounds=rounds, **kw)
    if "train" in chosen:
        rows += measure.bench_train_step(shapes, rounds=max(3, rounds // 2), batch=2 if quick else 8, **kw)
    if "model" in chosen:
        rows += measure.bench_model("n" if quick else "ns", (64,) if quick else (320, 640), rounds=max(3, rounds // 2),
                                    **kw)  # fmt: skip
    if "model_train" in chosen:
        size, batch = (64, 2) if quick else (640, 16 if cuda else 2)
        rows += measure.bench_model_train("n" if quick else "ns", size, batch, rounds=max(3, rounds // 3), **kw)
    if "dw" in chosen:
        rows += measure.bench_depthwise(shapes[:1] if quick else DW_SHAPES, rounds, batch=8 if cuda else 2, **kw)
    if "startup" in chosen:
        rows += measure.bench_startup(rounds=rounds)
    env = measure.environment(dev)
    env.update({"dtype": dtype, "amp": amp, "channels_last": bool(channels_last), "rounds": rounds})
    return BenchResult(env, add_ratios(rows), evaluate(rows))
