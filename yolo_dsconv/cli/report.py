"""`yolo-dsconv report file=compare.json | project=DIR [reference=] [margin=] [level=] [tol=] [converged_only=]
[out=]`: a comparison read again without training anything. file= reads a finished one (compare.json) under the
current rules, or another margin, level, convergence tolerance or reference; project= reads a comparison's folder
as it stands, its finished runs only, while it still trains or after it was cut short. converged_only=True keeps the
runs that converged, a sensitivity reading; tol= classifies convergence at another tolerance on the last 20 % of
epochs' gain (a second, looser rule). Writes a .md and a .png beside the file (compare.md) or in the project
(report.md); a reading with other options is named for them (compare_vs_control_margin0.02.md, report_tol0.02.md),
so it never replaces another."""

from __future__ import annotations

import json
from pathlib import Path

from ..checks import check
from .args import CLIError, defaults_of, parse_kv


def reading_name(stem: str, reference: str | None, numbers: dict[str, float | None], only: bool) -> str:
    """The .md's name for one reading of a comparison: `stem`, then each option given, in a fixed order.

    >>> reading_name("compare", "control", {"margin": 0.02, "level": None, "tol": 0.01}, True)
    'compare_vs_control_margin0.02_tol0.01_converged.md'
    """
    parts = [stem]
    parts += [f"vs_{reference}"] if reference is not None else []
    parts += [f"{key}{value:g}" for key, value in numbers.items() if value is not None]
    parts += ["converged"] if only else []
    return "_".join(parts) + ".md"


def report(
    file: str | None = None,
    project: str | None = None,
    reference: str | None = None,
    margin: float | None = None,
    level: float | None = None,
    tol: float | None = None,
    converged_only: bool = False,
    out: str | None = None,
) -> int:
    """Print the table and notes of a compare.json (`file`) or a project folder, and write its .md and .png (`out`,
    default: named for the options given); margin, level, tol and reference default to the comparison's own."""
    from ..compare.errors import CompareError
    from ..compare.project import read_project
    from ..compare.report import format_summary, plot, write_markdown
    from ..compare.summary import summary_from_json

    args = {"file": file, "project": project, "reference": reference, "margin": margin, "level": level, "tol": tol}
    args |= {"converged_only": converged_only, "out": out}
    if (args["file"] is None) == (args["project"] is None):
        raise CLIError(
            "yolo-dsconv report: give file= (a compare.json) or project= (a comparison's folder), one of them"
        )
    numbers = {key: args[key] for key in ("margin", "level", "tol")}
    for key in numbers:
        if args[key] is not None:
            check(key, args[key], "yolo-dsconv report", error=CLIError)
    only = args["converged_only"]
    check("converged_only", only, "yolo-dsconv report", error=CLIError)
    reference = None if args["reference"] is None else str(args["reference"])
    options = (reference, numbers, only)
    extra: list[str] = []
    try:
        if args["file"] is not None:
            path = Path(str(args["file"]))
            try:
                doc = json.loads(path.read_text())
                config = doc["config"]
            except (OSError, ValueError, KeyError) as e:
                raise CLIError(
                    f"yolo-dsconv report: file={path} is not a compare.json ({type(e).__name__}: {e})"
                ) from None
            summary = summary_from_json(doc, args["margin"], args["level"], reference, only, args["tol"])
            default_out = path.parent / reading_name(path.stem, *options)
        else:
            given = {k: v for k, v in numbers.items() if v is not None}  # else read_project's defaults
            state = read_project(str(args["project"]), reference=reference, converged_only=only, **given)
            summary, config, extra = state.summary, state.config, [state.progress()]
            default_out = Path(str(args["project"])) / reading_name("report", *options)
    except CompareError as e:
        raise CLIError(f"yolo-dsconv report: {str(e).removeprefix('compare: ')}") from None
    out = Path(str(args["out"])) if args["out"] is not None else default_out
    document = {**config, "margin": summary.margin, "tol": summary.tol}
    write_markdown(out, summary, document, extra)
    plot(out.with_suffix(".png"), summary, document)
    print(format_summary(summary))
    print("\n".join(["", *extra, f"md: {out}", f"png: {out.with_suffix('.png')}"]))
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv report key=value ...`."""
    return report(**parse_kv("report", argv, defaults_of(report)))
