"""Argument types and ranges as data, and the one check that reads them: every `X=… is invalid, expected …` of the
package and its CLI comes from here.

After Ultralytics' `cfg/__init__.py`, which keeps its argument types as data (`CFG_INT_KEYS`, `CFG_FLOAT_KEYS`, ...)
and checks them in one `check_cfg`. A bool is never a number here, although Python counts it as an int.

>>> check("seeds", 3, "compare")
3
>>> check("level", 1.5, "compare")
Traceback (most recent call last):
    ...
ValueError: compare: level=1.5 is invalid, expected a confidence level between 0 and 1
>>> check("imgsz", 100, "yolo-dsconv info")
Traceback (most recent call last):
    ...
ValueError: yolo-dsconv info: imgsz=100 is invalid, expected a multiple of 32, ≥ 32
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TypeVar

__all__ = ("RULES", "Rule", "check", "is_int", "is_number")

T = TypeVar("T")


def is_int(value: object) -> bool:
    """Whether `value` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """Whether `value` is a finite-or-infinite int or float and not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Rule:
    """One argument's type and range.

    Attributes:
        integer: only ints (else any number).
        low, high: the bounds; `open_low`/`open_high` exclude them.
        step: an int must be a multiple of it.
        odd: an int must be odd.
        flag: True or False only (the bounds are not read).
        expected: the words after "expected" (None: written from the rule).
        note: words in brackets after them, e.g. why the bound is what it is.
    """

    integer: bool = True
    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False
    step: int = 1
    odd: bool = False
    flag: bool = False
    expected: str | None = None
    note: str = ""

    def accepts(self, value: object) -> bool:
        """Whether `value` has this rule's type and lies in its range."""
        if self.flag:
            return isinstance(value, bool)
        if not (is_int(value) if self.integer else is_number(value)):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        steps = not self.integer or (value % self.step == 0 and (not self.odd or value % 2 == 1))
        return above and below and steps

    def words(self) -> str:
        """What this rule expects, in words."""
        if self.expected is None:
            if self.integer and self.high == math.inf:
                kind = "an odd positive integer" if self.odd and self.low == 1 else None
                kind = kind or ("a positive integer" if self.low == 1 else f"an integer ≥ {self.low:g}")
            elif self.integer:
                kind = f"an integer {self.low:g}..{self.high:g}"
            else:
                kind = "a positive number" if self.low == 0 and self.open_low else f"a number ≥ {self.low:g}"
        else:
            kind = self.expected
        return f"{kind} ({self.note})" if self.note else kind


FLAG = Rule(flag=True, expected="True or False")
POSITIVE_INT = Rule(low=1)
POSITIVE_NUMBER = Rule(integer=False, low=0, open_low=True)
ODD_KERNEL = Rule(low=1, odd=True)

RULES: dict[str, Rule] = {
    **dict.fromkeys(("c1", "c2", "s", "d", "seeds", "jobs", "threads", "n_train", "n_val"), POSITIVE_INT),
    **dict.fromkeys(("epochs", "batch", "nbs"), POSITIVE_INT),
    **dict.fromkeys(("sizes", "converged_only", "amp"), FLAG),
    "k": ODD_KERNEL,
    "e": POSITIVE_NUMBER,
    "margin": replace(POSITIVE_NUMBER, note="in metric units"),
    "tol": replace(POSITIVE_NUMBER, note="in metric units"),
    "level": Rule(
        integer=False, low=0, high=1, open_low=True, open_high=True, expected="a confidence level between 0 and 1"
    ),
    "imgsz": Rule(low=32, step=32, expected="a multiple of 32, ≥ 32"),
    "samples": Rule(low=2, note="two halves of the images"),
    "clutter": Rule(low=0),
    "freeze": Rule(low=0),
}


def check(name: str, value: T, owner: str, rule: Rule | None = None, error: type[Exception] = ValueError) -> T:
    """`value` if it meets `rule` (default: RULES[name]), else `error` naming the owner, the argument, the bad value
    and what was expected."""
    rule = RULES[name] if rule is None else rule
    if not rule.accepts(value):
        raise error(f"{owner}: {name}={value!r} is invalid, expected {rule.words()}")
    return value
