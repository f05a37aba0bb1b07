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

from .compare.settings import CompareSettings
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
    settings: CompareSettings | None = None, models: tuple[str, ...] | None = None, task: str = "detect", seed: int = 0
) -> list[DemoResult]:
    """Train and validate each model with identical settings; return one DemoResult per model.

    Args:
        settings: the project (each model trains in project/<model stem>; the built-in dataset goes to project/data,
            project/data-<task> for the other tasks), data (None: the built-in shapes, n_train/n_val images),
            verbose, and the training arguments shared by all models; None: `CompareSettings(project="demo_runs")`,
            `yolo-dsconv compare`'s protocol. Its variants, seeds and analysis keys are not used here.
        models: model YAMLs (shipped dsconv names resolve to the packaged files); None: DEMO_MODELS[task].
        task: detect, segment, pose or obb: the built-in data's labels and the metric reported.
        seed: Ultralytics' seed= for every model.
    """
    from ultralytics import YOLO

    from .data import generate_shapes_dataset
    from .profile.info import model_costs

    if task not in DEMO_MODELS:
        raise ValueError(f"run_demo: task={task!r} is invalid, expected one of {', '.join(DEMO_MODELS)}")
    settings = settings or CompareSettings(project="demo_runs")
    models = DEMO_MODELS[task] if models is None else models
    project = settings.project
    offline_font()
    data = settings.data
    if data is None:
        folder = project / ("data" if task == "detect" else f"data-{task}")  # detect: where it always was
        data = generate_shapes_dataset(
            folder, n_train=settings.n_train, n_val=settings.n_val, imgsz=settings.imgsz, seed=seed, task=task
        )
    shared = {"project": str(project), "exist_ok": True, "verbose": settings.verbose, "plots": True}
    results = []
    for name in models:
        model = YOLO(name)  # shipped dsconv YAMLs resolve by bare name
        costs = model_costs(model.model.eval(), 640)  # as built from the YAML (80 classes), like `yolo-dsconv info`
        run_name = Path(name).stem
        t0 = time.perf_counter()
        model.train(data=str(data), seed=seed, deterministic=True, name=run_name, **{**settings.train, **shared})
        train_s = time.perf_counter() - t0
        evaluation = {k: settings.train[k] for k in ("imgsz", "batch", "workers", "device") if k in settings.train}
        metrics = YOLO(Path(model.trainer.best)).val(data=str(data), name=f"{run_name}-val", **evaluation, **shared)
        scores = getattr(metrics, _METRIC.get(task, "box"))
        save_dir = str(model.trainer.save_dir)
        maps = float(scores.map50), float(scores.map)
        epochs = int(settings.train["epochs"])
        results.append(DemoResult(name, costs["params"], costs["gflops"], epochs, train_s, *maps, save_dir))
    return results
