"""`yolo-dsconv keep project=DIR out=DIR`: copy what a comparison must keep to be read again and resumed (its
configuration, tables, YAMLs and each finished run's records), without weights or data, e.g. into a repository."""

from __future__ import annotations

from .args import CLIError, defaults_of, parse_kv


def keep(project: str, out: str) -> int:
    """Copy the project's kept files into `out` and say how many finished runs went."""
    from ..compare.errors import CompareError
    from ..compare.keep import keep as keep_project

    try:
        runs = keep_project(str(project), str(out))
    except CompareError as e:
        raise CLIError(f"yolo-dsconv keep: {str(e).removeprefix('compare: ')}") from None
    print(f"yolo-dsconv keep: {len(runs)} finished run(s) of {project} kept in {out}")
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv keep key=value ...`."""
    return keep(**parse_kv("keep", argv, defaults_of(keep)))
