"""The ERF of every finished run of a comparison, with the spread that matters.

For each run in a `compare` project folder: the ERF at P5 (the last backbone layer) of its best.pt, and of the same
architecture at initialisation (seeded like the run), over images none of them trained on: for built-in data, a
fresh dataset made like the comparison's (its generator settings, data seed 1); for a dataset YAML, its val split.
The input size is twice the training size, so the ERF can grow past what the training images showed. Each run's
maps are kept in its folder (`erf_<imgsz>px_<n>.npz`: the sides measured on the full maps, the maps summed over
blocks down to about 128 px a side for the figure, the digest of the images and the size and time of the best.pt
they came from), so a study that is cut short, or repeated as more runs finish, computes only what it
has not computed yet. The kept maps also stand in for a run's weights once those are gone (a study's results kept
without its weights, or moved to another machine): they are used whenever they were computed on the same images.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..analysis.erf import ERFResult, compute_erf, plot_erfs
from ..analysis.inputs import dataset_images
from ..checks import check
from ..data.yolo_yaml import dataset_root, split_folder
from .errors import CompareError
from .project import read_project
from .runs import run_folder

__all__ = (
    "KINDS", "VariantERF", "coarsened", "erf_study", "images_digest", "kept_file", "run_erfs", "unseen_images",
    "write_study",
)  # fmt: skip

KINDS = ("trained", "init")
DATA_SEED = 1  # the comparisons train and validate on data seed 0
KEPT_SIDE = 128  # maps are kept and plotted as block sums down to about this side; the sides come from full maps


@dataclass
class VariantERF:
    """One variant's ERFs at one kind of weights (trained or init), one per finished run, with their seeds."""

    variant: str
    weights: str
    seeds: list[int]
    results: list[ERFResult]
    convergence: list[str]

    def side(self, which: str) -> tuple[float, float]:
        """Mean and standard deviation over seeds of the 50 % or 90 % side ("side50" / "side90"), in pixels."""
        values = [getattr(r, which) for r in self.results]
        return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    def halves_gap(self) -> int:
        """The largest difference of a side between the two disjoint halves of the images, over all seeds."""
        return max(abs(r.halves[0][k] - r.halves[1][k]) for r in self.results for k in (0, 1))

    def mean_map(self) -> ERFResult:
        """The seed-averaged map (at the kept maps' resolution), with the mean of the seeds' sides (the table's)."""
        erf = np.mean([r.erf for r in self.results], axis=0)
        name = f"{self.variant} {self.weights}, {len(self.results)} seeds"
        side50, side90 = (round(self.side(which)[0]) for which in ("side50", "side90"))
        return ERFResult(name, self.results[0].layer, erf, side50, side90)


def unseen_images(project: Path, config: dict, samples: int, imgsz: int) -> torch.Tensor:
    """`samples` images of the comparison's kind that no run trained on, resized to imgsz² ((N, 3, H, W) in [0, 1]).

    Built-in data: made again with the comparison's generator settings and another data seed, under
    `project/erf-data` (reused when it is there); a dataset YAML: its test split (`erf_split`), which neither
    training nor the choice of each run's best epoch (on val) has seen.
    """
    data = config["data"]
    if "built_in" not in data:
        return dataset_images(split_folder(data["yaml"], erf_split(data["yaml"])), samples, imgsz)
    from ..data import generate_shapes_dataset

    kind = {k: v for k, v in data["built_in"].items() if k not in ("n_train", "n_val", "seed")}
    folder = generate_shapes_dataset(project / "erf-data", n_train=1, n_val=samples, seed=DATA_SEED, **kind)
    return dataset_images(folder, samples, imgsz)


def erf_split(data_yaml: str | Path) -> str:
    """The split of a dataset YAML the ERF study reads: test when the YAML names one, else val."""
    spec, _ = dataset_root(data_yaml)
    return "test" if spec.get("test") else "val"


def coarsened(erf: np.ndarray, side: int = KEPT_SIDE) -> np.ndarray:
    """`erf` (H×W) summed over f×f blocks, f the largest power of 2 dividing H and W that keeps both sides ≥ `side`.

    Examples:
        >>> [coarsened(np.ones(shape)).shape for shape in ((512, 512), (512, 384), (99, 99))]
        [(128, 128), (256, 192), (99, 99)]
    """
    h, w = erf.shape
    f = 1
    while h % (2 * f) == 0 and w % (2 * f) == 0 and min(h, w) // (2 * f) >= side:
        f *= 2
    return erf.reshape(h // f, f, w // f, f).sum(axis=(1, 3))


def _best(run_dir: Path) -> Path:
    return run_dir / "weights" / "best.pt"


def kept_file(run_dir: Path, imgsz: int, samples: int) -> Path:
    """Where a run's ERF maps at `imgsz` over `samples` images are kept."""
    return run_dir / f"erf_{imgsz}px_{samples}.npz"


def _no_maps(best: Path, file: Path) -> str:
    return (
        f"compare: {best} is missing and {file} holds no maps of these images, expected the run's weights or its "
        "maps kept for the same images"
    )


def _key(best: Path) -> np.ndarray:
    stat = best.stat()
    return np.array([stat.st_size, stat.st_mtime_ns], dtype=np.int64)


def images_digest(images: torch.Tensor) -> str:
    """A digest of the images' pixels: kept maps are reused only for the same images."""
    h = hashlib.sha256()
    for image in images:
        h.update(image.numpy().tobytes())
    return h.hexdigest()


def _kept(z: np.lib.npyio.NpzFile, kind: str) -> ERFResult:
    side50, side90, *halves = (int(v) for v in z[f"{kind}_sides"])
    halves = (tuple(halves[:2]), tuple(halves[2:]))
    return ERFResult(kind, int(z["layer"]), z[kind], side50, side90, int(z["samples"]), halves)


def _load(file: Path, best: Path, digest: str) -> dict[str, ERFResult] | None:
    """The maps kept for this run, if they were computed on the same images from the best.pt that is there now, or
    from whichever best.pt the run had when it has none now."""
    try:
        with np.load(file) as z:
            weights = not best.is_file() or np.array_equal(z["best"], _key(best))
            same = weights and str(z["images"]) == digest
            return {k: _kept(z, k) for k in KINDS} if same else None
    except (OSError, KeyError, ValueError):
        return None


def run_erfs(
    run_dir: Path, model: str, seed: int, images: torch.Tensor, digest: str | None = None
) -> tuple[dict[str, ERFResult], bool]:
    """The trained and initial ERF of one run (its best.pt; `model` built with torch seeded by `seed`), over
    `images` (N, 3, S, S); `digest` is theirs (`images_digest`), computed here when not given.

    Returns:
        ({"trained": ..., "init": ...}, whether they were read from the run's kept maps).

    Raises:
        CompareError: the run has no best.pt and no maps kept for these images.
    """
    from ultralytics.nn.tasks import DetectionModel, load_checkpoint

    best = _best(run_dir)
    imgsz, n = images.shape[-1], len(images)
    file = kept_file(run_dir, imgsz, n)
    digest = digest or images_digest(images)
    kept = _load(file, best, digest)
    if kept is not None:
        return kept, True
    if not best.is_file():
        raise CompareError(_no_maps(best, file))
    torch.manual_seed(seed)
    models = {"trained": load_checkpoint(str(best))[0], "init": DetectionModel(model, verbose=False)}
    full = {k: compute_erf(m, imgsz, images=images, name=k) for k, m in models.items()}
    out = {k: replace(r, erf=coarsened(r.erf)) for k, r in full.items()}
    sides = {f"{k}_sides": np.array([r.side50, r.side90, *np.ravel(r.halves)]) for k, r in out.items()}
    tmp = file.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, best=_key(best), images=digest, layer=out["trained"].layer, samples=n,
                        **{k: r.erf for k, r in out.items()}, **sides)  # fmt: skip
    tmp.replace(file)
    return out, False


def erf_study(
    project: str | Path,
    samples: int = 200,
    imgsz: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict, list[VariantERF]]:
    """The ERFs of every finished run of a comparison, grouped per variant and kind of weights.

    Args:
        project: a comparison's project folder (finished, or still training: its finished runs are used).
        samples: images the ERFs average over; split in two disjoint halves for the noise of the sides.
        imgsz: input side (default: twice the comparison's training size).
        progress: called with one line per run.

    Returns:
        (what was measured: project as given, images, imgsz, data seed; a VariantERF per variant and kind, in the
        comparison's order, trained before init).

    Raises:
        CompareError: fewer than 2 samples, not a comparison's folder, no finished run yet, or a finished run
            with neither its best.pt nor kept maps (a copy of the results without the weights); nothing is written
            then. Kept maps of other images, found once the images are made, are refused too.
    """
    check("samples", samples, "compare", error=CompareError)
    given, project = str(project), Path(project).resolve()
    state = read_project(project)
    config = state.config
    imgsz = imgsz or 2 * config["train"]["imgsz"]
    folders = {(r.variant, r.seed): run_folder(project, r.variant, r.seed) for r in state.summary.runs}
    missing = [
        best
        for folder in folders.values()
        if not (best := _best(folder)).is_file() and not kept_file(folder, imgsz, samples).is_file()
    ]
    if missing:
        raise CompareError(
            f"compare: {missing[0]} is missing ({len(missing)} of {len(state.summary.runs)} finished runs have "
            f"neither best.pt nor {kept_file(Path(), imgsz, samples)}), expected the folder the comparison trained "
            "in, with its weights, or the runs' kept maps"
        )
    images = unseen_images(project, config, samples, imgsz)
    digest = images_digest(images)
    for folder in folders.values():
        best, file = _best(folder), kept_file(folder, imgsz, samples)
        if not best.is_file() and _load(file, best, digest) is None:
            raise CompareError(_no_maps(best, file))
    found: list[VariantERF] = []
    for row in state.summary.rows:
        runs = sorted((r for r in state.summary.runs if r.variant == row.variant), key=lambda r: r.seed)
        groups = {k: VariantERF(row.variant, k, [], [], []) for k in KINDS}
        for r in runs:
            erfs, kept = run_erfs(folders[r.variant, r.seed], row.costs.model, r.seed, images, digest)
            if progress:
                progress(f"erf: {r.variant}/seed{r.seed}: {'kept' if kept else 'computed'}")
            for k, group in groups.items():
                group.seeds.append(r.seed)
                group.results.append(erfs[k])
                group.convergence.append(r.convergence)
        found += groups.values()
    meta = {"project": given, "images": len(images), "imgsz": imgsz, "data_seed": DATA_SEED}
    if "built_in" not in config["data"]:
        meta = {**meta, "split": erf_split(config["data"]["yaml"])}
    return meta, found


def _of_split(meta: dict) -> str:
    return f" (the dataset's {meta['split']} split)" if "split" in meta else ""


def write_study(meta: dict, groups: list[VariantERF], out: str | Path) -> list[str]:
    """Write <out>.md (the table), <out>.json (every seed) and <out>.png (each variant's trained map, seed-averaged).

    Returns:
        The lines of the table, as written to the .md.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "variant": g.variant,
            "weights": g.weights,
            "seeds": len(g.results),
            "converged": sum(c == "converged" for c in g.convergence),
            "side50": list(g.side("side50")),
            "side90": list(g.side("side90")),
            "per_seed": [[s, r.side50, r.side90, r.halves, c] for s, r, c in zip(g.seeds, g.results, g.convergence)],
            "largest_halves_gap": g.halves_gap(),
        }
        for g in groups
    ]
    out.with_suffix(".json").write_text(json.dumps({**meta, "rows": rows}, indent=1))
    plot_erfs([g.mean_map() for g in groups if g.weights == "trained"], str(out.with_suffix(".png")), panel=3.2)
    lines = [
        f"ERF at P5 over {meta['images']} unseen images{_of_split(meta)} at {meta['imgsz']} px (`yolo-dsconv erf "
        f"project={meta['project']}`); sides in input pixels, mean ± std over seeds; converged: trained runs "
        "converged by compare's rule; halves gap: the largest difference of a side between the two disjoint halves "
        "of the images, over all seeds.",
        "",
        "| variant | weights | seeds | converged | 50 % side | 90 % side | halves gap |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        converged = f"{r['converged']}/{r['seeds']}" if r["weights"] == "trained" else "-"
        lines.append(
            f"| {r['variant']} | {r['weights']} | {r['seeds']} | {converged} | "
            f"{_side(r['side50'], r['seeds'])} | {_side(r['side90'], r['seeds'])} | "
            f"{r['largest_halves_gap']} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return lines


def _side(value: list[float], seeds: int) -> str:
    """A side's mean ± std over seeds; the value alone for one seed, which has no spread."""
    return f"{value[0]:.1f} ± {value[1]:.1f}" if seeds > 1 else f"{value[0]:.1f}"
