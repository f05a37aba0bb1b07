"""COCO-style AP by object size for the runs of a detection comparison, on any YOLO-format dataset.

Ultralytics scores COCO-style only against COCO or LVIS annotations, so the validation split's YOLO labels are
turned into COCO ground truth here, each run's best.pt predicts that split, and pycocotools' COCOeval gives AP50-95
for small (area < 32²), medium (< 96²) and large boxes. Areas are counted in the pixels the network sees: every
box is scaled by imgsz / (the image's long side), as Ultralytics' letterbox scales it, so "small" means small for the
receptive field, whatever the photos' own resolution. Each run keeps its result in `sizes_<imgsz>px.json` (computed
once), and per variant the mean ± std and the paired (or Welch) interval against the reference come from
`stats.difference`, as for mAP.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..data.yolo_yaml import images_in, split_folder
from .runs import run_folder
from .stats import difference, missing, spread

__all__ = (
    "SIZES",
    "evaluate_sizes",
    "ground_truth",
    "markdown_sizes",
    "project_sizes",
    "run_sizes",
    "size_table",
    "sizes_of_runs",
    "sizes_section",
    "val_images",
)

SIZES = ("small", "medium", "large")
_STAT_INDEX = {"small": 3, "medium": 4, "large": 5}  # COCOeval.stats: AP at [.5:.95] for each area range


def val_images(data_yaml: str | Path) -> list[Path]:
    """The validation images of a YOLO dataset YAML (a folder of images, `<split>/images`), in name order."""
    folder = split_folder(data_yaml, "val")
    if not folder.is_dir():
        raise FileNotFoundError(f"sizes: the val split {folder} is not a folder of images, expected one")
    return images_in(folder)


def ground_truth(images: list[Path], imgsz: int) -> tuple[dict, dict[str, float]]:
    """COCO ground truth from the YOLO labels of `images`, found as Ultralytics finds them (the last `/images/` of the
    path becomes `/labels/`: `valid/images/x.jpg -> valid/labels/x.txt`, `images/val/x.jpg -> labels/val/x.txt`), in
    network pixels; and each image's scale (imgsz / long side)."""
    from PIL import Image
    from ultralytics.data.utils import img2label_paths

    out: dict[str, Any] = {"images": [], "annotations": [], "categories": []}
    scales, classes = {}, set()
    for i, (image, label) in enumerate(zip(images, map(Path, img2label_paths(images)))):
        with Image.open(image) as im:
            w, h = im.size
        s = imgsz / max(w, h)
        scales[image.name] = s
        out["images"].append({"id": i, "file_name": image.name, "width": w * s, "height": h * s})
        rows = [r.split() for r in label.read_text().splitlines() if r.strip()] if label.is_file() else []
        for row in rows:
            c, cx, cy, bw, bh = int(row[0]), *(float(v) for v in row[1:5])
            box = [(cx - bw / 2) * w * s, (cy - bh / 2) * h * s, bw * w * s, bh * h * s]
            out["annotations"].append({"id": len(out["annotations"]) + 1, "image_id": i, "category_id": c,
                                       "bbox": box, "area": box[2] * box[3], "iscrowd": 0})  # fmt: skip
            classes.add(c)
    out["categories"] = [{"id": c} for c in sorted(classes)]
    return out, scales


def run_sizes(weights: str | Path, data_yaml: str | Path, imgsz: int, device: str = "cpu") -> dict[str, float]:
    """AP50-95 by object size of one model on the validation split (nan where the split has no box of a size).

    Predictions are kept down to confidence 0.001 (as Ultralytics validates), at most 300 per image.
    """
    from ultralytics import YOLO

    images = val_images(data_yaml)
    truth, scales = ground_truth(images, imgsz)
    model = YOLO(str(weights))
    detections = []
    for i, image in enumerate(images):
        s = scales[image.name]
        result = model.predict(str(image), imgsz=imgsz, conf=0.001, iou=0.7, max_det=300, device=device,
                               verbose=False)[0].boxes  # fmt: skip
        for (x1, y1, x2, y2), score, c in zip(result.xyxy.tolist(), result.conf.tolist(), result.cls.tolist()):
            box = [x1 * s, y1 * s, (x2 - x1) * s, (y2 - y1) * s]
            detections.append({"image_id": i, "category_id": int(c), "bbox": box, "score": score})
    return evaluate_sizes(truth, detections)


def evaluate_sizes(truth: dict, detections: list[dict]) -> dict[str, float]:
    """COCOeval's AP50-95 for small, medium and large boxes (nan where `truth` has none), and the box counts."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO()
        gt.dataset = truth
        gt.createIndex()
        dt = gt.loadRes(detections) if detections else COCO()
        evaluation = COCOeval(gt, dt, "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    counts = _counts(truth)
    return {
        **{size: (float(evaluation.stats[k]) if counts[size] else math.nan) for size, k in _STAT_INDEX.items()},
        **{f"n_{size}": counts[size] for size in SIZES},
    }


def _counts(truth: dict) -> dict[str, int]:
    areas = [a["area"] for a in truth["annotations"]]
    return {
        "small": sum(a < 32**2 for a in areas),
        "medium": sum(32**2 <= a < 96**2 for a in areas),
        "large": sum(a >= 96**2 for a in areas),
    }


def sizes_of_runs(project: Path, runs: list, data_yaml: str | Path, imgsz: int,
                  device: str = "cpu") -> dict[tuple[str, int], dict]:  # fmt: skip
    """AP by size for every run (variant, seed) -> values, each computed once and kept in its folder under `project`
    (not the recorded save_dir, which names where it trained: a kept copy is read where it lies)."""
    out = {}
    for r in runs:
        folder = run_folder(project, r.variant, r.seed)
        kept = folder / f"sizes_{imgsz}px.json"
        if kept.is_file():
            out[(r.variant, r.seed)] = json.loads(kept.read_text())
            continue
        weights = folder / "weights" / "best.pt"
        if not weights.is_file():
            continue
        values = run_sizes(weights, data_yaml, imgsz, device)
        kept.write_text(json.dumps(values, indent=1))
        out[(r.variant, r.seed)] = values
    return out


def size_table(values: dict[tuple[str, int], dict], variants: list[str], level: float = 0.95,
               margin: float = 0.01) -> list[dict]:  # fmt: skip
    """Per variant and size: seeds, mean ± std and, against the first variant, Δ with its interval (paired when the
    seeds are the same) and P(>ref) with its bootstrap interval. Rows for sizes the split does not hold are left
    out."""
    rows = []
    ref = variants[0]
    for size in SIZES:
        seeds = {
            v: sorted(s for (name, s), x in values.items() if name == v and not missing(x[size])) for v in variants
        }
        ref_values = [values[(ref, s)][size] for s in seeds[ref]]
        if not ref_values:
            continue
        for v in variants:
            mine = [values[(v, s)][size] for s in seeds[v]]
            if not mine:
                continue
            m = spread(mine)
            row = {"size": size, "variant": v, "n": m.n, "mean": m.mean, "std": m.std,
                   "boxes": values[(v, seeds[v][0])][f"n_{size}"]}  # fmt: skip
            if v != ref:
                d = difference(ref_values, mine, level, margin, paired=seeds[v] == seeds[ref])
                row.update(delta=d.delta, low=d.low, high=d.high, p_improve=d.p_improve, paired=d.paired)
                row.update(p_improve_low=d.p_improve_low, p_improve_high=d.p_improve_high)
            rows.append(row)
    return rows


def project_sizes(project: str | Path, imgsz: int | None = None, device: str = "cpu") -> tuple[list[dict], Path]:
    """AP by size for every finished run of a comparison's folder, written to `sizes.md` and `sizes.json` there.

    The data are the comparison's own (its data YAML, or the built-in set in `data/`), at its training size unless
    `imgsz` is given. Returns the table rows (`size_table`) and the .md's path.

    Raises:
        CompareError: not a comparison's folder, or no finished run.
    """
    from .errors import CompareError
    from .project import read_project
    from .report import clean_json

    state = read_project(project)
    project = Path(project).resolve()
    record = state.config["data"]
    data = Path(record["yaml"]) if "yaml" in record else project / "data" / "data.yaml"
    imgsz = imgsz or int(state.config["train"]["imgsz"])
    runs = state.summary.runs + state.summary.left_out
    if not runs:
        raise CompareError(f"sizes: project={project} has no finished run")
    values = sizes_of_runs(project, runs, data, imgsz, device)
    variants = [r.variant for r in state.summary.rows]
    section, text = sizes_section(values, variants, imgsz, state.summary.level, state.summary.margin)
    (project / "sizes.json").write_text(json.dumps(clean_json({"data": str(data), **section}), indent=1))
    md = project / "sizes.md"
    md.write_text(text + "\n")
    return section["table"], md


def sizes_section(values: dict[tuple[str, int], dict], variants: list[str], imgsz: int, level: float = 0.95,
                  margin: float = 0.01) -> tuple[dict, str]:  # fmt: skip
    """AP by size of the runs' `values` as a document (imgsz, each run's values, the `size_table` rows) and as
    Markdown: what `yolo-dsconv sizes` writes, and what `compare sizes=True` adds to compare.json and compare.md."""
    rows = size_table(values, variants, level, margin)
    document = {"imgsz": imgsz, "runs": {f"{v}/seed{s}": x for (v, s), x in values.items()}, "table": rows}
    return document, markdown_sizes(rows, imgsz, len(values), level)


def markdown_sizes(rows: list[dict], imgsz: int, n_runs: int, level: float = 0.95) -> str:
    """The table of `size_table` rows in Markdown, with what the sizes mean; intervals at `level`."""
    pct = f"{level:.1%}".replace(".0%", "%").replace("%", " %")
    lines = [
        f"AP50-95 by object size (COCO areas: small < 32², medium < 96², large; in pixels at {imgsz} px, the size the "
        f"network sees), {n_runs} runs, validation split; Δ against the first variant, paired by seed where the seeds "
        "are the same.",
        "",
        f"| size | boxes | variant | seeds | AP50-95 mean ± std | Δ [{pct} CI] | P(>ref) [{pct} CI] |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        delta, p = "reference", ""
        if "delta" in r and missing(r["low"]):  # one pair: no interval, and P(>ref) would be 0 or 1
            delta = f"{r['delta']:+.3f} (no interval: one seed)"
        elif "delta" in r:
            delta = f"{r['delta']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}]"
            p = f"{r['p_improve']:.2f}"
            if not missing(r["p_improve_low"]):
                p += f" [{r['p_improve_low']:.2f}, {r['p_improve_high']:.2f}]"
        std = "" if missing(r["std"]) else f" ± {r['std']:.3f}"
        lines.append(
            f"| {r['size']} | {r['boxes']} | {r['variant']} | {r['n']} | {r['mean']:.3f}{std} | {delta} | {p} |"
        )
    return "\n".join(lines)
