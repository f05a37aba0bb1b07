"""ERF of every trained run of a comparison, over 200 unseen built-in images, with the spread that matters.

For each variant of a `yolo-dsconv compare` project and each seed: the ERF at P5 (the last backbone layer) of the
run's best.pt, and of the same architecture at initialisation (seeded like the run), over `--images` validation
images of a fresh built-in dataset made like the study's (its generator settings, data seed 1, so none was trained
on) at twice the training size. Reported per
variant: mean ± std over seeds of the sides of the centred squares holding 50 % and 90 % of the ERF, and the
largest difference between the two disjoint halves of the images (the measurement's own noise). Writes
<out>.md, <out>.json and <out>.png (the seed-averaged ERF of each variant, trained).

    python scripts/erf_study.py --project docs/results/runs_128 --out docs/results/erf_128
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="a compare project folder (holds compare.json)")
    parser.add_argument("--out", required=True, help="output path without suffix")
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args()

    from ultralytics import YOLO
    from ultralytics.nn.tasks import load_checkpoint

    import yolo_dsconv  # noqa: F401  (registers the modules)
    from yolo_dsconv.analysis import ERFResult, compute_erf, dataset_images, mass_square_side, plot_erfs
    from yolo_dsconv.data import generate_shapes_dataset

    project = Path(args.project)
    doc = json.loads((project / "compare.json").read_text())
    train_size = doc["config"]["train"]["imgsz"]
    imgsz = 2 * train_size
    # the study's own generator settings (e.g. shapes=hard), with another seed: the same kind of image, none seen
    kind = {k: v for k, v in doc["config"]["data"].get("built_in", {}).items() if k not in ("n_train", "n_val", "seed")}
    kind["imgsz"] = train_size
    data = generate_shapes_dataset(project / "erf-data", n_train=1, n_val=args.images, seed=1, **kind)
    images = dataset_images(str(data), args.images, imgsz)
    rows, maps = [], {}
    for s in doc["summary"]:
        per_seed = {"trained": [], "init": []}
        for run in (r for r in doc["runs"] if r["variant"] == s["variant"]):
            best = Path(run["save_dir"]) / "weights" / "best.pt"
            trained = load_checkpoint(str(best))[0]
            torch.manual_seed(run["seed"])
            init = YOLO(s["model"]).model
            for kind, model in (("trained", trained), ("init", init)):
                r = compute_erf(model, imgsz, images=images, name=s["variant"])
                per_seed[kind].append(r)
        for kind, results in per_seed.items():
            side50 = [r.side50 for r in results]
            side90 = [r.side90 for r in results]
            gap = max(max(abs(r.halves[0][k] - r.halves[1][k]) for r in results) for k in (0, 1))
            rows.append(
                {
                    "variant": s["variant"],
                    "weights": kind,
                    "seeds": len(results),
                    "side50": [statistics.mean(side50), statistics.stdev(side50) if len(side50) > 1 else 0.0],
                    "side90": [statistics.mean(side90), statistics.stdev(side90) if len(side90) > 1 else 0.0],
                    "per_seed": [[r.side50, r.side90, r.halves] for r in results],
                    "largest_halves_gap": gap,
                }
            )
        mean = np.mean([r.erf for r in per_seed["trained"]], axis=0)
        layer = per_seed["trained"][0].layer
        maps[s["variant"]] = ERFResult(f"{s['variant']} trained, {len(per_seed['trained'])} seeds", layer, mean, 0, 0)
    out = Path(args.out)
    for r in maps.values():
        r.side50, r.side90 = mass_square_side(r.erf, 0.5), mass_square_side(r.erf, 0.9)
    plot_erfs(list(maps.values()), str(out.with_suffix(".png")), panel=3.2)
    meta = {"project": str(project), "images": args.images, "imgsz": imgsz, "data_seed": 1}
    out.with_suffix(".json").write_text(json.dumps({**meta, "rows": rows}, indent=1))
    lines = [
        f"ERF at P5 over {args.images} unseen built-in images at {imgsz} px (`scripts/erf_study.py --project "
        f"{project}`); sides in input pixels, mean ± std over seeds; halves gap: the largest difference of a side "
        "between the two disjoint halves of the images, over all seeds.",
        "",
        "| variant | weights | seeds | 50 % side | 90 % side | halves gap |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['weights']} | {r['seeds']} | {r['side50'][0]:.1f} ± {r['side50'][1]:.1f} | "
            f"{r['side90'][0]:.1f} ± {r['side90'][1]:.1f} | {r['largest_halves_gap']} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
