"""The release matrix: each Ultralytics release in its own environment, every step with dsconv and with stock.

For each release an overlay environment is made once under `.cache/releases/<version>` (a venv without pip whose
only path entries are this checkout and this venv's site-packages, so torch is shared; pip adds the release and
whatever of its own requirements this venv lacks) with the start-up hook installed. Then each step runs in a fresh
process, for yolov5n-dsconv and for stock yolov5n. A step that fails for dsconv where it fails for stock too is
marked "stock fails too" and does not count; a dsconv failure where stock passes fails the run.

Usage: python scripts/release_matrix.py [--releases 8.1.0,8.4.190] [--out docs/results/release_matrix]
       python scripts/release_matrix.py --list              # the releases it runs by default (compat.RELEASES)
       python scripts/release_matrix.py --overlay 8.0.200   # make that release's environment; print its python
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "scripts")]
from overlay import overlay as make_overlay  # noqa: E402  (scripts/overlay.py, beside this file)

from yolo_dsconv.compat import RELEASES  # noqa: E402  (the one list of releases)
from yolo_dsconv.deploy.runner import OFFLINE_ENV as ENV  # noqa: E402
from yolo_dsconv.deploy.runner import last_error  # noqa: E402

STEPS = (
    "register",
    "stock unchanged",
    "build",
    "train",
    "reload",
    "val",
    "export",
    "ddp hook on",
    "ddp hook off",
    "graft",
)


def overlay(version: str) -> Path:
    """Python of the overlay environment of `version` (made once): this project's torch stack, that Ultralytics."""
    return make_overlay(REPO / ".cache" / "releases" / version, [f"ultralytics=={version}"], drop_pins=("ultralytics",))


def run(cmd: list, cwd: Path, env: dict | None = None, timeout: int = 900) -> tuple[bool, str]:
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, env={**os.environ, **ENV, **(env or {})}
    )
    out = proc.stdout + proc.stderr
    return proc.returncode == 0, out


REGISTER = "import yolo_dsconv; print(sorted(yolo_dsconv.registered_modules()))"
STOCK_SUMMARY = """
import json, sys
{prelude}
from ultralytics.nn.tasks import DetectionModel
out = {{}}
for cfg in ["yolov5n.yaml", "yolov8n.yaml"]:
    m = DetectionModel(cfg, verbose=False)
    out[cfg] = [sum(p.numel() for p in m.parameters()), [x.type for x in m.model], [x.f for x in m.model]]
print("SUMMARY", json.dumps(out))
"""
BUILD = """
import torch, ultralytics
from ultralytics.nn.tasks import DetectionModel
release = tuple(int(x) for x in ultralytics.__version__.split(".")[:3])
names = ["yolov5n", "yolov8n"] + (["yolo11n"] if release >= (8, 3, 0) else [])
x = torch.randn(1, 3, 64, 96)
for name in names:
    stock, ds = DetectionModel(name + ".yaml", verbose=False), DetectionModel(name + "-dsconv.yaml", verbose=False)
    stock.train(); ds.train()
    s, d = stock(x), ds(x)
    s, d = (s["feats"], d["feats"]) if isinstance(s, dict) else (s, d)
    assert [t.shape for t in s] == [t.shape for t in d], name
    assert type(ds.model[10]).__name__ == "ExpandConv", name
if release < (8, 3, 0):  # a shipped yolo11 YAML is refused by name, with the release it needs
    try:
        DetectionModel("yolo11n-dsconv.yaml", verbose=False)
        raise SystemExit("yolo11n-dsconv built on a release without yolo11 modules")
    except ValueError as e:
        assert "needs ultralytics>=8.3.0" in str(e), e
print("BUILT", names)
"""
RELOAD = "from ultralytics import YOLO\nm = YOLO({pt!r})\nprint('LOADED', type(m.model.model[10]).__name__)"
DDP_PARENT = """
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.utils.dist import generate_ddp_file
overrides = dict(model={cfg!r}, data={data!r}, epochs=1, imgsz=64, workers=0, project={project!r}, name="ddp")
print("DDPFILE", generate_ddp_file(DetectionTrainer(overrides=overrides)))
"""
GRAFT = """
import ultralytics, yolo_dsconv
from pathlib import Path
src = Path(ultralytics.__file__).parent / "cfg" / "models" / "v8" / "yolov8.yaml"
out, result = yolo_dsconv.graft_file(src, out={out!r})
print("GRAFTED", result.index, len(result.changes))
"""


def steps(py: Path, model: str, dsconv: bool, data: Path, work: Path) -> dict[str, tuple[bool, str]]:
    """Every step for one model (`yolov5n-dsconv.yaml` or `yolov5n.yaml`) on one release."""
    work.mkdir(parents=True, exist_ok=True)
    yolo = [str(py), "-c", "import sys; from ultralytics.cfg import entrypoint; sys.argv[0] = 'yolo'; entrypoint()"]
    res: dict[str, tuple[bool, str]] = {}
    if dsconv:
        ok, out = run([py, "-c", REGISTER], work)
        res["register"] = (ok and "['ControlC2f', 'DSConv', 'ExpandConv']" in out, out)
        a = run([py, "-c", STOCK_SUMMARY.format(prelude="")], work, {"YOLO_DSCONV_HOOK": "0"})
        b = run([py, "-c", STOCK_SUMMARY.format(prelude="import yolo_dsconv")], work, {"YOLO_DSCONV_HOOK": "0"})
        summary = [re.search(r"SUMMARY (.*)", o) for _, o in (a, b)]
        res["stock unchanged"] = (all(summary) and summary[0].group(1) == summary[1].group(1), a[1] + b[1])
        ok, out = run([py, "-c", BUILD], work)
        res["build"] = (ok and "BUILT" in out, out)
        ok, out = run([py, "-c", GRAFT.format(out=str(work / "yolov8-dsconv.yaml"))], work)
        res["graft"] = (ok and "GRAFTED 10" in out, out)
    train = [f"model={model}", f"data={data}", "epochs=1", "imgsz=64", "batch=8", "workers=0", "plots=False"]
    ok, out = run([*yolo, "train", *train, f"project={work}", "name=train", "exist_ok=True"], work)
    res["train"] = (ok, out)
    weights = work / "train" / "weights"
    best = weights / "best.pt" if (weights / "best.pt").is_file() else weights / "last.pt"
    ok, out = run([py, "-c", RELOAD.format(pt=str(best))], work)
    res["reload"] = (ok and ("LOADED ExpandConv" in out if dsconv else "LOADED" in out), out)
    val = [f"model={best}", f"data={data}", "imgsz=64", "batch=8", "workers=0", "plots=False"]
    ok, out = run([*yolo, "val", *val, f"project={work}", "name=val", "exist_ok=True"], work)
    res["val"] = (ok and re.search(r"^\s*all\s+\d+\s+\d+", out, re.M) is not None, out)
    onnx = best.with_suffix(".onnx")
    ok, out = run([*yolo, "export", f"model={best}", "format=onnx", "imgsz=64"], work)
    res["export"] = (ok and onnx.is_file(), out)
    ok, out = run([py, "-c", DDP_PARENT.format(cfg=model, data=str(data), project=str(work))], work)
    found = re.search(r"DDPFILE (\S+)", out)
    for hook, name in (("1", "ddp hook on"), ("0", "ddp hook off")):
        if not (ok and found):
            res[name] = (False, out)
            continue
        text = Path(found.group(1)).read_text()
        pickles = Path(found.group(1)).with_suffix(".pt").is_file() or "cloudpickle" in text
        if hook == "0" and not pickles:  # the worker rebuilds the trainer from its class: only the hook can help
            res[name] = (None, "the release's DDP file does not pickle callbacks")
            continue
        build = "trainer.setup_model(); print('BUILT', type(trainer.model.model[10]).__name__)"
        worker = work / f"ddp_worker_{hook}.py"
        worker.write_text(text.replace("trainer.train()", build).replace("results = " + build, build))
        wok, wout = run([py, str(worker)], work, {"YOLO_DSCONV_HOOK": hook})
        res[name] = (wok and "BUILT" in wout and ("BUILT ExpandConv" in wout or not dsconv), wout)
    return res


def release_row(version: str, data: Path) -> dict:
    """{step: 'pass' | 'FAIL' | 'stock fails too' | 'n/a'} for one release, with the errors behind each failure."""
    t0 = time.time()
    py = overlay(version)
    work = REPO / ".cache" / "release-runs" / version
    ds = steps(py, "yolov5n-dsconv.yaml", True, data, work / "dsconv")
    stock = steps(py, "yolov5n.yaml", False, data, work / "stock")
    row, errors = {}, {}
    for step in STEPS:
        ok, out = ds[step]
        if ok is None:
            row[step], errors[step] = "n/a", out
        elif ok:
            row[step] = "pass"
        elif step in stock and not stock[step][0]:
            row[step], errors[step] = "stock fails too", last_error(stock[step][1])
        else:
            row[step], errors[step] = "FAIL", last_error(out)
    return {"release": version, "steps": row, "errors": errors, "seconds": round(time.time() - t0)}


def markdown(rows: list[dict]) -> str:
    short = {"pass": "pass", "FAIL": "**FAIL**", "stock fails too": "stock fails too", "n/a": "n/a"}
    lines = ["| release | " + " | ".join(STEPS) + " |", "|---" * (len(STEPS) + 1) + "|"]
    lines += [f"| {r['release']} | " + " | ".join(short[r["steps"][s]] for s in STEPS) + " |" for r in rows]
    notes = [f"- {r['release']} {s}: {e}" for r in rows for s, e in r["errors"].items()]
    return "\n".join(lines + (["", *notes] if notes else [])) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", default=",".join(RELEASES))
    parser.add_argument("--out", default=None, help="write <out>.json and <out>.md")
    parser.add_argument("--list", action="store_true", help="print the default releases and stop")
    parser.add_argument("--overlay", default=None, help="make this release's environment, print its python, stop")
    args = parser.parse_args()
    if args.list or args.overlay:
        print(RELEASES if args.list else overlay(args.overlay))
        return 0
    sys.path.insert(0, str(REPO))
    os.environ.update(ENV)
    from yolo_dsconv.data import generate_shapes_dataset

    data = generate_shapes_dataset(REPO / ".cache" / "release-data", n_train=16, n_val=8, imgsz=64, seed=1)
    rows = []
    for version in args.releases.split(","):
        rows.append(release_row(version, data))
        print(json.dumps(rows[-1]), flush=True)
    table = markdown(rows)
    print(table)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
        out.with_suffix(".md").write_text(table)
    return 1 if any(v == "FAIL" for r in rows for v in r["steps"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
