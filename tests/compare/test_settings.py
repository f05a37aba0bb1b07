"""compare's settings as one frozen object: checked once, written to compare_config.json and read back unchanged."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from yolo_dsconv.compare import CompareError, CompareSettings, compare
from yolo_dsconv.compare.settings import TRAIN_DEFAULTS

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"
BUILT_IN = sorted(p for p in RESULTS.glob("*/compare_config.json") if "built_in" in json.loads(p.read_text())["data"])


def test_the_committed_studies_are_found():
    assert {p.parent.name for p in BUILT_IN} >= {"hard256_cos500", "hard256_cos60", "pilot_const"}


@pytest.mark.parametrize("file", BUILT_IN, ids=lambda p: p.parent.name)
def test_a_committed_configuration_reads_back_into_the_settings_that_write_it(file):
    saved = json.loads(file.read_text())
    settings = CompareSettings.from_config(saved, file.parent)
    assert settings.config(saved["variants"], saved.get("pretrained")) == saved
    assert settings.variants == tuple(saved["variants"]) and settings.project == file.parent.resolve()


def test_a_dataset_yaml_is_recorded_by_path_and_hash_and_reads_back(tmp_path):
    data = tmp_path / "data.yaml"
    data.write_text("path: .\ntrain: images\nval: images\nnames: {0: a}\n")
    settings = CompareSettings(data=str(data), variants="stock,dsconv", init="identity", train={"epochs": 5})
    config = settings.config({"stock": "1", "dsconv": "2"})
    assert config["data"]["yaml"] == str(data) and len(config["data"]["sha256"]) == 64 and config["init"] == "identity"
    back = CompareSettings.from_config(json.loads(json.dumps(config)), tmp_path)
    assert back.config(config["variants"]) == config
    data.write_text("path: .\ntrain: other\nval: images\nnames: {0: a}\n")
    assert back.config(config["variants"])["data"]["sha256"] != config["data"]["sha256"]


def test_keyword_arguments_split_into_the_settings_and_training_arguments():
    s = CompareSettings.of(seeds=5, margin=0.02, epochs=60, patience=100, cos_lr=True, lr0=TRAIN_DEFAULTS["lr0"])
    assert (s.seeds, s.margin) == (5, 0.02)
    # the protocol's own keys stay, an Ultralytics default (patience=100) is dropped, anything else is kept
    assert s.train == {**TRAIN_DEFAULTS, "epochs": 60, "cos_lr": True}
    assert s.variants == ("stock", "dsconv", "sparse", "control") and s.project.is_absolute()


def test_init_follows_a_pretrained_file_unless_given():
    assert CompareSettings.of(pretrained="w.pt").init == "identity"
    assert CompareSettings.of(pretrained=True).init == "default"
    assert CompareSettings.of(pretrained="w.pt", init="default").init == "default"
    assert CompareSettings().init == "default" and CompareSettings().pretrained_file is None


def test_the_settings_are_frozen_and_a_copy_is_checked_again():
    s = CompareSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.seeds = 5
    assert s.with_train(epochs=3).train["epochs"] == 3 and s.train["epochs"] == TRAIN_DEFAULTS["epochs"]
    with pytest.raises(CompareError, match="project= is set by compare itself"):
        s.with_train(project="x")


def test_settings_and_keyword_arguments_together_are_refused(tmp_path):
    with pytest.raises(CompareError, match="give settings or keyword arguments, not both"):
        compare(CompareSettings(project=tmp_path / "p"), epochs=3)
    assert not (tmp_path / "p").exists()
