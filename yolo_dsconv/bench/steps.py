"""Where and how one timed step runs: the device, the placement of modules and inputs, AMP, and the two steps
(an inference forward, a training forward + backward) every bench part times."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from .timing import interleaved_medians

__all__ = (
    "autocast_for",
    "forward",
    "make_input",
    "place",
    "prepare",
    "sync_for",
    "time_steps",
    "torch_device",
    "train_step",
)

Autocast = Callable[[], AbstractContextManager]


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


def autocast_for(device: torch.device, amp: bool) -> Autocast:
    """A factory of the autocast context AMP training and inference use (fp16 on CUDA, bf16 on CPU), or no-ops."""
    if not amp:
        return contextlib.nullcontext
    half = torch.float16 if device.type == "cuda" else torch.bfloat16
    return lambda: torch.autocast(device.type, dtype=half)


def place(device: torch.device | str | int, amp: bool) -> tuple[torch.device, Autocast]:
    """(the torch.device, its autocast factory) for a bench part's `device` and `amp` arguments; `run_bench` parses
    the device once and passes the torch.device on."""
    dev = device if isinstance(device, torch.device) else torch_device(device)
    return dev, autocast_for(dev, amp)


def sync_for(device: torch.device) -> Callable[[], None] | None:
    """What to call before reading the clock: CUDA runs asynchronously, the CPU does not."""
    return torch.cuda.synchronize if device.type == "cuda" else None


def prepare(m: torch.nn.Module, device: torch.device, dtype: torch.dtype, channels_last: bool) -> torch.nn.Module:
    m = m.to(device=device, dtype=dtype)
    return m.to(memory_format=torch.channels_last) if channels_last else m


def make_input(
    shape: tuple[int, ...], device: torch.device, dtype: torch.dtype, channels_last: bool, requires_grad: bool = False
) -> torch.Tensor:
    x = torch.randn(*shape, device=device, dtype=dtype)
    x = x.contiguous(memory_format=torch.channels_last) if channels_last else x
    return x.requires_grad_(requires_grad)


def forward(m: torch.nn.Module, x: torch.Tensor, autocast: Autocast) -> None:
    """One inference forward (no autograd), under `autocast`."""
    with torch.inference_mode(), autocast():
        m(x)


def _total(out: torch.Tensor | dict | list | tuple) -> torch.Tensor:
    """The fp32 sum of every tensor in a model's output (tensor, list, tuple or dict, nested): a loss stand-in."""
    if isinstance(out, torch.Tensor):
        return out.float().sum()
    parts = out.values() if isinstance(out, dict) else out
    return sum(_total(o) for o in parts)


def train_step(m: torch.nn.Module, x: torch.Tensor, autocast: Autocast) -> None:
    """One training forward under `autocast` and the backward of the summed outputs, in fp32."""
    m.zero_grad(set_to_none=True)
    with autocast():
        out = m(x)
    _total(out).backward()


def time_steps(
    step: Callable[[torch.nn.Module, torch.Tensor, Autocast], None],
    mods: dict[str, torch.nn.Module],
    x: torch.Tensor,
    autocast: Autocast,
    rounds: int,
    device: torch.device,
    warmup: int = 3,
) -> dict[str, float]:
    """Median seconds of `step` (forward or train_step) of each module on `x`, interleaved after `warmup` rounds."""
    fns = {k: (lambda m=m: step(m, x, autocast)) for k, m in mods.items()}
    return interleaved_medians(fns, rounds=rounds, warmup=warmup, sync=sync_for(device))
