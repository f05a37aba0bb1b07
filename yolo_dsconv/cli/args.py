"""`key=value` arguments parsed as the `yolo` command parses them, checked against a function's signature.

Values go through Ultralytics' own `smart_value` and `merge_equals_args`; unknown keys get the "did you mean"
suggestions of Ultralytics' `check_dict_alignment`. Each command's keys and defaults are the keyword parameters
of the function it runs, so they are written once.
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any, Callable

from ..checks import POSITIVE_INT, check

__all__ = ("REQUIRED", "CLIError", "check_imgsz", "check_positive_ints", "defaults_of", "parse_kv")

REQUIRED = inspect.Parameter.empty  # the default of a key that must be given


class CLIError(ValueError):
    """A bad command line; the message says what was wrong and what is accepted."""


def defaults_of(fn: Callable, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The keyword parameters of `fn` and their defaults (`REQUIRED` for those without one)."""
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if name not in exclude and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


def _suggestions(command: str, defaults: dict, given: dict) -> None:
    """Raise CLIError for keys not in `defaults`, with Ultralytics' suggestion of similar keys."""
    from ultralytics.cfg import check_dict_alignment

    base = {k: (None if v is REQUIRED else v) for k, v in defaults.items()}
    logging.disable(logging.INFO)  # check_dict_alignment prints the `yolo` help, which is not this command's
    try:
        check_dict_alignment(base, given, allowed_custom_keys=set())
    except SyntaxError as e:
        valid = ", ".join(sorted(defaults))
        hints = re.findall(r"'([^']*)' is not a valid YOLO argument\. ?(.*)", str(e))
        unknown = "; ".join(f"unknown key {k!r}" for k, _ in hints)
        similar = " ".join(f"For {k!r}: {s}" if len(hints) > 1 else s for k, s in hints if s)
        raise CLIError(
            f"yolo-dsconv {command}: {unknown}; valid keys: {valid}" + (f". {similar}" if similar else "")
        ) from None
    finally:
        logging.disable(logging.NOTSET)


def parse_kv(command: str, argv: list[str], defaults: dict[str, Any]) -> dict[str, Any]:
    """Parse `key=value` words into a copy of `defaults`.

    Raises:
        CLIError: a bare word, an unknown key (with similar valid keys), or a required key left out.
    """
    from ultralytics.cfg import merge_equals_args, smart_value

    given = {}
    for word in merge_equals_args(list(argv)):
        key, sep, text = word.partition("=")
        if not sep or not key:
            raise CLIError(
                f"yolo-dsconv {command}: argument {word!r} is not key=value; valid keys: {', '.join(sorted(defaults))}"
            )
        given[key] = smart_value(text)
    _suggestions(command, defaults, given)
    out = {**defaults, **given}
    missing = [k for k, v in out.items() if v is REQUIRED]
    if missing:
        raise CLIError(f"yolo-dsconv {command}: {missing[0]}= is required")
    return out


def check_imgsz(command: str, imgsz: Any) -> int:
    """`imgsz` if it is a multiple of 32 of at least 32, else CLIError."""
    return check("imgsz", imgsz, f"yolo-dsconv {command}", error=CLIError)


def check_positive_ints(command: str, args: dict[str, Any], keys: tuple[str, ...]) -> None:
    """CLIError naming the first of `keys` whose value in `args` is not a positive integer."""
    for key in keys:
        check(key, args[key], f"yolo-dsconv {command}", POSITIVE_INT, CLIError)
