"""One real `yolo train` of yolov5n-dsconv on the built-in dataset, shared by the checkpoint and export tests."""

from pathlib import Path

import pytest

from helpers import run_cmd


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, shapes_data) -> Path:
    """Run folder of a 2-epoch plain `yolo train` (fresh process, fresh working directory, no import, no env var).

    The model is given by bare name, as after `pip install yolo-dsconv`: the shipped YAML is found without a path.
    """
    work = tmp_path_factory.mktemp("work")
    run_cmd(
        [
            "yolo",
            "train",
            "model=yolov5n-dsconv.yaml",
            f"data={shapes_data}",
            "epochs=2",
            "imgsz=64",
            "batch=8",
            "workers=0",
            "device=cpu",
            "plots=False",
            f"project={work / 'runs'}",
            "name=train",
            "seed=0",
        ],
        cwd=work,
    )
    run = work / "runs" / "train"
    assert (run / "weights" / "best.pt").is_file() and (run / "weights" / "last.pt").is_file()
    return run


@pytest.fixture(scope="session")
def identity_run(tmp_path_factory, shapes_data) -> Path:
    """Run folder of a 2-epoch plain `yolo train` of yolov5n grafted with `init=identity` (ExpandConv behind its
    shortcut), for the export parity tests. `nbs=8`: one optimizer step per batch (with Ultralytics' nbs=64 the 4
    batches make one step, at the warm-up's learning rate of 0), so the zero scale has moved when it is exported."""
    work = tmp_path_factory.mktemp("identity")
    run_cmd(["yolo-dsconv", "graft", "model=yolov5n.yaml", "init=identity", f"out={work / 'yolov5-dsconv.yaml'}"])
    run_cmd(
        ["yolo", "train", f"model={work / 'yolov5n-dsconv.yaml'}", f"data={shapes_data}", "epochs=2", "imgsz=64",
         "batch=8", "nbs=8", "workers=0", "device=cpu", "plots=False", f"project={work / 'runs'}", "name=train",
         "seed=0"],
        cwd=work,
    )  # fmt: skip
    run = work / "runs" / "train"
    assert (run / "weights" / "best.pt").is_file()
    return run
