"""`yolo-dsconv erf model=<yaml or .pt> [imgsz=256] [layer=N] [out=erf.png] [compare=<model>] [samples=200] ...`."""

from __future__ import annotations

from pathlib import Path

from ..table import format_table
from .args import CLIError, check_imgsz, defaults_of, parse_kv


def _halves(r) -> list[str]:
    if not r.halves:
        return ["-", "-"]
    return [f"{r.halves[0][k]} / {r.halves[1][k]}" for k in (0, 1)]


def erf(
    model: str,
    imgsz: int = 256,
    layer: int | None = None,
    out: str = "erf.png",
    compare: str | None = None,
    samples: int = 200,
    data: str | None = None,
    seed: int = 0,
) -> int:
    """Compute and draw the ERF of `model` (and `compare`); print the 50 %/90 % square sides."""
    check_imgsz("erf", imgsz)
    from ..analysis import compute_erf, dataset_images, load_model, plot_erfs

    specs = [str(model)] + ([str(compare)] if compare else [])
    results = []
    try:
        images = dataset_images(str(data), int(samples), imgsz) if data else None
        for spec in specs:
            built = load_model(spec)
            results.append(compute_erf(built, imgsz, layer, int(samples), images, int(seed), Path(spec).name))
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(f"yolo-dsconv {e}" if str(e).startswith("erf:") else f"yolo-dsconv erf: {e}") from None
    path = plot_erfs(results, str(out))
    header = ["model", "layer", "inputs", "50% side (px)", "90% side (px)", "halves 50%", "halves 90%"]
    rows = [[r.name, r.layer, r.samples, r.side50, r.side90, *_halves(r)] for r in results]
    print(format_table(header, rows))
    print("sides of the centred squares holding 50 % / 90 % of |d centre / d input|; halves: the same from each")
    print("disjoint half of the inputs")
    print(f"written: {path}")
    return 0


def run(argv: list[str]) -> int:
    """`yolo-dsconv erf key=value ...`."""
    return erf(**parse_kv("erf", argv, defaults_of(erf)))
