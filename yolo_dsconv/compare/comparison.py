"""`compare`: train every variant at every seed on the same data and budget, then summarise with intervals.

The project folder holds everything: `compare_config.json` (what was compared and how), `models/` (the variants'
YAMLs), `data/` (the built-in dataset, when no data= is given), `<variant>/seed<k>/` (the runs) and the outputs
`compare.csv`, `compare.json`, `compare.png`. A second call with the same configuration trains only what is
missing; it may add seeds or variants. A call with a different configuration is refused before anything is
written, naming the difference.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..data import LEVELS, TASKS, generate_shapes_dataset
from ..modules import INITS
from ..offline import offline_font
from .errors import CompareError
from .pretrained import Pretrained, built_in_memory, check_pretrained
from .project import CONFIG_FILE
from .report import format_summary, plot, write_csv, write_json, write_markdown
from .runs import METRICS, RunResult
from .scheduler import BACKENDS, cache_labels, cpu_cores, run_all, split_devices
from .sequential import AUTO_START, planned_looks
from .summary import DEFAULT_MARGIN, Costs, Summary, summarize
from .variants import BUILT_IN, Variant, build_variants, plan_variants, scale_of

__all__ = ("AUTO_START", "CONFIG_FILE", "RESERVED", "TRAIN_DEFAULTS", "CompareError", "Comparison", "compare")

# The built-in protocol (README, "Evidence"): at Ultralytics' automatic choice (AdamW at lr 0.00125 for 4 classes) a
# 30-epoch run takes off at a random epoch or not at all; at lr0=0.004 every measured run converges.
TRAIN_DEFAULTS: dict[str, Any] = {
    "epochs": 30,
    "imgsz": 128,
    "batch": 8,
    "nbs": 8,
    "optimizer": "AdamW",
    "lr0": 0.004,
    "workers": 0,
    "device": "cpu",
    "amp": False,
    "plots": False,
}
DEFAULT_VARIANTS = ",".join(BUILT_IN)  # a string, as a user types it (the CLI's did-you-mean shows it)

RESERVED = ("model", "project", "name", "seed", "exist_ok", "resume", "data", "mode", "deterministic")


@dataclass
class Comparison:
    """What `compare` returns: the variants, every run, the summary (verdicts, convergence), the printed table with
    its notes, and the files written."""

    variants: list[Variant]
    runs: list[RunResult]
    summary: Summary
    table: str
    files: dict[str, str]


def _check_train_args(train: dict) -> None:
    from ultralytics.cfg import DEFAULT_CFG_DICT

    for key in train:
        if key in RESERVED:
            raise CompareError(f"compare: {key}= is set by compare itself and cannot be given")
        if key not in DEFAULT_CFG_DICT:
            raise CompareError(f"compare: {key}= is not an Ultralytics train argument (see `yolo cfg`)")


def _task(base: str | Path) -> str:
    """The task of a model YAML, as Ultralytics guesses it from the head (detect, segment, pose, obb, ...)."""
    from ultralytics.nn.tasks import guess_model_task

    from ..yaml_tools.graft import resolve_model_yaml

    return guess_model_task(yaml.safe_load(resolve_model_yaml(base).read_text()))


def _data_record(data: str | Path | None, imgsz: int, n_train: int, n_val: int, task: str, shapes: str) -> dict:
    """How the configuration records the dataset: the built-in one's parameters, or a YAML's path and hash."""
    if shapes not in LEVELS:
        raise CompareError(f"compare: shapes={shapes!r} is invalid, expected one of {', '.join(LEVELS)}")
    if data is None:
        if task not in TASKS:
            raise CompareError(f"compare: the built-in data has no {task} labels; pass data= (a dataset YAML)")
        built_in = {"n_train": n_train, "n_val": n_val, "imgsz": imgsz, "seed": 0, **LEVELS[shapes]}
        return {"built_in": {**built_in, **({"task": task} if task != "detect" else {})}}
    path = Path(data).resolve()
    if not path.is_file():
        raise CompareError(f"compare: data={str(data)!r} is not a file, expected a dataset YAML (or none: built-in)")
    return {"yaml": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "(unset)"), new.get(key, "(unset)")
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} there, {b!r} now")
    return out


def _check_project(project: Path, config: dict) -> dict | None:
    """The saved configuration of `project` (None for a new or empty folder), refused when it differs."""
    file = project / CONFIG_FILE
    if not file.is_file():
        if project.exists() and any(project.iterdir()):
            raise CompareError(
                f"compare: project={project} exists and holds no {CONFIG_FILE}, so it is not a comparison's folder; "
                "choose another project= (nothing was changed)"
            )
        return None
    saved = json.loads(file.read_text())
    fixed = {k: v for k, v in saved.items() if k != "variants"}
    diff = _differences(fixed, {k: v for k, v in config.items() if k != "variants"})
    if diff:
        raise CompareError(
            f"compare: project={project} holds a comparison with another configuration ({'; '.join(diff)}); "
            "use the same settings to continue it, or another project= (nothing was changed)"
        )
    return saved


def _positive_int(name: str, value: Any, least: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise CompareError(f"compare: {name}={value!r} is invalid, expected an integer ≥ {least}")


def _positive_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise CompareError(f"compare: {name}={value!r} is invalid, expected a positive number (in metric units)")


def _check_args(
    variants: tuple[str, ...] | list[str] | str,
    seeds: int | str,
    max_seeds: int,
    metric: str,
    level: float,
    margin: float,
    tol: float | None,
) -> list[str]:
    """The variant names, once every argument but the train settings is valid."""
    names = [v.strip() for v in variants.split(",") if v.strip()] if isinstance(variants, str) else list(variants)
    if not names or len(set(names)) != len(names):
        raise CompareError(
            f"compare: variants={','.join(names)} is invalid, expected distinct names (e.g. stock,dsconv)"
        )
    for name in names:
        if name not in BUILT_IN and not name.endswith((".yaml", ".yml")):
            raise CompareError(
                f"compare: variant {name!r} is unknown, expected one of {', '.join(BUILT_IN)} or a model YAML path"
            )
    if seeds == "auto":
        _positive_int("max_seeds", max_seeds, AUTO_START)
    elif isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise CompareError(f"compare: seeds={seeds!r} is invalid, expected a positive integer or auto")
    if metric not in METRICS:
        raise CompareError(f"compare: metric={metric!r} is invalid, expected one of {', '.join(METRICS)}")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise CompareError(f"compare: level={level!r} is invalid, expected a confidence level between 0 and 1")
    _positive_number("margin", margin)
    if tol is not None:
        _positive_number("tol", tol)
    if seeds == "auto" and len(names) < 2:
        raise CompareError("compare: seeds=auto needs at least 2 variants (a reference and one to compare with it)")
    return names


def _check_gpu_sharing(jobs: int, train: dict) -> None:
    """Refuse AutoBatch when parallel runs share a GPU: each run would size its batch for the whole GPU."""
    gpus = split_devices(train.get("device"))
    batch = train.get("batch")
    autobatch = isinstance(batch, (int, float)) and not isinstance(batch, bool) and (batch == -1 or 0 < batch < 1)
    if gpus and jobs > len(gpus) and autobatch:
        raise CompareError(
            f"compare: batch={batch} (AutoBatch) sizes a batch for a whole GPU, but jobs={jobs} on {len(gpus)} GPU(s) "
            "puts more than one run on a GPU; give a fixed batch= or jobs= at most the number of GPUs"
        )


def _check_weights(planned: list[Variant], base: str | Path, train: dict) -> Pretrained | None:
    """The pretrained= weights checked against every variant (None when no file is given), and freeze= within the
    model; raises CompareError."""
    freeze = train.get("freeze")
    scale = scale_of(Path(str(base)).name)
    if freeze is not None:
        layers = len(built_in_memory(planned[0], scale).model)
        if isinstance(freeze, bool) or not isinstance(freeze, int) or not 0 <= freeze < layers:
            raise CompareError(
                f"compare: freeze={freeze!r} is invalid, expected an integer 0..{layers - 1} "
                f"(the layers of {planned[0].name} before the head)"
            )
    file = train.get("pretrained")
    if not isinstance(file, str) or file in ("True", "False"):
        return None
    return check_pretrained(file, planned, scale)


def _check_parallel(jobs: int, backend: str, address: str | None, threads: int | None) -> None:
    _positive_int("jobs", jobs)
    if backend not in BACKENDS:
        raise CompareError(f"compare: backend={backend!r} is unknown, expected one of {', '.join(BACKENDS)}")
    if threads is not None:
        _positive_int("threads", threads)
    if address is not None and backend != "ray":
        raise CompareError(f"compare: address={address} joins a Ray cluster and needs backend=ray")


def compare(
    base: str | Path = "yolov5n.yaml",
    variants: tuple[str, ...] | list[str] | str = DEFAULT_VARIANTS,
    seeds: int | str = 3,
    data: str | Path | None = None,
    project: str | Path = "compare_runs",
    metric: str = "map50-95",
    level: float = 0.95,
    margin: float = DEFAULT_MARGIN,
    max_seeds: int = 10,
    tol: float | None = None,
    jobs: int = 1,
    backend: str = "local",
    address: str | None = None,
    threads: int | None = None,
    n_train: int = 96,
    n_val: int = 32,
    shapes: str = "easy",
    init: str | None = None,
    verbose: bool = True,
    **train: Any,
) -> Comparison:
    """Train each variant at seeds 0..seeds-1 with identical settings and compare them with the first variant.

    Args:
        base: an SPPF-based Ultralytics model YAML (a name such as yolov8s.yaml, or a path).
        variants: stock, dsconv, sparse, control (see variants.py) or model YAML paths, as a list or comma string.
        seeds: number of seeds; seed k sets Ultralytics' `seed=k` (initialisation and training order), never data.
            "auto": start with AUTO_START seeds and add one seed per variant until every verdict on `metric` is
            decided or `max_seeds` is reached, each look testing at (1 - level) / looks (Bonferroni).
        data: a dataset YAML; None generates the built-in shapes dataset (n_train/n_val images, data seed 0) with
            the base's task labels (detect, segment, pose or obb).
        project: the comparison's folder (see the module docstring).
        metric: map50 or map50-95: selects each run's best epoch, decides the verdicts, and is plotted.
        level: the confidence level of the intervals and tests (alpha = 1 - level).
        margin: the equivalence margin in metric units: differences within ±margin count as no difference.
        max_seeds: the most seeds per variant seeds=auto trains.
        tol: the gain over a run's last 20 % of epochs above which it counts as still rising (default margin / 2).
        jobs: runs at a time, each in a process of its own with its output in its train.log (1: in this process).
            With a device list (device=0,1,2,3) each run gets one GPU, spread evenly; never DDP.
        backend: local (this machine), or ray: one Ray task per run.
        address: backend=ray only: "auto" or host:port joins a running cluster; None starts a local instance.
        threads: torch threads per run (default: the cores divided by jobs; Ray: 1 per task).
        n_train: training images of the built-in dataset.
        n_val: validation images of the built-in dataset.
        shapes: the built-in dataset's difficulty, a key of `yolo_dsconv.data.LEVELS` (easy, hard).
        init: how the grafted variants start: "default", or "identity" (an outer shortcut whose last BatchNorm scale
            is zero, so that from shared pretrained= weights every variant computes the same function at step 0).
            None: identity with a pretrained= file (the real-photo pilot, docs/results/protocol.md), else default.
        verbose: Ultralytics' progress output.
        **train: any Ultralytics train argument (epochs, imgsz, batch, device, lr0, ...); TRAIN_DEFAULTS fill the rest.
            pretrained=PATH (an Ultralytics or a classic YOLOv5 checkpoint) starts every variant from its weights,
            across the inserted layer; the file's sha256 and each variant's transferred tensors are recorded.

    Raises:
        CompareError: bad arguments, or a project folder from another configuration.
        GraftError: the base has no SPPF for a grafted variant.
    """
    from ultralytics.cfg import DEFAULT_CFG_DICT

    names = _check_args(variants, seeds, max_seeds, metric, level, margin, tol)
    _check_parallel(jobs, backend, address, threads)
    _check_train_args(train)
    train = {k: v for k, v in {**TRAIN_DEFAULTS, **train}.items() if k in TRAIN_DEFAULTS or v != DEFAULT_CFG_DICT[k]}
    _check_gpu_sharing(jobs, train)
    if init is not None and init not in INITS:
        raise CompareError(f"compare: init={init!r} is invalid, expected one of {', '.join(INITS)}")
    if init is None:
        file = train.get("pretrained")
        init = "identity" if isinstance(file, str) and file not in ("True", "False") else "default"
    project = Path(project).resolve()
    planned = plan_variants(base, names, project / "models", init)  # nothing is written before every check passed
    record = _data_record(data, train["imgsz"], n_train, n_val, _task(base) if data is None else "", shapes)
    config = {"base": str(base), "train": train, "data": record, **({"init": init} if init != "default" else {})}
    weights = _check_weights(planned, base, train)
    if weights is not None:
        train["pretrained"] = weights.file
        config["pretrained"] = {"sha256": weights.sha256, "kind": weights.kind, "transferred": weights.transferred}
    saved = _check_project(project, config)
    known = (saved or {}).get("variants", {})
    changed = [v.name for v in planned if known.get(v.name, v.yaml_sha256) != v.yaml_sha256]
    if changed:
        raise CompareError(
            f"compare: the YAML of variant(s) {', '.join(changed)} changed since project={project} trained them; "
            "use another project= (nothing was changed)"
        )
    config["variants"] = {**known, **{v.name: v.yaml_sha256 for v in planned}}
    started_ray = False
    if backend == "ray":  # the cluster and the project's visibility are checked before anything is written
        from .ray_backend import check_visible, connect

        started_ray = connect(address, cpu_cores())
    try:
        if backend == "ray":
            check_visible(next(p for p in (project, *project.parents) if p.is_dir()))
        return _train_and_report(
            base, project, config, planned, data, seeds, max_seeds, metric, level, margin, tol,
            {"jobs": jobs, "backend": backend, "threads": threads, "address": address}, verbose, train,
        )  # fmt: skip
    finally:
        if started_ray:
            import ray

            ray.shutdown()


def _train_and_report(base: str, project: Path, config: dict, planned: list[Variant], data: str | None, seeds: int,
                      max_seeds: int, metric: str, level: float, margin: float, tol: float | None, parallel: dict,
                      verbose: bool, train: dict) -> Comparison:  # fmt: skip
    """compare() once every check has passed: write the project, train every run, summarise, write the outputs."""
    from ultralytics.utils import LOGGER

    if data is None:
        data = generate_shapes_dataset(project / "data", **config["data"]["built_in"])
    data_yaml = str(Path(data).resolve())
    built = build_variants(planned, project / "models", train["imgsz"])  # the variants planned (and checked) above
    (project / CONFIG_FILE).write_text(json.dumps(config, indent=1))
    offline_font()
    settings = {**train, "verbose": verbose}
    costs = [Costs(v.name, v.model, v.params, v.gflops, v.layer_params, train["imgsz"]) for v in built]
    if parallel["jobs"] > 1 or parallel["backend"] == "ray":
        cache_labels(data_yaml, _task(base), train["imgsz"])
    auto = seeds == "auto"
    looks = planned_looks(max_seeds) if auto else 1
    runs: list[RunResult] = []
    parallel = {**parallel, "log": LOGGER.info}
    # seed-major: a cut-short comparison has every variant at the first seeds; seeds=auto plans one look at a time
    first = AUTO_START if auto else seeds
    runs += run_all([(v, s) for s in range(first) for v in built], project, data_yaml, settings, metric, **parallel)
    for seed in range(first, max_seeds if auto else first):
        if summarize(costs, runs, metric, level, margin, tol, looks).decided():
            break
        LOGGER.info(f"compare: seeds=auto: undecided after {seed} seeds per variant; adding seed {seed}")
        runs += run_all([(v, seed) for v in built], project, data_yaml, settings, metric, **parallel)
    summary = summarize(costs, runs, metric, level, margin, tol, looks)
    files = {name: str(project / f"compare.{name}") for name in ("csv", "json", "md", "png")}
    n_seeds = len({r.seed for r in runs})
    analysis = {"seeds": n_seeds, "metric": metric, "level": level, "margin": margin, "tol": summary.tol}
    document = {**config, **analysis, "looks": looks, **({"max_seeds": max_seeds} if auto else {})}
    write_csv(Path(files["csv"]), runs)
    write_json(Path(files["json"]), document, summary)
    write_markdown(Path(files["md"]), summary, document)
    plot(Path(files["png"]), summary, document)
    return Comparison(built, runs, summary, format_summary(summary), files)
