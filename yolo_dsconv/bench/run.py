"""`yolo-dsconv bench`: module, training-step and whole-model timings, measured side by side in one run."""

from __future__ import annotations

import copy
import platform
import subprocess
import sys
import time

import torch

from .timing import interleaved_medians
from .variants import module_variants

__all__ = ("bench_model", "bench_module", "bench_startup", "bench_train_step")

# P5 shapes of yolov5n (256 ch) and yolov5s (512 ch) at 640, 320 and Ultralytics' 256 px stride probe.
P5_SHAPES = [(256, 20), (256, 10), (256, 8), (512, 20), (512, 10), (512, 8)]


def _sync(device: torch.device):
    return torch.cuda.synchronize if device.type == "cuda" else None


def _prepare(m: torch.nn.Module, device, dtype, channels_last: bool):
    m = m.to(device=device, dtype=dtype)
    return m.to(memory_format=torch.channels_last) if channels_last else m


def _input(shape, device, dtype, channels_last: bool, requires_grad: bool = False):
    x = torch.randn(*shape, device=device, dtype=dtype)
    x = x.contiguous(memory_format=torch.channels_last) if channels_last else x
    return x.requires_grad_(requires_grad)


def bench_module(
    shapes=P5_SHAPES, rounds=30, device="cpu", dtype=torch.float32, channels_last=False, batch=1
) -> list[dict]:
    """Forward (no grad, eval) median time of each module variant at each (channels, side) shape."""
    device = torch.device(device)
    rows = []
    for c, s in shapes:
        variants = {k: _prepare(m, device, dtype, channels_last) for k, m in module_variants(c).items()}
        x = _input((batch, c, s, s), device, dtype, channels_last)
        with torch.inference_mode():
            t = interleaved_medians(
                {k: (lambda m=m, x=x: m(x)) for k, m in variants.items()}, rounds=rounds, sync=_sync(device)
            )
        rows += [
            {"part": "module fwd", "shape": f"{batch}x{c}x{s}x{s}", "variant": k, "ms": v * 1e3} for k, v in t.items()
        ]
    return rows


def bench_train_step(
    shapes=P5_SHAPES, rounds=15, device="cpu", dtype=torch.float32, channels_last=False, batch=8
) -> list[dict]:
    """Forward + backward (train mode, unfused) median time of the trainable variants."""
    device = torch.device(device)
    rows = []
    for c, s in shapes:
        variants = module_variants(c)
        keep = ["ExpandConv unfused pruned", "ExpandConv unfused unpruned", "SPPF fused"]
        mods = {
            k.replace(" unfused", "").replace(" fused", ""): _prepare(
                copy.deepcopy(variants[k]), device, dtype, channels_last
            ).train()
            for k in keep
        }
        from ..modules import ExpandConv

        mods["ExpandConv dense=False"] = _prepare(ExpandConv(c, c, dense=False), device, dtype, channels_last).train()
        x = _input((batch, c, s, s), device, dtype, channels_last, requires_grad=True)

        def step(m, x=x):
            m(x).sum().backward()

        t = interleaved_medians(
            {k: (lambda m=m: step(m)) for k, m in mods.items()}, rounds=rounds, warmup=2, sync=_sync(device)
        )
        rows += [
            {"part": "train step", "shape": f"{batch}x{c}x{s}x{s}", "variant": k, "ms": v * 1e3} for k, v in t.items()
        ]
    return rows


def bench_model(
    scales="ns", sizes=(320, 640), rounds=15, device="cpu", dtype=torch.float32, channels_last=False
) -> list[dict]:
    """Whole model (fused, eval, batch 1): stock yolov5{scale} vs yolov5{scale}-dsconv, params, GFLOPs, latency."""
    from ultralytics.nn.tasks import DetectionModel

    from ..paths import model_yaml
    from ..profile import count_flops

    device = torch.device(device)
    rows = []
    for scale in scales:
        models = {
            f"yolov5{scale}": DetectionModel(f"yolov5{scale}.yaml", verbose=False),
            f"yolov5{scale}-dsconv": DetectionModel(model_yaml(f"yolov5{scale}-dsconv.yaml"), verbose=False),
        }
        models = {k: _prepare(m.fuse(verbose=False).eval(), device, dtype, channels_last) for k, m in models.items()}
        for size in sizes:
            x = _input((1, 3, size, size), device, dtype, channels_last)
            with torch.inference_mode():
                t = interleaved_medians(
                    {k: (lambda m=m, x=x: m(x)) for k, m in models.items()}, rounds=rounds, sync=_sync(device)
                )
            for k, m in models.items():
                rows.append(
                    {
                        "part": "model fwd",
                        "shape": f"1x3x{size}x{size}",
                        "variant": k,
                        "ms": t[k] * 1e3,
                        "params": sum(p.numel() for p in m.parameters()),
                        "gflops": count_flops(m, size) / 1e9,
                    }
                )
    return rows


def bench_startup(rounds=30) -> list[dict]:
    """Wall time of `python -c pass` with the start-up hook on and off (YOLO_DSCONV_HOOK), interleaved."""
    import os

    def launch(flag):
        return lambda: subprocess.run(
            [sys.executable, "-c", "pass"], env={**os.environ, "YOLO_DSCONV_HOOK": flag}, check=True
        )

    t = interleaved_medians({"hook on": launch("1"), "hook off": launch("0")}, rounds=rounds, warmup=3)
    return [{"part": "python -c pass", "shape": "-", "variant": k, "ms": v * 1e3} for k, v in t.items()]


def environment(device: str) -> dict:
    """What the numbers were measured on."""
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "device": device,
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info
