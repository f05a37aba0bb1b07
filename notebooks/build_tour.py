"""Writes notebooks/expandconv_tour.ipynb from the cells below (run it, then execute the notebook to fill outputs)."""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# ExpandConv tour

A dilated depthwise-separable neck module for Ultralytics YOLO (`yolo-dsconv`). This notebook shows what it is,
what it costs and what it sees, and trains it beside stock YOLOv5n on the built-in shapes dataset.

Set `EXPANDCONV_TOUR_SMALL=1` for a quick run (the test suite does); the committed outputs come from the full run."""),
    code("""import os, tempfile
from pathlib import Path
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
SMALL = os.environ.get("EXPANDCONV_TOUR_SMALL") == "1"
WORK = Path(os.environ.get("EXPANDCONV_TOUR_DIR") or tempfile.mkdtemp(prefix="tour-"))
import torch
import yolo_dsconv
from yolo_dsconv import ExpandConv
print("small run" if SMALL else "full run", "| work dir:", WORK)"""),
    md("""## 1. The module, and what the original request's code got wrong

The request: compress channels with a 1×1 depthwise-separable (DS) conv, run parallel branches of 5×5, 7×7 and
9×9 DS convs plus dilated convs built from them with dilation 5, 7 and 9, add a residual branch, concatenate and
fuse with a final 1×1 DS conv. The code that came with it differed in five ways, and each is fixed here:

| original code | here |
|---|---|
| branches were 3×3 with dilation 2/3/4 | k = 5, 7, 9 with d = 5, 7, 9 (a dense k×k in front of each, see §3) |
| the fusion conv was created inside `forward`: new random weights every call, never trained or saved | `cv2` is built in `__init__`, so it is in the `state_dict` and trained |
| output had 4·c2 channels | output has c2 channels; the concat is 4·c_ = 2·c1, like SPPF's |
| the compression conv was a plain conv | `cv1` is a true DS conv (depthwise, groups = c1, then pointwise) |
| the YOLOv5 wiring used APIs Ultralytics doesn't have | one YAML row after SPPF: `[-1, 1, ExpandConv, [1024]]` |"""),
    code("""m = ExpandConv(512, 512)
print(m)
print("receptive field per branch (P5 px):", m.receptive_fields)"""),
    md("## 2. Cost: against SPPF at the module level, and against the stock model"),
    code("""import copy
from ultralytics.nn.modules import SPPF
from ultralytics.nn.tasks import DetectionModel
from yolo_dsconv import set_pruning, model_yaml
from yolo_dsconv.profile import count_flops
from yolo_dsconv.table import format_table

rows = []
for side in (20, 10, 8):
    e, s = ExpandConv(512, 512), SPPF(512, 512, 5)
    rows.append([f"1x512x{side}x{side}", f"{sum(p.numel() for p in s.parameters()):,}", f"{count_flops(s, side, 512)/1e6:.0f}",
                 f"{sum(p.numel() for p in e.parameters()):,}", f"{count_flops(e, side, 512)/1e6:.0f}",
                 f"{count_flops(set_pruning(copy.deepcopy(e), False), side, 512)/1e6:.0f}"])
print(format_table(["input", "SPPF params", "SPPF MFLOPs", "ExpandConv params", "MFLOPs pruned", "MFLOPs unpruned"], rows))

rows = []
for scale in "ns":
    for name, cfg in ((f"yolov5{scale}", f"yolov5{scale}.yaml"), (f"yolov5{scale}-dsconv", model_yaml(f"yolov5{scale}-dsconv.yaml"))):
        mdl = DetectionModel(cfg, verbose=False).eval()
        rows.append([name, f"{sum(p.numel() for p in mdl.parameters()):,}", f"{count_flops(mdl, 640)/1e9:.2f}"])
print()
print(format_table(["model", "params", "GFLOPs@640"], rows))"""),
    md("""## 3. Where one branch samples

A lone k×k kernel with dilation k reads k² taps spread over a ((k-1)k+1)² window, which leaves gaps (the
gridding effect). Putting a dense k×k in front makes the offsets a + k·b tile [0, k²) exactly once, so the
receptive field is gap-free. These masks come from autograd on the real depthwise stages."""),
    code("""from IPython.display import Image, display
from yolo_dsconv.analysis import plot_sampling_patterns
display(Image(plot_sampling_patterns(str(WORK / "sampling.png"))))"""),
    md("""## 4. Training stock YOLOv5n and YOLOv5n-dsconv with identical settings

One seed each, to look at the curves and to have trained weights for §5. One seed decides nothing: the
multi-seed comparison with intervals is `yolo-dsconv compare` (`make demo`), and its results are in the README."""),
    code("""import logging
from ultralytics.utils import LOGGER
from yolo_dsconv.demo import run_demo
LOGGER.setLevel(logging.WARNING)  # keep the notebook readable; `yolo-dsconv demo` shows the progress bars
settings = dict(epochs=2, imgsz=64, n_train=8, n_val=4) if SMALL else dict(epochs=30, imgsz=128, n_train=96, n_val=32)
results = run_demo(WORK / "demo", verbose=False, **settings)
print(format_table(["model", "params", "GFLOPs@640", "epochs", "train s", "mAP50", "mAP50-95"],
                   [[r.model, f"{r.params:,}", f"{r.gflops:.2f}", r.epochs, f"{r.train_s:.0f}", f"{r.map50:.3f}", f"{r.map50_95:.3f}"] for r in results]))"""),
    code("""import csv
import matplotlib.pyplot as plt
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for r in results:
    with open(Path(r.save_dir) / "results.csv") as f:
        rows = list(csv.DictReader(f))
    ep = [int(float(x["epoch"])) for x in rows]
    axes[0].plot(ep, [float(x["train/box_loss"]) + float(x["train/cls_loss"]) + float(x["train/dfl_loss"]) for x in rows], label=r.model)
    axes[1].plot(ep, [float(x["metrics/mAP50(B)"]) for x in rows], label=r.model)
axes[0].set(title="training loss (box + cls + dfl)", xlabel="epoch"); axes[1].set(title="val mAP50", xlabel="epoch")
for a in axes: a.legend()
plt.tight_layout(); plt.show()"""),
    md("""## 5. Effective receptive field at P5: at initialisation and after training

This is |∂ centre output / ∂ input| at the last backbone layer (SPPF for stock, ExpandConv for dsconv), averaged
over 200 built-in images the models never saw (data seed 1) and drawn on one colour scale. The numbers give the
side of the centred square that holds 50 % and 90 % of the gradient mass, and the same sides from each half of the
images: where the halves disagree, the side is not settled. This is one seed per model; the seed-to-seed spread
of the trained ERF is in `docs/results/erf_128.md` (README, "Evidence"). Whether dsconv sees further is something
to measure, not to assume."""),
    code("""from ultralytics.nn.tasks import load_checkpoint
from yolo_dsconv.analysis import compute_erf, plot_erfs
from yolo_dsconv.analysis import dataset_images
from yolo_dsconv.data import generate_shapes_dataset
imgsz, n = settings["imgsz"] * 2, 4 if SMALL else 200
unseen = generate_shapes_dataset(WORK / "erf-data", n_train=1, n_val=n, imgsz=settings["imgsz"], seed=1)
images = dataset_images(str(unseen), n, imgsz)
erfs = []
for r in results:
    cfg = r.model if not r.model.endswith("-dsconv.yaml") else model_yaml(r.model)
    torch.manual_seed(0)
    erfs.append(compute_erf(DetectionModel(cfg, nc=4, verbose=False), images=images, name=f"{r.model} init"))
    erfs.append(compute_erf(load_checkpoint(str(Path(r.save_dir) / "weights" / "best.pt"))[0], images=images, name=f"{r.model} trained"))
display(Image(plot_erfs(erfs, str(WORK / "erf.png"), panel=3.6)))
rows = [[e.name, e.samples, e.side50, e.side90, f"{e.halves[0][0]} / {e.halves[1][0]}", f"{e.halves[0][1]} / {e.halves[1][1]}"] for e in erfs]
print(format_table(["model", "images", "50% side px", "90% side px", "halves 50%", "halves 90%"], rows))"""),
]

nb = nbf.v4.new_notebook(
    cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
)
nbf.write(nb, Path(__file__).with_name("expandconv_tour.ipynb"))
