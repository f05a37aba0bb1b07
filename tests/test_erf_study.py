"""scripts/erf_study.py end to end on a one-run compare project: ERF images are made like the study's data."""

import json
import sys

import torch

from helpers import REPO

sys.path.insert(0, str(REPO / "scripts"))
import erf_study


def test_erf_study_measures_on_unseen_images_made_like_the_studys(tmp_path, monkeypatch):
    from ultralytics import YOLO

    run = tmp_path / "stock" / "seed0"
    (run / "weights").mkdir(parents=True)
    torch.manual_seed(0)
    torch.save({"model": YOLO("yolov5n.yaml").model.half(), "train_args": {}}, run / "weights" / "best.pt")
    hard = {"n_train": 96, "n_val": 64, "imgsz": 32, "seed": 0, "max_objects": 6, "clutter": 4, "min_frac": 0.08}
    doc = {
        "config": {"train": {"imgsz": 32}, "data": {"built_in": hard}},
        "summary": [{"variant": "stock", "model": "yolov5n.yaml"}],
        "runs": [{"variant": "stock", "seed": 0, "save_dir": str(run)}],
    }
    (tmp_path / "compare.json").write_text(json.dumps(doc))
    out = tmp_path / "erf"
    monkeypatch.setattr(sys, "argv", ["erf_study", "--project", str(tmp_path), "--out", str(out), "--images", "2"])
    erf_study.main()
    made = json.loads((tmp_path / "erf-data" / "dataset.json").read_text())
    assert {k: made[k] for k in ("max_objects", "clutter", "min_frac", "imgsz", "seed", "n_val")} == {
        "max_objects": 6, "clutter": 4, "min_frac": 0.08, "imgsz": 32, "seed": 1, "n_val": 2,
    }  # fmt: skip
    rows = json.loads(out.with_suffix(".json").read_text())["rows"]
    assert [(r["variant"], r["weights"], r["seeds"]) for r in rows] == [("stock", "trained", 1), ("stock", "init", 1)]
    assert all(0 < r["side50"][0] <= r["side90"][0] <= 64 for r in rows)
    assert out.with_suffix(".png").stat().st_size > 0
