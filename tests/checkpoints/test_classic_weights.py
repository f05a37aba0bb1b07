"""Classic YOLOv5 checkpoints in (the restricted reader and the conversion), and files whose pickle runs code out."""

from __future__ import annotations

import os
import sys
import types
import zipfile
from pathlib import Path

import pytest
import torch

import yolo_dsconv  # noqa: F401  (registers the plugin: the load patch)
from helpers import run_cmd, run_python
from yolo_dsconv.checkpoints import (
    CLASSIC,
    ULTRALYTICS,
    CheckpointError,
    ClassicHead,
    NotACheckpoint,
    checkpoint_kind,
    classic_checkpoint,
    pickle_globals,
)

BACKBONE_NECK = 342  # tensors of classic yolov5n layers 0-23 (checked against the classic file by hand, see README)


class _Boom:
    """Pickles as a call of os.system: what a planted checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _planted(path: Path, marker: Path) -> Path:
    """A classic-looking checkpoint (it pickles models.yolo.Model) whose pickle would run `touch marker`."""
    fake = types.ModuleType("models.yolo")
    fake.Model = type("Model", (torch.nn.Module,), {"__module__": "models.yolo"})
    sys.modules.update({"models": types.ModuleType("models"), "models.yolo": fake})
    try:
        torch.save({"model": fake.Model(), "payload": _Boom(marker), "epoch": -1}, path)
    finally:
        del sys.modules["models"], sys.modules["models.yolo"]
    return path


@pytest.fixture
def planted(tmp_path) -> tuple[Path, Path]:
    marker = tmp_path / "ran"
    return _planted(tmp_path / "yolov5n.pt", marker), marker


def test_the_classic_file_is_read_without_its_classes_and_converted(realdata):
    weights = realdata / "weights" / "yolov5n.pt"
    assert checkpoint_kind(weights) == CLASSIC
    assert ("models.yolo", "Model") in pickle_globals(weights)
    ckpt = classic_checkpoint(weights)
    model = ckpt["model"]
    assert isinstance(model.model[-1], ClassicHead)
    assert ckpt["classic"]["tensors"] == BACKBONE_NECK == len(model.state_dict())
    assert model.names[0] == "person" and len(model.names) == 80
    # the converted tensors are the file's own, bit for bit (as float32)
    raw = zipfile.ZipFile(weights)
    assert raw.testzip() is None
    from yolo_dsconv.checkpoints import read_classic

    source = read_classic(weights)["model"].state_dict()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, source[key].to(value.dtype), rtol=0, atol=0)


def test_a_converted_classic_model_refuses_to_predict_with_its_missing_head(realdata):
    model = classic_checkpoint(realdata / "weights" / "yolov5n.pt")["model"]
    with pytest.raises(CheckpointError, match="serves as weights for a YAML"):
        model(torch.zeros(1, 3, 64, 64))


@pytest.mark.parametrize("yaml_name", ["yolov5n.yaml", "yolov5n-dsconv.yaml"])
def test_classic_weights_transfer_backbone_sppf_and_neck(realdata, yaml_name):
    from ultralytics import YOLO

    model = YOLO(yaml_name)
    before = {k: v.clone() for k, v in model.model.state_dict().items()}
    model.load(realdata / "weights" / "yolov5n.pt")
    after = model.model.state_dict()
    changed = [k for k in after if not torch.equal(after[k], before[k])]
    head = len(model.model.model) - 1
    inserted = model.model.yaml.get("dsconv_inserted", [])
    # every layer with tensors before the head but the inserted one took the classic weights; the head and
    # ExpandConv kept their own
    with_tensors = {int(k.split(".")[1]) for k in after}
    assert {int(k.split(".")[1]) for k in changed} == with_tensors - {head, *inserted}
    assert not any(k.startswith(f"model.{head}.") for k in changed)


def test_yolo_train_from_classic_weights_says_what_transferred(realdata, aquarium_small, tmp_path):
    proc = run_cmd(
        ["yolo", "train", "model=yolov5n-dsconv.yaml", f"data={aquarium_small}",
         f"pretrained={realdata}/weights/yolov5n.pt", "epochs=1", "imgsz=64", "batch=8", "workers=0", "plots=False",
         "val=False", f"project={tmp_path}", "name=t"],
        cwd=tmp_path,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert f"Transferred {BACKBONE_NECK}/505 items from pretrained weights" in out
    assert "yolov5nu.pt" not in out  # no rename to the Ultralytics name, no download attempt
    assert (tmp_path / "t" / "weights" / "last.pt").is_file()


def test_a_planted_pickle_runs_nothing_through_load_checkpoint(planted):
    from ultralytics.nn.tasks import load_checkpoint

    file, marker = planted
    with pytest.raises(CheckpointError, match=r"calls posix\.system|calls os\.system"):
        load_checkpoint(file)
    assert not marker.exists()


def test_a_planted_pickle_runs_nothing_through_yolo_train(planted, shapes_data, tmp_path):
    file, marker = planted
    proc = run_cmd(
        ["yolo", "train", "model=yolov5n.yaml", f"data={shapes_data}", f"pretrained={file}", "epochs=1", "imgsz=64",
         f"project={tmp_path / 'runs'}", "name=t"],
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert not marker.exists()
    assert "which can run code" in proc.stderr.strip().splitlines()[-1]
    # Ultralytics' trainer makes its run folder before it loads weights, as for any failure there; no weights
    assert [p for p in tmp_path.rglob("*.pt") if p != file] == []


def test_the_stand_in_reader_refuses_an_unexpected_global_even_without_a_known_unsafe_module(tmp_path):
    """A classic-looking file naming a global outside the classic classes (here fractions.Fraction, harmless but
    unexpected) is refused by the restricted reader itself, with one line naming the global."""
    import fractions

    from yolo_dsconv.checkpoints import read_classic

    fake = types.ModuleType("models.yolo")
    fake.Model = type("Model", (torch.nn.Module,), {"__module__": "models.yolo"})
    sys.modules.update({"models": types.ModuleType("models"), "models.yolo": fake})
    try:
        torch.save({"model": fake.Model(), "extra": fractions.Fraction(1, 3)}, tmp_path / "odd.pt")
    finally:
        del sys.modules["models"], sys.modules["models.yolo"]
    with pytest.raises(CheckpointError, match=r"fractions\.Fraction") as e:
        read_classic(tmp_path / "odd.pt")
    assert "\n" not in str(e.value)


def test_an_ultralytics_checkpoint_loads_exactly_as_ultralytics_loads_it(tmp_path):
    from ultralytics.nn import tasks
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    file = tmp_path / "stock.pt"
    torch.save({"model": DetectionModel("yolov5n.yaml", nc=3, verbose=False), "train_args": {}}, file)
    assert checkpoint_kind(file) == ULTRALYTICS
    ours, _ = tasks.torch_safe_load(file)
    theirs, _ = tasks.torch_safe_load.__wrapped__(file)
    assert ours.keys() == theirs.keys()
    for k, v in theirs["model"].state_dict().items():
        torch.testing.assert_close(ours["model"].state_dict()[k], v, rtol=0, atol=0)


def test_files_that_are_no_checkpoint_are_left_to_ultralytics(tmp_path):
    from ultralytics.nn import tasks

    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(NotACheckpoint):
        checkpoint_kind(junk)
    with pytest.raises(TypeError) as ours:
        tasks.torch_safe_load(junk)
    with pytest.raises(TypeError) as theirs:
        tasks.torch_safe_load.__wrapped__(junk)
    assert str(ours.value) == str(theirs.value)


def test_reading_a_classic_file_needs_no_classic_package_in_a_fresh_interpreter(realdata):
    proc = run_python(
        "import sys, yolo_dsconv\n"
        "from ultralytics.nn.tasks import load_checkpoint\n"
        "m, _ = load_checkpoint(sys.argv[1])\n"
        "assert 'models' not in sys.modules and 'models.yolo' not in sys.modules\n"
        "print(len(m.state_dict()))",
        args=[str(realdata / "weights" / "yolov5n.pt")],
    )
    assert proc.stdout.strip().splitlines()[-1] == str(BACKBONE_NECK)


def test_a_fused_ultralytics_model_with_bound_methods_is_not_refused(tmp_path):
    """Ultralytics' fused models pickle bound methods through builtins.getattr: the screen lets them through (the
    upstream suite's test_restricted_load_criterion[True] failed when it did not)."""
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel("yolov8n.yaml", verbose=False).eval()
    model.fuse(verbose=False)
    torch.save({"model": model}, tmp_path / "fused.pt")
    assert ("__builtin__", "getattr") in pickle_globals(tmp_path / "fused.pt")  # torch pickles at protocol 2
    assert checkpoint_kind(tmp_path / "fused.pt") == ULTRALYTICS


class _Dotted:
    """Pickles as a call of os.system reached through torch.serialization (protocol 4 names dotted paths)."""

    def __reduce__(self):
        import torch.serialization

        return (torch.serialization.os.system, ("true",))


def test_a_dotted_path_to_a_system_call_is_refused(tmp_path):
    import pickle

    file = tmp_path / "dotted.pt"
    torch.save({"x": _Dotted()}, file, pickle_protocol=4)
    names = {f"{m}.{n}" for m, n in pickle_globals(file)}
    assert any("system" in n for n in names), names
    with pytest.raises(CheckpointError, match="which can run code"):
        checkpoint_kind(file)
    assert pickle  # the standard pickler wrote it: no hand-made opcodes
