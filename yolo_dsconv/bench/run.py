"""`yolo-dsconv bench`: module, training-step and whole-model timings, measured side by side in one run."""

from __future__ import annotations

import contextlib
import copy
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from .depthwise import bench_depthwise
from .timing import interleaved_medians
from .variants import module_variants

__all__ = (
    "autocast_for",
    "bench_dw",
    "bench_model",
    "bench_model_train",
    "bench_module",
    "bench_startup",
    "bench_train_step",
    "torch_device",
)

# P5 shapes of yolov5n (256 ch) and yolov5s (512 ch) at 640, 320 and Ultralytics' 256 px stride probe.
P5_SHAPES = [(256, 20), (256, 10), (256, 8), (512, 20), (512, 10), (512, 8)]
DW_SHAPES = [(256, 20), (512, 20)]  # the dilation probe at 640 px, where every dilated tap still lands in the map


def torch_device(device: str | int) -> torch.device:
    """Ultralytics' device spelling (cpu, 0, cuda:0, mps) as a torch.device, refused early when it is not there.

    Raises:
        ValueError: an unknown spelling, or an accelerator this Python's torch cannot use.
    """
    text = str(device).strip().lower()
    name = f"cuda:{text}" if text.isdigit() else text
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device={device!r} is invalid, expected cpu, a CUDA index such as 0, or cuda:0") from None
    if dev.type == "cuda" and not (torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count()):
        raise ValueError(
            f"device={device!r} asks for CUDA, and this Python's torch {torch.__version__} sees "
            f"{torch.cuda.device_count()} CUDA device(s); use device=cpu"
        )
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is invalid, expected cpu, a CUDA index such as 0, cuda:0 or mps")
    return dev


def autocast_for(device: torch.device, amp: bool) -> Callable[[], AbstractContextManager]:
    """A factory of the autocast context AMP training and inference use (fp16 on CUDA, bf16 on CPU), or no-ops."""
    if not amp:
        return contextlib.nullcontext
    half = torch.float16 if device.type == "cuda" else torch.bfloat16
    return lambda: torch.autocast(device.type, dtype=half)


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
    shapes=P5_SHAPES, rounds=30, device="cpu", dtype=torch.float32, channels_last=False, batch=1, amp=False
) -> list[dict]:
    """Forward (no grad, eval) median time of each module variant at each (channels, side) shape."""
    device, autocast = torch_device(device), autocast_for(torch_device(device), amp)
    rows = []
    for c, s in shapes:
        variants = {k: _prepare(m, device, dtype, channels_last) for k, m in module_variants(c).items()}
        x = _input((batch, c, s, s), device, dtype, channels_last)

        def fwd(m, x=x):
            with torch.inference_mode(), autocast():
                m(x)

        t = interleaved_medians(
            {k: (lambda m=m: fwd(m)) for k, m in variants.items()}, rounds=rounds, sync=_sync(device)
        )
        rows += [
            {"part": "module fwd", "shape": f"{batch}x{c}x{s}x{s}", "variant": k, "ms": v * 1e3} for k, v in t.items()
        ]
    return rows


def _total(out) -> torch.Tensor:
    """The fp32 sum of every tensor in a model's output (tensor, list, tuple or dict, nested): a loss stand-in."""
    if isinstance(out, torch.Tensor):
        return out.float().sum()
    parts = out.values() if isinstance(out, dict) else out
    return sum(_total(o) for o in parts)


def _train_step(m: torch.nn.Module, x: torch.Tensor, autocast: Callable[[], AbstractContextManager]) -> None:
    m.zero_grad(set_to_none=True)
    with autocast():
        out = m(x)
    _total(out).backward()


def _time_train_steps(
    mods: dict[str, torch.nn.Module], x: torch.Tensor, autocast, rounds: int, device: torch.device
) -> dict[str, float]:
    """Median seconds of one forward + backward of each module on `x`, interleaved after 2 warm-up rounds."""
    fns = {k: (lambda m=m: _train_step(m, x, autocast)) for k, m in mods.items()}
    return interleaved_medians(fns, rounds=rounds, warmup=2, sync=_sync(device))


def bench_train_step(
    shapes=P5_SHAPES, rounds=15, device="cpu", dtype=torch.float32, channels_last=False, batch=8, amp=False
) -> list[dict]:
    """Forward + backward (train mode, unfused) median time of the trainable variants."""
    device, autocast = torch_device(device), autocast_for(torch_device(device), amp)
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
        t = _time_train_steps(mods, x, autocast, rounds, device)
        rows += [
            {"part": "train step", "shape": f"{batch}x{c}x{s}x{s}", "variant": k, "ms": v * 1e3} for k, v in t.items()
        ]
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
    scales="ns", sizes=(320, 640), rounds=15, device="cpu", dtype=torch.float32, channels_last=False, amp=False
) -> list[dict]:
    """Whole model (fused, eval, batch 1): stock yolov5{scale} vs yolov5{scale}-dsconv, params, GFLOPs, latency."""
    from ..profile import count_flops

    device, autocast = torch_device(device), autocast_for(torch_device(device), amp)
    rows = []
    for scale in scales:
        models = {
            k: _prepare(m.fuse(verbose=False).eval(), device, dtype, channels_last)
            for k, m in _stock_and_dsconv(scale).items()
        }
        for size in sizes:
            x = _input((1, 3, size, size), device, dtype, channels_last)

            def fwd(m, x=x):
                with torch.inference_mode(), autocast():
                    m(x)

            t = interleaved_medians({k: (lambda m=m: fwd(m)) for k, m in models.items()}, rounds, sync=_sync(device))
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


def bench_model_train(
    scales="ns", size=640, batch=16, rounds=10, device="cpu", dtype=torch.float32, channels_last=False, amp=False
) -> list[dict]:
    """Whole-model training step (train mode, unfused, forward + backward of the summed head outputs).

    This is the part of `yolo train` the architecture changes; the loss, optimizer step and data loading cost the
    same for stock and dsconv and are left out.
    """
    device, autocast = torch_device(device), autocast_for(torch_device(device), amp)
    rows = []
    for scale in scales:
        models = {k: _prepare(m.train(), device, dtype, channels_last) for k, m in _stock_and_dsconv(scale).items()}
        x = _input((batch, 3, size, size), device, dtype, channels_last)
        t = _time_train_steps(models, x, autocast, rounds, device)
        rows += [
            {"part": "model train step", "shape": f"{batch}x3x{size}x{size}", "variant": k, "ms": v * 1e3}
            for k, v in t.items()
        ]
    return rows


def bench_dw(
    shapes=DW_SHAPES, rounds=30, device="cpu", dtype=torch.float32, channels_last=False, amp=False, batch=8
) -> list[dict]:
    """ExpandConv's dilated depthwise stages against dense and zero-filled forms (see depthwise.py)."""
    dev = torch_device(device)
    return bench_depthwise(
        shapes, rounds, dev, dtype, channels_last, autocast_for(dev, amp), _prepare, _input, _sync(dev), batch=batch
    )


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
    dev = torch_device(device)
    if dev.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(dev), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
    return info
