"""`key=value` arguments in the style of the `yolo` command, checked against each command's known keys."""

from __future__ import annotations

import ast

__all__ = ("CLIError", "parse_kv")


class CLIError(ValueError):
    """A bad command line; the message says what was wrong and what is accepted."""


def _value(text: str):
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    if text.lower() in {"none", "null"}:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_kv(command: str, argv: list[str], defaults: dict) -> dict:
    """Parse `key=value` words into a copy of `defaults`; unknown keys or bare words raise CLIError listing valid keys."""
    out = dict(defaults)
    valid = ", ".join(sorted(defaults))
    for word in argv:
        key, sep, text = word.partition("=")
        if not sep or not key:
            raise CLIError(f"yolo-dsconv {command}: argument {word!r} is not key=value; valid keys: {valid}")
        if key not in defaults:
            raise CLIError(f"yolo-dsconv {command}: unknown key {key!r}; valid keys: {valid}")
        out[key] = _value(text)
    return out
