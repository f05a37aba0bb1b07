"""Classic YOLOv5 (the `yolov5` package): registration, shipped YAMLs, fuse, errors, and the `yolov5` commands
(train, val, detect, export) against stock on the same steps. These run in their own environment (.cache/classic,
made by `make test`): the package's opencv-python-headless must not enter the dev venv."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("yolov5") is None:
    if os.environ.get("YOLO_DSCONV_CLASSIC") == "1":  # `make test` runs this file where yolov5 must be installed
        raise RuntimeError("YOLO_DSCONV_CLASSIC=1 but the yolov5 package is not importable (make classic-env)")
    pytest.skip("classic YOLOv5 is not installed here; `make test` runs these tests in .cache/classic",
                allow_module_level=True)  # fmt: skip

import torch
import yaml
import yolov5
from yolov5.models import yolo

from helpers import run_python
from yolo_dsconv.bench.variants import randomise_bn
from yolo_dsconv.classic import CLASSIC_YAMLS
from yolo_dsconv.yaml_tools import graft_text

PACKAGE_YAMLS = Path(yolov5.__file__).parent / "models"
SCALES = "nsmlx"
CLASSIC_ENV = {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}  # the classic package's own torch >= 2.6 load failure


def _out(model, x):
    with torch.no_grad():
        return model.eval()(x)[0]


@pytest.mark.parametrize("scale", SCALES)
def test_shipped_classic_yamls_are_the_graft_of_the_package_yamls(scale):
    stock = PACKAGE_YAMLS / f"yolov5{scale}.yaml"
    shipped = CLASSIC_YAMLS / f"yolov5{scale}-dsconv.yaml"
    assert shipped.read_text() == graft_text(stock.read_text(), source=stock.name).text


@pytest.mark.parametrize("scale", SCALES)
def test_every_classic_dsconv_yaml_keeps_the_stock_output_shapes(scale):
    torch.manual_seed(0)
    stock = yolo.DetectionModel(str(PACKAGE_YAMLS / f"yolov5{scale}.yaml"))
    ds = yolo.DetectionModel(str(CLASSIC_YAMLS / f"yolov5{scale}-dsconv.yaml"))
    layer, sppf = ds.model[10], stock.model[9]
    assert type(layer).__name__ == "ExpandConv" and type(ds.model[9]).__name__ == "SPPF"
    # c1 inferred from SPPF, c2 = make_divisible(1024 * width_multiple, 8): the classic parser's own rule
    assert (layer.in_channels, layer.out_channels) == (sppf.cv2.conv.out_channels,) * 2
    x = torch.rand(1, 3, 64, 64)
    assert _out(ds, x).shape == _out(stock, x).shape
    assert [t.shape for t in ds.eval()(x)[1]] == [t.shape for t in stock.eval()(x)[1]]


def test_fuse_folds_every_batchnorm_and_matches_the_unfused_model():
    torch.manual_seed(0)
    model = randomise_bn(yolo.DetectionModel(str(CLASSIC_YAMLS / "yolov5n-dsconv.yaml"))).eval()
    x = torch.rand(2, 3, 64, 64)
    before = _out(model, x)
    model.fuse()
    assert not [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    torch.testing.assert_close(_out(model, x), before, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("args", [[], [256, [5, 7], None, 0.5, True, "default", 1]])
def test_wrong_args_get_the_same_error_as_in_the_new_parser(args):
    from ultralytics.nn.tasks import DetectionModel

    classic = yaml.safe_load((CLASSIC_YAMLS / "yolov5n-dsconv.yaml").read_text())
    classic["backbone"][10][3] = args
    new = yaml.safe_load((Path(__file__).parents[2] / "model_yamls" / "yolov5-dsconv.yaml").read_text())
    new["backbone"][10][3] = args
    errors = []
    for build, d in ((yolo.DetectionModel, classic), (lambda d: DetectionModel(d, verbose=False), new)):
        with pytest.raises(ValueError) as raised:
            build(d)
        errors.append(str(raised.value))
    assert errors[0] == errors[1] and errors[0].startswith("model YAML layer 10 (ExpandConv): args=")


REGISTER = """
import inspect, json
import yolov5.models.yolo as y
general = inspect.getmodule(y.check_yaml)
before = (y.parse_model, y.BaseModel.__dict__["fuse"], general.check_file)
state = {"hooked": hasattr(y, "ExpandConv")}
import yolo_dsconv.classic
from yolo_dsconv import integration
state["returns"] = yolo_dsconv.classic.register(y) is y
patched = (y.parse_model, y.BaseModel.__dict__["fuse"], general.check_file)
yolo_dsconv.classic.register(y)
state["idempotent"] = patched == (y.parse_model, y.BaseModel.__dict__["fuse"], general.check_file)
state["registered"] = sorted(c.__name__ for c in y._yolo_dsconv_base_modules)
shipped = yolo_dsconv.classic.CLASSIC_YAMLS / "yolov5s-dsconv.yaml"
state["found"] = general.check_file("yolov5s-dsconv.yaml") == str(shipped)
integration.uninstall()
state["restored"] = before == (y.parse_model, y.BaseModel.__dict__["fuse"], general.check_file)
names = ("ExpandConv", "DSConv", "ControlC2f", "_yolo_dsconv_base_modules")
state["left"] = [a for a in names if hasattr(y, a)]
print(json.dumps(state))
"""


def test_register_takes_the_package_module_and_uninstall_restores_every_original():
    out = run_python(REGISTER, env={"YOLO_DSCONV_HOOK": "0"})
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state == {"hooked": False, "returns": True, "idempotent": True,
                     "registered": ["ControlC2f", "DSConv", "ExpandConv"], "found": True, "restored": True,
                     "left": []}  # fmt: skip


def test_the_start_up_hook_registers_on_import_of_the_package_parser():
    code = "import yolov5.models.yolo as y; print(hasattr(y, 'ExpandConv'))"
    assert run_python(code).stdout.strip().splitlines()[-1] == "True"
    assert run_python(code, env={"YOLO_DSCONV_HOOK": "0"}).stdout.strip().splitlines()[-1] == "False"


def test_a_repo_user_registers_with_one_line(tmp_path):
    """A clone's `models/yolo.py` is imported as `models.yolo`, a module object of its own: the one call does it."""
    code = f"""
import sys; sys.path.insert(0, {str(PACKAGE_YAMLS.parent)!r})  # the clone's root
import models.yolo, yolo_dsconv.classic
yolo_dsconv.classic.register(models.yolo)
m = models.yolo.DetectionModel(models.yolo.check_yaml("yolov5n-dsconv.yaml"))  # as train.py resolves --cfg
print(models.yolo.__name__, type(m.model[10]).__name__)
"""
    out = run_python(code, env={"YOLO_DSCONV_HOOK": "0"}, cwd=tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "models.yolo ExpandConv", out.stderr[-2000:]


def _yolov5(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "yolov5"), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={**os.environ, **CLASSIC_ENV, **(env or {})})  # fmt: skip


PARITY_TORCH = """
import sys, numpy as np, torch
from yolov5.models.experimental import attempt_load
model = attempt_load(sys.argv[1], device="cpu", fuse=True).eval()
x = torch.from_numpy(np.load(sys.argv[2]))
with torch.no_grad():
    np.save(sys.argv[3], model(x)[0].numpy())
"""
PARITY_ONNX = """
import sys
sys.modules["yolo_dsconv"] = None  # an interpreter that cannot import the plugin
try:
    import yolo_dsconv
    raise SystemExit("the plugin was importable")
except ImportError:
    pass
import numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
np.save(sys.argv[3], s.run(None, {s.get_inputs()[0].name: np.load(sys.argv[2])})[0])
"""


def _classic_steps(cfg: str, tmp_path: Path, x: Path) -> dict:
    """`yolov5 train --cfg <cfg>` on its own copy of the data (YOLOv5 writes label caches beside it), then val from
    best.pt, detect, export to ONNX and TorchScript, and the ONNX output against PyTorch's: each step's outcome."""
    import numpy as np

    from yolo_dsconv.data import generate_shapes_dataset

    name = Path(cfg).stem
    data = generate_shapes_dataset(tmp_path / f"data-{name}", n_train=16, n_val=8, imgsz=64)
    best = tmp_path / "runs" / name / "weights" / "best.pt"
    train = _yolov5(["train", "--cfg", cfg, "--weights", "", "--data", str(data), "--epochs", "2", "--img", "64",
                     "--batch-size", "8", "--workers", "0", "--device", "cpu", "--project", str(tmp_path / "runs"),
                     "--name", name, "--exist-ok"], tmp_path)  # fmt: skip
    assert train.returncode == 0, f"{cfg}: yolov5 train failed:\n{train.stderr[-3000:]}"
    layer10 = next((m.group(1) for ln in (train.stdout + train.stderr).splitlines()
                    if (m := re.match(r"^\s*10\s+\S+\s+\d+\s+\d+\s+([\w.]+)", ln))), "")  # fmt: skip
    val = _yolov5(["val", "--weights", str(best), "--data", str(data), "--img", "64", "--device", "cpu",
                   "--project", str(tmp_path / "val"), "--name", name], tmp_path)  # fmt: skip
    images = str(tmp_path / f"data-{name}/images/val")
    detect = _yolov5(["detect", "--weights", str(best), "--source", images, "--img", "64", "--device", "cpu",
                      "--project", str(tmp_path / "det"), "--name", name], tmp_path)  # fmt: skip
    export = _yolov5(["export", "--weights", str(best), "--include", "[onnx,torchscript]", "--imgsz", "[64,64]",
                      "--device", "cpu"], tmp_path)  # fmt: skip
    ref, got = tmp_path / f"{name}-torch.npy", tmp_path / f"{name}-onnx.npy"
    torch_out = run_python(PARITY_TORCH, args=[str(best), str(x), str(ref)], env=CLASSIC_ENV)
    onnx_out = run_python(PARITY_ONNX, args=[str(best.with_suffix(".onnx")), str(x), str(got)])
    a, b = np.load(ref), np.load(got)
    boxes, scores = np.abs(a[..., :4] - b[..., :4]).max(), np.abs(a[..., 4:] - b[..., 4:]).max()
    return {
        "train": train.returncode, "layer 10": layer10, "val": val.returncode, "detect": detect.returncode,
        "export": export.returncode, "onnx": best.with_suffix(".onnx").is_file(),
        "torchscript": best.with_suffix(".torchscript").is_file(),
        "parity": (torch_out.returncode, onnx_out.returncode, float(boxes / 64) < 1e-4, float(scores) < 1e-4),
    }  # fmt: skip


def test_yolov5_commands_train_val_detect_export_as_stock_does(tmp_path):
    """`yolov5 train --cfg yolov5n-dsconv.yaml` (by name, from any folder), val from best.pt, detect, export to ONNX
    and TorchScript, ONNX parity; stock yolov5n runs the same steps as the control, beside it (the two chains of
    subprocesses overlap: most of their time is interpreter start-up)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32))
    cfgs = ("yolov5n.yaml", "yolov5n-dsconv.yaml")
    with ThreadPoolExecutor(len(cfgs)) as pool:
        outcomes = list(pool.map(lambda cfg: _classic_steps(cfg, tmp_path, x), cfgs))
    steps = {Path(cfg).stem: out for cfg, out in zip(cfgs, outcomes)}
    assert steps["yolov5n-dsconv"]["layer 10"] == "yolo_dsconv.modules.expand_conv.ExpandConv", steps
    assert steps["yolov5n"]["layer 10"] == "yolov5.models.common.Conv", steps  # stock: the head's first Conv
    for step in ("train", "val", "detect", "export", "onnx", "torchscript", "parity"):
        assert steps["yolov5n-dsconv"][step] == steps["yolov5n"][step], (step, steps)
    assert steps["yolov5n-dsconv"]["parity"] == (0, 0, True, True) and steps["yolov5n-dsconv"]["train"] == 0, steps


def test_the_identity_start_works_in_the_classic_parser_and_its_fuse():
    """A classic YAML grafted with init=identity: at step 0 the classic model with stock weights computes what stock
    computes; trained scales (randomised here) survive the classic fuse."""
    torch.manual_seed(0)
    stock_text = (PACKAGE_YAMLS / "yolov5n.yaml").read_text()
    graft = graft_text(stock_text, source="yolov5n.yaml", init="identity").data
    stock = yolo.DetectionModel(str(PACKAGE_YAMLS / "yolov5n.yaml"))
    ds = yolo.DetectionModel(graft)
    assert ds.model[10].add is True
    shifted = {k: v for k, v in stock.state_dict().items()}
    renumbered = {}
    for k, v in shifted.items():
        i = int(k.split(".")[1])
        renumbered[k.replace(f"model.{i}.", f"model.{i + 1 if i >= 10 else i}.", 1)] = v
    ds.load_state_dict(renumbered, strict=False)  # every stock layer, across the inserted one
    x = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(_out(ds, x), _out(stock, x))
    randomise_bn(ds)
    unfused = _out(ds, x)
    ds.fuse()
    torch.testing.assert_close(_out(ds, x), unfused, rtol=1e-4, atol=1e-4)
