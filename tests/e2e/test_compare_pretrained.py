"""compare from pretrained weights on real photos: the classic COCO YOLOv5n into every variant, identity start,
paired verdicts; and every bad pretrained=/init=/freeze= refused in one line with nothing written."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from helpers import run_cmd
from yolo_dsconv.checkpoints import NotACheckpoint

BACKBONE_NECK = 342
# 2 variants x 2 seeds, 2 epochs at 96 px on 32 + 16 Aquarium photos: the smallest real-photo comparison.
SMALL = ["variants=stock,dsconv", "seeds=2", "epochs=2", "imgsz=96", "batch=16", "init=identity", "sizes=True"]


@pytest.fixture(scope="module")
def real_compare(realdata, aquarium_small, tmp_path_factory) -> tuple[Path, str]:
    project = tmp_path_factory.mktemp("real") / "runs"
    weights = realdata / "weights" / "yolov5n.pt"
    proc = run_cmd(
        ["yolo-dsconv", "compare", f"data={aquarium_small}", f"pretrained={weights}", *SMALL, f"project={project}"],
        cwd=project.parent,
    )
    return project, proc.stdout


def test_every_run_records_the_weights_and_what_they_gave(real_compare, realdata):
    project, _ = real_compare
    digest = hashlib.sha256((realdata / "weights" / "yolov5n.pt").read_bytes()).hexdigest()
    config = json.loads((project / "compare_config.json").read_text())
    assert config["pretrained"] == {"sha256": digest, "kind": "classic", "transferred": {"stock": 342, "dsconv": 342}}
    assert config["init"] == "identity"
    with open(project / "compare.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and {r["pretrained_sha256"] for r in rows} == {digest}
    assert {int(r["transferred"]) for r in rows} == {BACKBONE_NECK}
    for variant in ("stock", "dsconv"):
        record = json.loads((project / variant / "seed0" / "compare_run.json").read_text())["result"]
        assert (record["pretrained_sha256"], record["transferred"]) == (digest, BACKBONE_NECK)
    grafted = yaml.safe_load((project / "models" / "yolov5-dsconv.yaml").read_text())
    row = (grafted["backbone"] + grafted["head"])[grafted["dsconv_inserted"][0]]
    assert row[2] == "ExpandConv" and row[3][-1] == "identity"


def test_the_verdict_is_paired_and_knows_its_floor(real_compare):
    project, out = real_compare
    doc = json.loads((project / "compare.json").read_text())
    d = doc["summary"][1]["vs_map50_95"]
    assert d["paired"] is True
    runs = doc["runs"]
    at_floor = all(max(r["curve"]) < 0.01 for r in runs if r["variant"] == "stock") or all(
        max(r["curve"]) < 0.01 for r in runs if r["variant"] == "dsconv"
    )
    assert (d["verdict"] == "no verdict: nothing learned") == at_floor
    assert "paired t-test" in out and "paired by seed" in out
    assert "| paired t |" in (project / "compare.md").read_text()


def _refused(args: list[str], tmp_path: Path) -> str:
    project = tmp_path / "never"
    proc = run_cmd(["yolo-dsconv", "compare", *args, f"project={project}"], cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert not project.exists(), "a refused comparison wrote its project"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_missing_weights_file_is_refused(tmp_path):
    assert "pretrained=nosuch.pt" in _refused(["pretrained=nosuch.pt"], tmp_path)
    assert "does not exist" in _refused(["pretrained=nosuch.pt"], tmp_path)


def test_a_file_that_is_no_checkpoint_is_refused(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"junk")
    assert "is not a torch checkpoint" in _refused([f"pretrained={junk}"], tmp_path)
    with pytest.raises(NotACheckpoint):
        from yolo_dsconv.checkpoints import checkpoint_kind

        checkpoint_kind(junk)


def test_a_planted_pickle_is_refused_and_runs_nothing(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "checkpoints"))
    from test_classic_weights import _planted

    marker = tmp_path / "ran"
    file = _planted(tmp_path / "yolov5n.pt", marker)
    assert "which can run code" in _refused([f"pretrained={file}"], tmp_path)
    assert not marker.exists()


def test_weights_of_another_architecture_are_refused_with_how_much_they_transfer(tmp_path):
    import torch
    from ultralytics.nn.tasks import DetectionModel

    file = tmp_path / "yolov8n.pt"
    torch.save({"model": DetectionModel("yolov8n.yaml", verbose=False), "train_args": {}}, file)
    line = _refused([f"pretrained={file}"], tmp_path)
    assert "transfers" in line and "of the 342 tensors outside the head of stock" in line
    assert "another architecture" in line


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("init=zero", "init='zero' is invalid, expected one of default, identity"),
        ("freeze=99", "freeze=99 is invalid, expected an integer 0..24"),
    ],
)
def test_bad_init_and_freeze_are_refused(arg, message, tmp_path):
    assert message in _refused([arg], tmp_path)


def test_graft_refuses_identity_where_the_layer_changes_width(tmp_path):
    proc = run_cmd(
        ["yolo-dsconv", "graft", "model=yolov5n.yaml", "args=[512]", "init=identity", f"out={tmp_path / 'g.yaml'}"],
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode != 0 and "needs c1 == c2" in proc.stderr
    assert not (tmp_path / "g.yaml").exists()


def test_ap_by_object_size_of_every_run(real_compare):
    """compare sizes=True puts AP by size, per variant with its paired interval, in compare.json, compare.md and its
    printed output; `yolo-dsconv sizes project=` later reads the same per-run values and gives the same table."""
    from yolo_dsconv.compare.report import clean_json

    project, out = real_compare
    section = json.loads((project / "compare.json").read_text())["sizes"]
    assert set(section["runs"]) == {f"{v}/seed{s}" for v in ("stock", "dsconv") for s in (0, 1)}
    assert section["imgsz"] == 96 and {r["variant"] for r in section["table"]} == {"stock", "dsconv"}
    assert all(r["paired"] for r in section["table"] if r["variant"] == "dsconv")
    for v in ("stock", "dsconv"):
        kept = json.loads((project / v / "seed0" / "sizes_96px.json").read_text())
        assert kept["n_small"] + kept["n_medium"] + kept["n_large"] > 0
        assert clean_json(kept) == section["runs"][f"{v}/seed0"]  # NaN (no box of a size) is null in compare.json
    assert "## AP by object size" in (project / "compare.md").read_text() and "| size | boxes | variant |" in out
    proc = run_cmd(["yolo-dsconv", "sizes", f"project={project}"], cwd=project.parent)
    again = json.loads((project / "sizes.json").read_text())
    assert again["table"] == section["table"] and again["runs"] == section["runs"]
    assert "| size | boxes | variant |" in proc.stdout and (project / "sizes.md").is_file()


@pytest.mark.parametrize(("given", "expected"), [({}, "identity"), ({"init": "default"}, None)])
def test_init_defaults_to_identity_with_weights(given, expected, realdata, monkeypatch, tmp_path):
    """Without init=, a comparison from weights starts its grafted variants as the identity; init=default is kept."""
    from yolo_dsconv.compare import comparison

    seen = {}

    def stop(settings, config, planned):
        seen.update(config)
        raise SystemExit

    monkeypatch.setattr(comparison, "_train_and_report", stop)
    with pytest.raises(SystemExit):
        comparison.compare(variants="stock,dsconv", pretrained=str(realdata / "weights" / "yolov5n.pt"),
                           project=tmp_path / "p", **given)  # fmt: skip
    assert seen.get("init") == expected


def test_compare_takes_any_detection_dataset_given_only_its_yaml(realdata, tmp_path):
    """A dataset laid out as Ultralytics lays out its own (images/<split>, labels/<split>, an absolute `path:`), with
    other classes than the weights and than Aquarium (2: fish and not fish), from photos the study never trains on
    (Aquarium's test split), is compared from the same COCO weights with nothing but data= pointing at its YAML."""
    photos = sorted((realdata / "aquarium" / "test" / "images").iterdir())[:24]
    root = tmp_path / "fish"
    for split, part in (("train", photos[:16]), ("val", photos[16:])):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for photo in part:
            (root / "images" / split / photo.name).symlink_to(photo)
            rows = (photo.parent.parent / "labels" / f"{photo.stem}.txt").read_text().split("\n")
            fish = [f"{0 if r.split()[0] == '0' else 1} {' '.join(r.split()[1:])}" for r in rows if r.strip()]
            (root / "labels" / split / f"{photo.stem}.txt").write_text("\n".join(fish) + "\n")
    data = tmp_path / "fish.yaml"  # elsewhere than the data: `path:` says where they are
    data.write_text(yaml.safe_dump({"path": str(root), "train": "images/train", "val": "images/val",
                                    "names": {0: "fish", 1: "not fish"}}))  # fmt: skip
    names = yaml.safe_load((realdata / "aquarium" / "data.yaml").read_text())["names"]
    assert names[0] == "fish"  # Aquarium's class 0 stays 0; its other six classes become 1
    project = tmp_path / "runs"
    weights = realdata / "weights" / "yolov5n.pt"
    args = ["variants=stock,dsconv", "seeds=1", "epochs=1", "imgsz=64", "batch=8"]
    run_cmd(["yolo-dsconv", "compare", f"data={data}", f"pretrained={weights}", *args, f"project={project}"],
            cwd=tmp_path)  # fmt: skip
    config = json.loads((project / "compare_config.json").read_text())
    assert config["data"] == {"yaml": str(data), "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}
    assert config["pretrained"]["transferred"] == {"stock": BACKBONE_NECK, "dsconv": BACKBONE_NECK}
    for variant in ("stock", "dsconv"):
        run = project / variant / "seed0"
        assert yaml.safe_load((run / "args.yaml").read_text())["data"] == str(data)
        assert json.loads((run / "compare_run.json").read_text())["result"]["epochs"] == 1
    assert len(json.loads((project / "compare.json").read_text())["runs"]) == 2
    run_cmd(["yolo-dsconv", "sizes", f"project={project}"], cwd=tmp_path)  # its labels found in labels/val
    boxes = sum(len(f.read_text().split()) // 5 for f in (root / "labels" / "val").iterdir())
    kept = json.loads((project / "stock" / "seed0" / "sizes_64px.json").read_text())
    assert kept["n_small"] + kept["n_medium"] + kept["n_large"] == boxes > 0
