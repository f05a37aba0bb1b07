"""One look at a stock model and its dsconv graft side by side on the built-in data of any task, at one seed.

Both models get identical settings and seeds; the result is one table of parameters, GFLOPs, epochs, train time
and validation mAP for each (the task's own metric: boxes, masks, keypoints or oriented boxes). Nothing is
downloaded. One seed is not evidence either way: `yolo-dsconv compare` (compare/) repeats runs over seeds and
gives intervals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .compare.comparison import TRAIN_DEFAULTS
from .offline import offline_font

__all__ = ("DEMO_MODELS", "DemoResult", "run_demo")

# The pair each task trains by default: Ultralytics has no yolov5 segment, pose or obb configs.
DEMO_MODELS = {
    "detect": ("yolov5n.yaml", "yolov5n-dsconv.yaml"),
    "segment": ("yolov8n-seg.yaml", "yolov8n-seg-dsconv.yaml"),
    "pose": ("yolov8n-pose.yaml", "yolov8n-pose-dsconv.yaml"),
    "obb": ("yolov8n-obb.yaml", "yolov8n-obb-dsconv.yaml"),
}
_METRIC = {"segment": "seg", "pose": "pose"}  # the metrics attribute of each task's validator; box otherwise


@dataclass
class DemoResult:
    """One model's row of the demo table."""

    model: str
    params: int
    gflops: float
    epochs: int
    train_s: float
    map50: float
    map50_95: float
    save_dir: str


def run_demo(
    project: str | Path = "demo_runs",
    models: tuple[str, ...] | None = None,
    data: str | Path | None = None,
    epochs: int = TRAIN_DEFAULTS["epochs"],
    imgsz: int = TRAIN_DEFAULTS["imgsz"],
    batch: int = TRAIN_DEFAULTS["batch"],
    nbs: int = TRAIN_DEFAULTS["nbs"],
    workers: int = TRAIN_DEFAULTS["workers"],
    device: str = TRAIN_DEFAULTS["device"],
    seed: int = 0,
    optimizer: str = TRAIN_DEFAULTS["optimizer"],
    lr0: float = TRAIN_DEFAULTS["lr0"],
    n_train: int = 96,
    n_val: int = 32,
    task: str = "detect",
    verbose: bool = True,
) -> list[DemoResult]:
    """Train and validate each model with identical settings; return one DemoResult per model.

    Args:
        project: absolute run folder; each model trains in project/<model stem>, the dataset goes to project/data
            (project/data-<task> for the other tasks).
        models: model YAMLs (shipped dsconv names resolve to the packaged files); None: DEMO_MODELS[task].
        data: a dataset YAML; None generates the built-in shapes dataset.
        epochs, imgsz, batch, nbs, workers, device, seed, optimizer, lr0: Ultralytics training settings shared by
            all models; the defaults are `yolo-dsconv compare`'s protocol (compare.TRAIN_DEFAULTS).
        n_train, n_val: size of the generated dataset.
        task: detect, segment, pose or obb: the built-in data's labels and the metric reported.
        verbose: Ultralytics' progress output.
    """
    from ultralytics import YOLO

    from .data import generate_shapes_dataset
    from .profile.info import model_costs

    if task not in DEMO_MODELS:
        raise ValueError(f"run_demo: task={task!r} is invalid, expected one of {', '.join(DEMO_MODELS)}")
    models = DEMO_MODELS[task] if models is None else models
    project = Path(project).resolve()
    offline_font()
    if data is None:
        folder = project / ("data" if task == "detect" else f"data-{task}")  # detect: where it always was
        data = generate_shapes_dataset(folder, n_train=n_train, n_val=n_val, imgsz=imgsz, seed=seed, task=task)
    results = []
    for name in models:
        model = YOLO(name)  # shipped dsconv YAMLs resolve by bare name
        costs = model_costs(model.model.eval(), 640)  # as built from the YAML (80 classes), like `yolo-dsconv info`
        run_name = Path(name).stem
        t0 = time.perf_counter()
        settings = {"imgsz": imgsz, "batch": batch, "workers": workers, "device": device, "project": str(project)}
        model.train(
            data=str(data),
            epochs=epochs,
            nbs=nbs,
            seed=seed,
            optimizer=optimizer,
            lr0=lr0,
            deterministic=True,
            name=run_name,
            exist_ok=True,
            amp=False,
            verbose=verbose,
            plots=True,
            **settings,
        )
        train_s = time.perf_counter() - t0
        metrics = YOLO(Path(model.trainer.best)).val(
            data=str(data), name=f"{run_name}-val", exist_ok=True, plots=True, verbose=verbose, **settings
        )
        scores = getattr(metrics, _METRIC.get(task, "box"))
        save_dir = str(model.trainer.save_dir)
        maps = float(scores.map50), float(scores.map)
        results.append(DemoResult(name, costs["params"], costs["gflops"], epochs, train_s, *maps, save_dir))
    return results
