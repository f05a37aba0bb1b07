"""scripts/real_photo_study.sh, the command later sessions run to continue the real-photo study: its compare line
must plan the configuration the kept study was trained with, or the next run would be refused (or, worse, start
another study in the same folder)."""

import json
import re
import shlex

from helpers import REPO


def test_the_study_script_plans_the_kept_studys_configuration(tmp_path):
    from yolo_dsconv.cli.compare import parse_settings

    script = (REPO / "scripts" / "real_photo_study.sh").read_text()
    words = re.search(r"^study=\((.*?)\)$", script, re.S | re.M).group(1)
    data = tmp_path / "data.yaml"
    data.write_text("path: .\ntrain: train/images\nval: valid/images\nnames: {0: fish}\n")
    for name, value in (("$realdata", "/realdata"), ("$data", str(data)), ("$project", str(tmp_path / "p"))):
        words = words.replace(name, value)
    settings, _ = parse_settings("compare", [*shlex.split(words), "seeds=5"], {})
    kept = json.loads((REPO / "docs" / "results" / "aquarium416" / "compare_config.json").read_text())
    planned = settings.config({})
    assert (planned["base"], settings.init, list(settings.variants)) == (
        kept["base"],
        kept["init"],
        list(kept["variants"]),
    )
    without_weights = {k: v for k, v in planned["train"].items() if k != "pretrained"}
    assert without_weights == {k: v for k, v in kept["train"].items() if k != "pretrained"}
    assert settings.pretrained_file == "/realdata/weights/yolov5n.pt" and kept["pretrained"]["kind"] == "classic"
    assert settings.sizes and settings.jobs == 2  # analysis and scheduling: not part of the guarded configuration
