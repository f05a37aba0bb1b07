"""The benchmark's parts: module, training-step, whole-model and start-up timings, measured side by side, each as
`Row`s (medians of interleaved runs)."""

from __future__ import annotations

import copy
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Callable

import torch

from .depthwise import bench_depthwise
from .results import Row
from .steps import forward, make_input, place, prepare, time_steps, train_step
from .timing import interleaved_medians
from .variants import TRAIN_DENSE_FALSE, TRAINED, module_variants

__all__ = ("bench_depthwise", "bench_model", "bench_model_train", "bench_module", "bench_startup", "bench_train_step")

# P5 shapes of yolov5n (256 ch) and yolov5s (512 ch) at 640, 320 and Ultralytics' 256 px stride probe.
P5_SHAPES = [(256, 20), (256, 10), (256, 8), (512, 20), (512, 10), (512, 8)]


def bench_module(
    shapes: Sequence[tuple[int, int]] = P5_SHAPES,
    rounds: int = 30,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
    batch: int = 1,
    amp: bool = False,
) -> list[Row]:
    """Forward (no grad, eval) median time of each module variant on a batch×channels×side×side input, for each
    (channels, side) of `shapes`; one Row per variant and shape, in ms."""
    device, autocast = place(device, amp)
    rows = []
    for c, s in shapes:
        variants = {k: prepare(m, device, dtype, channels_last) for k, m in module_variants(c).items()}
        x = make_input((batch, c, s, s), device, dtype, channels_last)
        t = time_steps(forward, variants, x, autocast, rounds, device)
        rows += [Row("module fwd", f"{batch}x{c}x{s}x{s}", k, v * 1e3) for k, v in t.items()]
    return rows


def bench_train_step(
    shapes: Sequence[tuple[int, int]] = P5_SHAPES,
    rounds: int = 15,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
    batch: int = 8,
    amp: bool = False,
) -> list[Row]:
    """Forward + backward (train mode, unfused) median time of the trainable variants on a batch×channels×side×side
    input, for each (channels, side) of `shapes`; one Row per variant and shape, in ms."""
    device, autocast = place(device, amp)
    rows = []
    for c, s in shapes:
        variants = module_variants(c)
        mods = {
            k: prepare(copy.deepcopy(variants[v]), device, dtype, channels_last).train() for k, v in TRAINED.items()
        }
        from ..modules import ExpandConv

        mods[TRAIN_DENSE_FALSE] = prepare(ExpandConv(c, c, dense=False), device, dtype, channels_last).train()
        x = make_input((batch, c, s, s), device, dtype, channels_last, requires_grad=True)
        t = time_steps(train_step, mods, x, autocast, rounds, device, warmup=2)
        rows += [Row("train step", f"{batch}x{c}x{s}x{s}", k, v * 1e3) for k, v in t.items()]
    return rows


def _stock_and_dsconv(scale: str) -> dict[str, torch.nn.Module]:
    """yolov5{scale} and yolov5{scale}-dsconv, freshly built (train mode, unfused)."""
    from ultralytics.nn.tasks import DetectionModel

    from ..paths import model_yaml

    return {
        f"yolov5{scale}": DetectionModel(f"yolov5{scale}.yaml", verbose=False),
        f"yolov5{scale}-dsconv": DetectionModel(model_yaml(f"yolov5{scale}-dsconv.yaml"), verbose=False),
    }


def bench_model(
    scales: str = "ns",
    sizes: Sequence[int] = (320, 640),
    rounds: int = 15,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
    amp: bool = False,
) -> list[Row]:
    """Whole model (fused, eval, batch 1, 1×3×size×size): stock yolov5{scale} vs yolov5{scale}-dsconv for each scale
    letter of `scales`; one Row per model and size with latency (ms), params and GFLOPs."""
    from ..profile import count_flops

    device, autocast = place(device, amp)
    rows = []
    for scale in scales:
        models = {
            k: prepare(m.fuse(verbose=False).eval(), device, dtype, channels_last)
            for k, m in _stock_and_dsconv(scale).items()
        }
        for size in sizes:
            x = make_input((1, 3, size, size), device, dtype, channels_last)
            t = time_steps(forward, models, x, autocast, rounds, device)
            for k, m in models.items():
                params = sum(p.numel() for p in m.parameters())
                rows.append(Row("model fwd", f"1x3x{size}x{size}", k, t[k] * 1e3, params, count_flops(m, size) / 1e9))
    return rows


def bench_model_train(
    scales: str = "ns",
    size: int = 640,
    batch: int = 16,
    rounds: int = 10,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
    amp: bool = False,
) -> list[Row]:
    """Whole-model training step (train mode, unfused, forward + backward of the summed head outputs).

    This is the part of `yolo train` the architecture changes; the loss, optimizer step and data loading cost the
    same for stock and dsconv and are left out.
    """
    device, autocast = place(device, amp)
    rows = []
    for scale in scales:
        models = {k: prepare(m.train(), device, dtype, channels_last) for k, m in _stock_and_dsconv(scale).items()}
        x = make_input((batch, 3, size, size), device, dtype, channels_last)
        t = time_steps(train_step, models, x, autocast, rounds, device, warmup=2)
        rows += [Row("model train step", f"{batch}x3x{size}x{size}", k, v * 1e3) for k, v in t.items()]
    return rows


def bench_startup(rounds: int = 30) -> list[Row]:
    """Wall time of `python -c pass` with the start-up hook on and off (YOLO_DSCONV_HOOK), interleaved."""

    def launch(flag: str) -> Callable[[], subprocess.CompletedProcess]:
        return lambda: subprocess.run(
            [sys.executable, "-c", "pass"], env={**os.environ, "YOLO_DSCONV_HOOK": flag}, check=True
        )

    t = interleaved_medians({"hook on": launch("1"), "hook off": launch("0")}, rounds=rounds, warmup=3)
    return [Row("python -c pass", "-", k, v * 1e3) for k, v in t.items()]


def environment(device: torch.device) -> dict:
    """What the numbers were measured on."""
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "device": str(device),
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if device.type == "cuda":
        info.update(
            gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version()
        )
    return info
