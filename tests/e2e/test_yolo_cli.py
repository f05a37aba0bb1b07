"""The plain `yolo` command with a dsconv model, each step in a fresh process (docs/design.md, sections 5 and 6)."""

import csv
import shutil
import sys
from pathlib import Path

import pytest

from helpers import (
    INTERRUPTED_TRAIN,
    MODEL_YAMLS,
    TINY_TRAIN,
    assert_parts_close,
    predict_labels,
    run_cmd,
    run_python,
    run_without_plugin,
    tiny_train,
    transferred,
    val_scores,
)

LOAD_CHECK = """
import sys
from ultralytics import YOLO
m = YOLO({path!r})
print(type(m.model.model[10]).__module__, type(m.model.model[10]).__name__, "yolo_dsconv" in sys.modules)
"""


def test_plain_yolo_train_builds_expandconv(trained_run):
    args = (trained_run / "args.yaml").read_text()
    assert "yolov5n-dsconv.yaml" in args
    out = run_python(LOAD_CHECK.format(path=str(trained_run / "weights" / "last.pt"))).stdout.split()
    assert out[-3:] == ["yolo_dsconv.modules.expand_conv", "ExpandConv", "True"]


def test_hook_switched_off_plain_yolo_fails_with_keyerror(tmp_path, shapes_data):
    # The YAML sits in the working directory: a scaled path through a checkout folder such as `x8s/` would trip
    # Ultralytics' own path unscaling before the parser is reached (without the plugin nothing retries it).
    shutil.copy(MODEL_YAMLS / "yolov5-dsconv.yaml", tmp_path / "yolov5-dsconv.yaml")
    proc = run_cmd(
        [
            "yolo",
            "train",
            "model=yolov5n-dsconv.yaml",
            f"data={shapes_data}",
            "epochs=1",
            "imgsz=64",
            "workers=0",
            f"project={tmp_path}",
            "name=off",
        ],
        env={"YOLO_DSCONV_HOOK": "0"},
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "KeyError: 'ExpandConv'" in proc.stderr + proc.stdout


def test_passthrough_with_hook_off(tmp_path, shapes_data):
    proc = run_cmd(
        [
            "yolo-dsconv",
            "train",
            "model=yolov5n-dsconv.yaml",
            f"data={shapes_data}",
            *TINY_TRAIN,
            f"project={tmp_path}",
            "name=pt",
        ],
        env={"YOLO_DSCONV_HOOK": "0"},
        cwd=tmp_path,
    )
    assert (tmp_path / "pt" / "weights" / "last.pt").is_file(), proc.stdout[-2000:]
    assert "yolo_dsconv.modules.expand_conv.ExpandConv" in proc.stdout + proc.stderr


def test_checkpoint_loads_in_fresh_interpreter_without_import(trained_run):
    for name in ("best.pt", "last.pt"):
        out = run_python(LOAD_CHECK.format(path=str(trained_run / "weights" / name))).stdout.split()
        assert out[-2:] == ["ExpandConv", "True"]


def test_checkpoint_loads_under_safe_load(trained_run):
    out = run_python(
        LOAD_CHECK.format(path=str(trained_run / "weights" / "best.pt")), env={"ULTRALYTICS_SAFE_LOAD": "1"}
    )
    assert out.stdout.split()[-2:] == ["ExpandConv", "True"]


def test_yolo_val_and_predict_from_checkpoint(trained_run, shapes_data, tmp_path):
    best = trained_run / "weights" / "best.pt"
    images, instances, (*_, map50_95) = val_scores("detect", best, shapes_data, tmp_path)
    labels = sum(len(f.read_text().splitlines()) for f in (shapes_data.parent / "labels" / "val").glob("*.txt"))
    assert (images, instances) == (8, labels)
    with open(trained_run / "results.csv") as f:  # best.pt is the epoch with the best fitness
        rows = list(csv.DictReader(f))
    best_row = max(rows, key=lambda row: 0.1 * float(row["metrics/mAP50(B)"]) + 0.9 * float(row["metrics/mAP50-95(B)"]))
    assert abs(map50_95 - float(best_row["metrics/mAP50-95(B)"])) <= 0.01
    assert predict_labels("detect", best, shapes_data.parent / "images" / "val", tmp_path)


def test_fine_tune_from_dsconv_best(trained_run, shapes_data, tmp_path):
    proc = tiny_train(trained_run / "weights" / "best.pt", shapes_data, tmp_path, "ft")
    # every tensor of best.pt, ExpandConv's included, is loaded into the model that starts the fine-tune
    x, y = transferred(proc.stdout + proc.stderr)
    assert x == y == 505
    out = run_python(LOAD_CHECK.format(path=str(tmp_path / "ft" / "weights" / "last.pt"))).stdout.split()
    assert out[-2:] == ["ExpandConv", "True"]


def test_resume_after_interrupted_run(tmp_path, shapes_data):
    code = INTERRUPTED_TRAIN.format(
        cfg=str(MODEL_YAMLS / "yolov5n-dsconv.yaml"), data=str(shapes_data), project=str(tmp_path), epochs=3
    )
    assert run_python(code, check=False).returncode == 3
    last = tmp_path / "r" / "weights" / "last.pt"
    assert last.is_file()
    run_cmd(["yolo", "train", "resume=True", f"model={last}"], cwd=tmp_path)
    with open(tmp_path / "r" / "results.csv") as f:
        epochs = [int(float(row["epoch"])) for row in csv.DictReader(f)]
    assert epochs == [1, 2, 3]
    out = run_python(LOAD_CHECK.format(path=str(last))).stdout.split()
    assert out[-2:] == ["ExpandConv", "True"]


DDP_PARENT = """
import yolo_dsconv
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.utils.callbacks.base import default_callbacks
if not {callback}:
    default_callbacks["on_pretrain_routine_start"].remove(yolo_dsconv.callbacks.register_in_ddp_workers)
from ultralytics.utils.dist import generate_ddp_file
overrides = dict(model={cfg!r}, data={data!r}, epochs=1, imgsz=64, workers=0, project={project!r}, name="ddp")
trainer = DetectionTrainer(overrides=overrides)
print(generate_ddp_file(trainer))
"""


@pytest.mark.parametrize(
    "hook,callback,builds",
    [
        ("0", True, True),  # hook off: the pickled callback alone registers the plugin in the worker
        ("0", False, False),  # ... and without it the worker cannot build the model: the callback is what did it
        ("1", False, True),  # hook on: the start-up hook registers it, callback or not
    ],
)
def test_ddp_worker_file_builds_dsconv_model(tmp_path, shapes_data, hook, callback, builds):
    # The parent writes the file as Ultralytics' DDP launcher does; a fresh interpreter runs it up to the model build.
    # The scaled name exists as a file, so Ultralytics never unscales the path: its unscaling runs over the whole path
    # and would change a checkout folder such as `ci.gT1m/` too (a FileNotFoundError before the KeyError of stock).
    cfg = str(shutil.copy(MODEL_YAMLS / "yolov5-dsconv.yaml", tmp_path / "yolov5n-dsconv.yaml"))
    parent = run_python(
        DDP_PARENT.format(cfg=cfg, data=str(shapes_data), project=str(tmp_path), callback=callback),
        env={"YOLO_DSCONV_HOOK": "0"},
    )
    file = parent.stdout.strip().splitlines()[-1]
    text = Path(file).read_text()
    assert "trainer.train()" in text
    worker = tmp_path / "worker.py"
    worker.write_text(
        text.replace("trainer.train()", "trainer.setup_model(); print('BUILT', type(trainer.model.model[10]).__name__)")
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, str(worker)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "YOLO_DSCONV_HOOK": hook},
    )
    if builds:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "BUILT ExpandConv" in proc.stdout
    else:
        assert proc.returncode != 0 and "KeyError: 'ExpandConv'" in proc.stderr


def _check_shortcut(best: Path, identity: bool) -> None:
    """The checkpoint's ExpandConv has the identity start's shortcut (with a scale training moved off zero) or not."""
    from ultralytics import YOLO

    layer = YOLO(best).model.model[10]
    assert type(layer).__name__ == "ExpandConv" and layer.add is identity
    if identity:
        assert layer.cv2.pw.bn.weight.abs().max() > 0


EXPORTED = """
import numpy as np, onnxruntime as ort, torch
x = np.load({x!r})
onnx_out = ort.InferenceSession({onnx!r}).run(None, {{"images": x}})[0]
ts_out = torch.jit.load({ts!r})(torch.from_numpy(x))
ts_out = ts_out[0] if isinstance(ts_out, (list, tuple)) else ts_out
np.save({o1!r}, onnx_out)
np.save({o2!r}, ts_out.numpy())
"""


@pytest.mark.parametrize("run", ["trained_run", "identity_run"])
def test_export_onnx_and_torchscript_match_pytorch(run, request, tmp_path):
    import numpy as np
    import torch
    from ultralytics import YOLO

    best = request.getfixturevalue(run) / "weights" / "best.pt"
    _check_shortcut(best, run == "identity_run")
    for fmt in ("onnx", "torchscript"):
        run_cmd(["yolo", "export", f"model={best}", f"format={fmt}", "imgsz=64"], cwd=tmp_path)
    onnx, ts = best.with_suffix(".onnx"), best.with_suffix(".torchscript")
    assert onnx.is_file() and ts.is_file()
    x = torch.rand(1, 3, 64, 64)
    np.save(tmp_path / "x.npy", x.numpy())
    o1, o2 = tmp_path / "onnx.npy", tmp_path / "ts.npy"
    run_without_plugin(EXPORTED.format(x=str(tmp_path / "x.npy"), onnx=str(onnx), ts=str(ts), o1=str(o1), o2=str(o2)))
    model = YOLO(best).model.float().fuse(verbose=False).eval()
    with torch.no_grad():
        ref = model(x)[0]
    assert_parts_close(torch.from_numpy(np.load(o1)), ref)
    assert_parts_close(torch.from_numpy(np.load(o2)), ref)


NATIVE = """
import ncnn, numpy as np, openvino as ov
x = np.load({x!r})
core, out = ov.Core(), {{}}
for name, config in (("openvino f32", {{"INFERENCE_PRECISION_HINT": "f32"}}), ("openvino default", {{}})):
    compiled = core.compile_model(core.read_model({xml!r}), "CPU", config)
    out[name] = compiled(x)[0]
    out[name + " precision"] = np.array(str(compiled.get_property("INFERENCE_PRECISION_HINT")))
net = ncnn.Net()
net.load_param({param!r})
net.load_model({bin!r})
extractor = net.create_extractor()
extractor.input("in0", ncnn.Mat(x[0]))
out["ncnn"] = np.array(extractor.extract("out0")[1])[None]
np.savez({o!r}, **out)
"""


@pytest.mark.parametrize("run", ["trained_run", "identity_run"])
def test_export_openvino_and_ncnn_at_320_match_pytorch(run, request, tmp_path):
    """`yolo export format=openvino|ncnn imgsz=320`, run by each runtime in an interpreter that cannot import the
    plugin: OpenVINO at f32 and NCNN match PyTorch; OpenVINO's CPU default precision is reported, not required. The
    identity graft's shortcut (and its trained, no longer zero, scale) goes through every export."""
    import numpy as np
    import torch
    from ultralytics import YOLO

    best = request.getfixturevalue(run) / "weights" / "best.pt"
    _check_shortcut(best, run == "identity_run")
    for fmt in ("openvino", "ncnn"):
        run_cmd(["yolo", "export", f"model={best}", f"format={fmt}", "imgsz=320"], cwd=tmp_path)
    ov_dir, ncnn_dir = best.parent / "best_openvino_model", best.parent / "best_ncnn_model"
    x = torch.rand(1, 3, 320, 320)
    np.save(tmp_path / "x.npy", x.numpy())
    o = tmp_path / "native.npz"
    files = {"xml": ov_dir / "best.xml", "param": ncnn_dir / "model.ncnn.param", "bin": ncnn_dir / "model.ncnn.bin"}
    run_without_plugin(NATIVE.format(x=str(tmp_path / "x.npy"), o=str(o), **{k: str(v) for k, v in files.items()}))
    model = YOLO(best).model.float().fuse(verbose=False).eval()
    with torch.no_grad():
        ref = model(x)[0]
    out = np.load(o)
    assert_parts_close(torch.from_numpy(out["openvino f32"]), ref)
    assert_parts_close(torch.from_numpy(out["ncnn"]), ref)
    assert str(out["openvino f32 precision"]) == "<Type: 'float32'>"
    assert out["openvino default"].shape == tuple(ref.shape)  # bf16 on CPUs that have it: about 0.1 px off


DYNAMIC = """
import numpy as np, onnxruntime as ort
session = ort.InferenceSession({onnx!r})
for i, shape in enumerate({shapes!r}):
    x = np.load({x!r}.format(i))
    np.save({o!r}.format(i), session.run(None, {{"images": x}})[0])
"""


def test_dynamic_onnx_export_matches_pruned_eager_at_several_sizes(trained_run, tmp_path):
    import numpy as np
    import torch
    from ultralytics import YOLO

    best = tmp_path / "best.pt"
    shutil.copy(trained_run / "weights" / "best.pt", best)
    run_cmd(["yolo", "export", f"model={best}", "format=onnx", "imgsz=64", "dynamic=True"], cwd=tmp_path)
    shapes = [(64, 64), (96, 160), (256, 256), (32, 320)]  # P5 maps 2×2 … 8×8: pruning differs per size in eager
    for i, (h, w) in enumerate(shapes):
        np.save(tmp_path / f"x{i}.npy", torch.rand(1, 3, h, w).numpy())
    run_without_plugin(
        DYNAMIC.format(
            onnx=str(best.with_suffix(".onnx")), shapes=shapes, x=str(tmp_path / "x{}.npy"), o=str(tmp_path / "o{}.npy")
        )
    )
    model = YOLO(best).model.float().fuse(verbose=False).eval()
    for i, _ in enumerate(shapes):
        with torch.no_grad():
            ref = model(torch.from_numpy(np.load(tmp_path / f"x{i}.npy")))[0]
        assert_parts_close(torch.from_numpy(np.load(tmp_path / f"o{i}.npy")), ref)


def test_passthrough_val_predict_export_with_hook_off(trained_run, shapes_data, tmp_path):
    off = {"YOLO_DSCONV_HOOK": "0"}
    best = tmp_path / "best.pt"
    shutil.copy(trained_run / "weights" / "best.pt", best)
    images, _, _ = val_scores("detect", best, shapes_data, tmp_path, prog=("yolo-dsconv",), env=off)
    assert images == 8
    predict_labels("detect", best, shapes_data.parent / "images" / "val", tmp_path, prog=("yolo-dsconv",), env=off)
    run_cmd(["yolo-dsconv", "export", f"model={best}", "format=onnx", "imgsz=64"], cwd=tmp_path, env=off)
    assert best.with_suffix(".onnx").is_file()
