"""`yolo-dsconv erf model=<yaml or .pt> [imgsz=256] [layer=N] [out=erf.png] [compare=<model>] [samples=200] ...`, or
`yolo-dsconv erf project=DIR [samples=200] [imgsz=] [out=]`: the ERF study of a comparison's finished runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..table import format_table

if TYPE_CHECKING:
    from ..analysis.erf import ERFResult
from .args import CLIError, check_imgsz, check_positive_ints, defaults_of, parse_kv

# keys of the one-model ERF that a project's study sets itself, and their defaults
MODEL_ONLY: dict[str, Any] = {"layer": None, "compare": None, "data": None, "seed": 0}


def _halves(r: ERFResult) -> list[str]:
    if not r.halves:
        return ["-", "-"]
    return [f"{r.halves[0][k]} / {r.halves[1][k]}" for k in (0, 1)]


def erf(
    model: str | None = None,
    imgsz: int | None = None,
    out: str | None = None,
    samples: int = 200,
    project: str | None = None,
    **one_model: Any,
) -> int:
    """Compute and draw the ERF of `model` (and `compare`), or of every finished run of a comparison's `project`;
    print the 50 %/90 % square sides. `one_model`: MODEL_ONLY's layer, compare, data and seed."""
    if (model is None) == (project is None):
        raise CLIError("yolo-dsconv erf: give model= (a YAML or .pt) or project= (a comparison's folder), one of them")
    if imgsz is not None:
        check_imgsz("erf", imgsz)
    check_positive_ints("erf", {"samples": samples}, ("samples",))
    if project is not None:
        given = [k for k, v in one_model.items() if v != MODEL_ONLY[k]]
        if given:
            raise CLIError(f"yolo-dsconv erf: {given[0]}= applies to model=, not to project= (P5 of each run's model)")
        return _study(project, samples, imgsz, out)
    layer, compare, data, seed = ({**MODEL_ONLY, **one_model}[k] for k in MODEL_ONLY)
    from ..analysis import compute_erf, dataset_images, load_model, plot_erfs

    imgsz = imgsz or 256
    specs = [str(model)] + ([str(compare)] if compare else [])
    results = []
    try:
        images = dataset_images(str(data), int(samples), imgsz) if data else None
        for spec in specs:
            built = load_model(spec)
            results.append(compute_erf(built, imgsz, layer, samples, images, seed, Path(spec).name))
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(f"yolo-dsconv {e}" if str(e).startswith("erf:") else f"yolo-dsconv erf: {e}") from None
    path = plot_erfs(results, str(out or "erf.png"))
    header = ["model", "layer", "inputs", "50% side (px)", "90% side (px)", "halves 50%", "halves 90%"]
    rows = [[r.name, r.layer, r.samples, r.side50, r.side90, *_halves(r)] for r in results]
    print(format_table(header, rows))
    print("sides of the centred squares holding 50 % / 90 % of |d centre / d input|; halves: the same from each")
    print("disjoint half of the inputs")
    print(f"written: {path}")
    return 0


def _study(project: str, samples: int, imgsz: int | None, out: str | None) -> int:
    from ..compare.erf_study import erf_study, write_study
    from ..compare.errors import CompareError

    try:
        meta, groups = erf_study(project, samples, imgsz, progress=print)
    except CompareError as e:
        raise CLIError(f"yolo-dsconv erf: {str(e).removeprefix('compare: ')}") from None
    target = Path(out) if out else Path(project) / "erf"
    lines = write_study(meta, groups, target)
    print("\n".join(["", *lines[2:], "", f"md, json, png: {target}.{{md,json,png}}"]))
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv erf key=value ...`."""
    return erf(**parse_kv("erf", argv, {**defaults_of(erf), **MODEL_ONLY}))
