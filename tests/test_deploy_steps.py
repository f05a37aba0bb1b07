"""The export matrix's steps as the matrix runs them: each in a fresh interpreter (`python -m
yolo_dsconv.deploy.programs.<step>`), on a small dsconv checkpoint, through ONNX (in the dev venv); and the matrix's
cache of measurements, which makes it resumable."""

from __future__ import annotations

import json

import numpy as np
import pytest

from yolo_dsconv.deploy import matrix, rel_err
from yolo_dsconv.deploy.runner import run_program, tagged


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from ultralytics import YOLO

    folder = tmp_path_factory.mktemp("deploy")
    YOLO("yolov5n-dsconv.yaml").save(folder / "model.pt")
    return folder / "model.pt"


def test_derive_export_read_and_measure_in_fresh_interpreters(checkpoint, tmp_path):
    from ultralytics.nn.tasks import torch_safe_load

    dst = tmp_path / "undilated.pt"
    ok, out = run_program("derive", {"name": "dsconv-undilated", "src": str(checkpoint), "imgsz": 64, "dst": str(dst)},
                          tmp_path)  # fmt: skip
    assert ok, out
    derived = torch_safe_load(str(dst))[0]["model"]
    assert {m.d for m in derived.modules() if type(m).__name__ == "ExpandConv"} == {(1, 1, 1)}

    ok, out = run_program("export", {"pt": str(checkpoint), "format": "onnx", "imgsz": 64}, tmp_path)
    onnx = tagged(out, "ARTIFACT")
    assert ok and onnx and onnx.endswith(".onnx"), out

    ok, out = run_program("graph_ops", {"format": "onnx", "path": onnx}, tmp_path)
    ops = json.loads(tagged(out, "OPS"))
    assert ok and ops["Conv"] > 60 and "Constant" not in ops  # bookkeeping operators are left out

    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).random((2, 3, 64, 64), dtype=np.float32))
    outputs = str(tmp_path / "out_{}.npy")
    args = {"paths": {"pt": str(checkpoint), "onnx": onnx}, "x": str(x), "out": outputs, "f32": False,
            "latency": True, "rounds": 3}  # fmt: skip
    ok, out = run_program("measure", args, tmp_path)
    medians = json.loads(tagged(out, "MEDIANS"))
    assert ok and set(medians) == {"pt", "onnx"} and all(v > 0 for v in medians.values()), out
    pt, exported = (np.load(outputs.format(k)) for k in ("pt", "onnx"))
    assert pt.shape == (2, 4 + 80, 84) and max(rel_err(exported, pt).values()) < 1e-3  # scores of ~1e-4: untrained


def test_a_failed_step_is_reported_with_its_last_error(tmp_path):
    ok, out = run_program("export", {"pt": str(tmp_path / "missing.pt"), "format": "onnx", "imgsz": 64}, tmp_path)
    assert not ok and tagged(out, "ARTIFACT") is None and "missing.pt" in out


def test_measurements_are_cached_in_the_state_so_the_matrix_resumes(monkeypatch, tmp_path):
    calls = []

    def fake(step, args, cwd, timeout=1800):
        calls.append(step)
        return True, 'noise\nMEDIANS {"stock": 0.002, "dsconv": 0.0022}\n'

    monkeypatch.setattr(matrix, "run_program", fake)
    opts = matrix.MatrixOptions(tmp_path, tmp_path / "m", rounds=5)
    state = matrix._State.load(tmp_path / "state.json")
    cell = matrix._Cell("yolov5n", 320, {}, tmp_path / "x.npy", state, opts)
    got = matrix._measure(cell, "onnx", {"stock": "s.onnx", "dsconv": "d.onnx"})
    assert got["medians"] == {"stock": 0.002, "dsconv": 0.0022} and calls == ["measure"]
    got["parity"] = {"added": "by the caller"}
    again = matrix._measure(cell, "onnx", {"stock": "s.onnx"})  # a subset of what was measured: reused
    reloaded = matrix._State.load(tmp_path / "state.json").measures["yolov5n/320/onnx"]
    assert calls == ["measure"] and "parity" not in again and "parity" not in reloaded
    matrix._measure(cell, "onnx", {"stock": "s.onnx"}, "merged")  # a pass of its own
    assert calls == ["measure", "measure"]
