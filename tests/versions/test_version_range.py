"""The declared Ultralytics range, proven on real releases: its ends work, a release outside it is refused.

Each release is installed into an overlay environment (its own site-packages first, this venv's packages behind a
plain path entry, so torch is shared and nothing of this venv changes). Needs the package index: marked slow
(`make versions` / `make test-all`).
"""

import subprocess
import sys
import sysconfig

import pytest

from helpers import MODEL_YAMLS, REPO, bare_venv
from yolo_dsconv.compat import _BELOW, _LOWEST

pytestmark = pytest.mark.slow


def overlay(tmp_path, version):
    env_dir = tmp_path / f"u{version}"
    # the checkout, then this venv's packages (torch, ...)
    py, purelib = bare_venv(env_dir, [str(REPO), sysconfig.get_paths()["purelib"]])
    with open(f"{purelib}/yolo_dsconv.pth", "w") as f:
        f.write((REPO / "yolo_dsconv.pth").read_text())
    # with its dependencies: pip sees the shared packages as installed, so it adds only what this release lacks
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "-c",
            str(REPO / "constraints.txt"),
            f"ultralytics=={version}",
        ],
        check=True,
        capture_output=True,
    )
    return py


def run(py, code, cwd):
    return subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=600)


CHECK = """
import torch, ultralytics, yolo_dsconv
from ultralytics import YOLO
from ultralytics.nn.tasks import DetectionModel
stock = DetectionModel("yolov5n.yaml", verbose=False)
ds = DetectionModel({cfg!r}, verbose=False)
x = torch.randn(1, 3, 64, 96)
stock.train(); ds.train()
assert [f.shape for f in stock(x)["feats"]] == [f.shape for f in ds(x)["feats"]]
model = YOLO({cfg!r})
model.train(data={data!r}, epochs=1, imgsz=64, batch=8, workers=0, plots=False, val=False, project={project!r},
            name="v")
print("RELOADED", type(YOLO(model.trainer.last).model.model[10]).__name__, ultralytics.__version__)
"""


@pytest.mark.parametrize("version", sorted({".".join(map(str, _LOWEST))} | {"8.4.190"}))
def test_range_ends_register_build_train_reload(tmp_path, version, shapes_data):
    py = overlay(tmp_path, version)
    out = run(
        py,
        CHECK.format(cfg=str(MODEL_YAMLS / "yolov5n-dsconv.yaml"), data=str(shapes_data), project=str(tmp_path)),
        tmp_path,
    )
    assert f"RELOADED ExpandConv {version}" in out.stdout, out.stderr[-3000:]


def test_release_below_the_range_is_refused(tmp_path):
    older = "8.3.0"
    assert tuple(map(int, older.split("."))) < _LOWEST < _BELOW
    py = overlay(tmp_path, older)
    out = run(py, "import yolo_dsconv", tmp_path)
    assert out.returncode == 1 and f"but ultralytics {older} is installed" in out.stderr
    out = run(py, "import ultralytics.nn.tasks; print('ok')", tmp_path)
    assert out.stdout.strip().endswith("ok") and "ExpandConv not registered" in out.stderr
    assert run(py, "pass", tmp_path).stderr == ""
