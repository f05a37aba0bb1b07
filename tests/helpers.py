"""Helpers for the tests: paths of the repository, and commands in fresh interpreters."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL_YAMLS = REPO / "model_yamls"
# The smallest real training run: one epoch at 64 px, no plots, no validation.
TINY_TRAIN = ["epochs=1", "imgsz=64", "batch=8", "workers=0", "plots=False", "val=False"]


def unwrap(text: str) -> str:
    """`text` with its line breaks undone, for sentences wrapped across lines (README prose, 120-column notes)."""
    return " ".join(text.split())


def _run(argv: list[str], what: str, *, env: dict | None, cwd: str | Path | None, timeout: int, check: bool, tail: int):
    """Run `argv` with this environment plus `env`; on `check`, a failure raises with the last `tail` characters."""
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{what} failed ({proc.returncode}):\n{proc.stdout[-tail:]}\n{proc.stderr[-tail:]}")
    return proc


def run_python(
    code: str,
    *,
    env: dict | None = None,
    cwd: str | Path | None = None,
    timeout: int = 600,
    check: bool = True,
    args: list[str] = (),
):
    """Run `code` in a fresh interpreter (the same venv) with `args` as sys.argv[1:]; returns the CompletedProcess."""
    argv = [sys.executable, "-c", code, *args]
    return _run(argv, "fresh interpreter", env=env, cwd=cwd, timeout=timeout, check=check, tail=5000)


def run_cmd(
    args: list[str], *, env: dict | None = None, cwd: str | Path | None = None, timeout: int = 900, check: bool = True
):
    """Run a command of the venv (e.g. `yolo`) in a fresh process; returns the CompletedProcess."""
    exe = Path(sys.executable).parent / args[0]
    argv = [str(exe) if exe.exists() else args[0], *args[1:]]
    return _run(argv, str(args[:2]), env=env, cwd=cwd, timeout=timeout, check=check, tail=6000)


def tiny_train(model: str | Path, data: str | Path, project: Path, name: str, *extra: str, task: str | None = None):
    """`yolo [task] train` of `model` for TINY_TRAIN in `project`/`name` (run from `project`); returns the process."""
    cmd = ["yolo", *([task] if task else []), "train", f"model={model}", f"data={data}", *TINY_TRAIN, *extra]
    return run_cmd([*cmd, f"project={project}", f"name={name}"], cwd=project)


def transferred(text: str) -> tuple[int, int]:
    """(x, y) of Ultralytics' `Transferred x/y items` line in a run's output."""
    return tuple(map(int, re.search(r"Transferred (\d+)/(\d+) items", text).groups()))


def bare_venv(env_dir: Path, path_entries: list[str]) -> tuple[Path, Path]:
    """A venv without pip whose site-packages sees `path_entries` through one plain .pth (no other .pth runs there).

    Returns (its python, its site-packages).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "shared.pth").write_text("".join(f"{p}\n" for p in path_entries))
    return py, purelib


_PLUGIN_FILES = ("yolo_dsconv", "_yolo_dsconv", "__editable__")
_plugin_free: list = []


PLUGIN_ABSENT = """
import sys
try:
    import yolo_dsconv
    sys.exit("yolo_dsconv is importable here")
except ImportError:
    pass
"""


def run_without_plugin(code: str, *, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `code` in an isolated interpreter (`-I`) that sees this environment's packages but cannot find yolo_dsconv.

    `code` runs only after the interpreter has shown that importing yolo_dsconv fails. The interpreter is a bare venv
    whose only path entry is a folder of links to every top-level item of this environment's site-packages except
    the plugin's own (its package, hook, .pth files and editable finder).
    """
    import atexit
    import shutil
    import sysconfig
    import tempfile

    if not _plugin_free:
        root = Path(tempfile.mkdtemp(prefix="yolo-dsconv-noplugin-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        deps = root / "deps"
        deps.mkdir()
        for item in Path(sysconfig.get_paths()["purelib"]).iterdir():
            if not item.name.startswith(_PLUGIN_FILES) and item.suffix != ".pth":
                (deps / item.name).symlink_to(item)
        _plugin_free.append(bare_venv(root / "venv", [str(deps)])[0])
    proc = subprocess.run(
        [str(_plugin_free[0]), "-I", "-c", PLUGIN_ABSENT + code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tempfile.gettempdir(),
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"plugin-free interpreter failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )
    return proc


# Label values per line of `predict save_txt=True` (class first): detect 5, pose 5 + 5 keypoints × 3, obb 9.
PRED_WIDTH = {"detect": 5, "pose": 20, "obb": 9}


def val_scores(task: str, best: Path, data: Path, cwd: Path, prog: tuple = ("yolo",), env: dict | None = None):
    """`yolo <task> val` of `best` on `data`: (images, instances, [P R mAP50 mAP50-95 per output kind]) of `all`."""
    import re

    proc = run_cmd(
        [
            *prog,
            task,
            "val",
            f"model={best}",
            f"data={data}",
            "imgsz=64",
            "batch=8",
            "workers=0",
            f"project={cwd}",
            "name=val",
            "plots=False",
        ],
        cwd=cwd,
        env=env,
    )
    row = re.search(r"^\s*all\s+(\d+)\s+(\d+)((?:\s+[\d.]+)+)\s*$", proc.stdout + proc.stderr, re.M)
    assert row, (proc.stdout + proc.stderr)[-3000:]
    scores = [float(v) for v in row.group(3).split()]
    assert len(scores) == (8 if task in ("segment", "pose") else 4) and all(0 <= v <= 1 for v in scores)
    return int(row.group(1)), int(row.group(2)), scores


def predict_labels(task: str, best: Path, source: Path, cwd: Path, prog: tuple = ("yolo",), env: dict | None = None):
    """`yolo <task> predict save_txt=True` on a folder of images: checks the saved images and the label format
    against what predict printed, and returns every label line as a list of floats."""
    import re

    import numpy as np

    proc = run_cmd(
        [
            *prog,
            task,
            "predict",
            f"model={best}",
            f"source={source}",
            "imgsz=64",
            "save_txt=True",
            "conf=1e-9",
            "max_det=5",
            f"project={cwd}",
            "name=pred",
        ],
        cwd=cwd,
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert sorted(p.stem for p in (cwd / "pred").glob("*.jpg")) == sorted(p.stem for p in source.glob("*.png"))
    files = sorted((cwd / "pred" / "labels").glob("*.txt"))
    lines = [[float(v) for v in line.split()] for f in files for line in f.read_text().splitlines()]
    printed = sum(int(n) for n in re.findall(r"(\d+) (?:circle|square|triangle|cross)", out))
    assert printed == len(lines)  # one label line per detection shown
    for values in lines:
        if task == "segment":
            assert len(values) >= 7 and len(values) % 2 == 1  # class, then an x y polygon
        else:
            assert len(values) == PRED_WIDTH[task]
        assert values[0] in (0, 1, 2, 3) and np.isfinite(values).all()
        if task != "obb":  # boxes, polygons and keypoints are clipped to the image; rotated corners may leave it
            assert all(-0.01 <= v <= 1.01 for v in values[1:])
    return lines


def flat(x) -> list:
    """The tensors of a nested tuple/list/dict model output."""
    import torch

    if isinstance(x, torch.Tensor):
        return [x]
    items = x.values() if isinstance(x, dict) else x
    return [t for item in items for t in flat(item)]


def assert_parts_close(actual, expected, rows: int = 4) -> None:
    """Raw head outputs: boxes (the first `rows` channels) and everything after them (class scores, mask
    coefficients, keypoints, angle) compared separately, each with a tolerance relative to its own scale."""
    import torch

    for a, e in ((actual[:, :rows], expected[:, :rows]), (actual[:, rows:], expected[:, rows:])):
        scale = float(e.abs().max())
        torch.testing.assert_close(a, e, rtol=1e-3, atol=1e-4 * scale + 1e-7)


# A training run that dies like a killed job once last.pt of its first epoch is on disk (exit status 3).
INTERRUPTED_TRAIN = """
import os
from ultralytics import YOLO
model = YOLO({cfg!r})
def stop(trainer):
    if trainer.epoch == 0:
        os._exit(3)
model.add_callback("on_model_save", stop)
model.train(data={data!r}, epochs={epochs}, imgsz=64, batch=8, workers=0, plots=False, project={project!r}, name="r",
            seed=0)
"""


def record_run(project: Path, variant: str, seed: int, metric: str, curve: list[float]):
    """A finished run of a comparison with the validation curve given, recorded as compare's train_run records one
    (nothing trained); returns its RunResult."""
    from yolo_dsconv.compare.runs import RunResult, write_record

    run_dir = project / variant / f"seed{seed}"
    run_dir.mkdir(parents=True, exist_ok=True)
    best = max(curve)
    epochs, best_epoch = len(curve), curve.index(best) + 1
    result = RunResult(variant, seed, "trained", epochs, best_epoch, best + 0.05, best, 1.0, str(run_dir), curve=curve)
    write_record(run_dir, metric, result)
    return result
