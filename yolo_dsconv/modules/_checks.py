"""Argument checks shared by the modules: each error names the argument, the bad value and what was expected."""

from __future__ import annotations

from collections.abc import Sequence

from ..checks import ODD_KERNEL, POSITIVE_INT, check

__all__ = ("INITS", "check_dilations", "check_init", "check_kernels", "check_positive_int")

INITS = ("default", "identity")


def check_positive_int(name: str, value: object, owner: str) -> int:
    """Return `value` if it is an int ≥ 1 (bools refused), else raise ValueError naming `name`."""
    return check(name, value, owner, POSITIVE_INT)


def _as_tuple(name: str, value: object, owner: str) -> tuple:
    if isinstance(value, (int, bool)) or value is None:
        return (value,)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(value)
    raise ValueError(f"{owner}: {name}={value!r} is invalid, expected an integer or a list of integers")


def check_kernels(k: object, owner: str) -> tuple[int, ...]:
    """Return kernel sizes as a non-empty tuple of odd positive ints, else raise ValueError."""
    ks = _as_tuple("k", k, owner)
    if not ks:
        raise ValueError(f"{owner}: k={k!r} is invalid, expected at least one kernel size")
    for ki in ks:
        if not ODD_KERNEL.accepts(ki):
            raise ValueError(f"{owner}: kernel size {ki!r} in k={k!r} is invalid, expected odd positive integers")
    return ks


def check_dilations(d: object, n: int, owner: str) -> tuple[int, ...]:
    """Return n dilations (an int is broadcast to all n), each a positive int, else raise ValueError."""
    ds = _as_tuple("d", d, owner)
    if len(ds) == 1 and not isinstance(d, Sequence):  # a bare int serves every branch
        ds = ds * n
    if len(ds) != n:
        raise ValueError(f"{owner}: d={d!r} has {len(ds)} dilations but k has {n} kernel sizes, expected equal lengths")
    for di in ds:
        if not POSITIVE_INT.accepts(di):
            raise ValueError(f"{owner}: dilation {di!r} in d={d!r} is invalid, expected positive integers")
    return ds


def check_init(init: object, c1: int, c2: int, owner: str) -> bool:
    """Whether `init` asks for the identity start (an outer shortcut, last BatchNorm scale zero), else ValueError:
    `init` not one of INITS, or "identity" with c1 != c2 (the shortcut adds the input to the output)."""
    if init not in INITS:
        raise ValueError(f"{owner}: init={init!r} is invalid, expected one of {', '.join(INITS)}")
    if init == "identity" and c1 != c2:
        raise ValueError(
            f"{owner}: init='identity' needs c1 == c2 for its shortcut, got c1={c1}, c2={c2} "
            "(graft gives the inserted layer its anchor's width)"
        )
    return init == "identity"
