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

from ..data import TASKS, generate_shapes_dataset
from ..demo import offline_font
from .report import format_summary, plot, write_csv, write_json, write_markdown
from .runs import METRICS, RunResult, train_run
from .sequential import AUTO_START, planned_looks
from .summary import DEFAULT_MARGIN, Costs, Summary, summarize
from .variants import BUILT_IN, Variant, build_variants, plan_variants

__all__ = ("AUTO_START", "CONFIG_FILE", "RESERVED", "TRAIN_DEFAULTS", "CompareError", "Comparison", "compare")

CONFIG_FILE = "compare_config.json"
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


class CompareError(ValueError):
    """A comparison that cannot be run as asked; the message names the bad value and what is expected."""


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


def _data_record(data: str | Path | None, imgsz: int, n_train: int, n_val: int, task: str) -> dict:
    """How the configuration records the dataset: the built-in one's parameters, or a YAML's path and hash."""
    if data is None:
        if task not in TASKS:
            raise CompareError(f"compare: the built-in data has no {task} labels; pass data= (a dataset YAML)")
        built_in = {"n_train": n_train, "n_val": n_val, "imgsz": imgsz, "seed": 0}
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
    n_train: int = 96,
    n_val: int = 32,
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
        n_train, n_val: size of the built-in dataset.
        verbose: Ultralytics' progress output.
        **train: any Ultralytics train argument (epochs, imgsz, batch, device, lr0, ...); TRAIN_DEFAULTS fill the rest.

    Raises:
        CompareError: bad arguments, or a project folder from another configuration.
        GraftError: the base has no SPPF for a grafted variant.
    """
    from ultralytics.cfg import DEFAULT_CFG_DICT
    from ultralytics.utils import LOGGER

    names = _check_args(variants, seeds, max_seeds, metric, level, margin, tol)
    _check_train_args(train)
    train = {k: v for k, v in {**TRAIN_DEFAULTS, **train}.items() if k in TRAIN_DEFAULTS or v != DEFAULT_CFG_DICT[k]}
    project = Path(project).resolve()
    planned = plan_variants(base, names, project / "models")  # nothing is written before every check has passed
    record = _data_record(data, train["imgsz"], n_train, n_val, _task(base) if data is None else "")
    config = {"base": str(base), "train": train, "data": record}
    saved = _check_project(project, config)
    known = (saved or {}).get("variants", {})
    changed = [v.name for v in planned if known.get(v.name, v.yaml_sha256) != v.yaml_sha256]
    if changed:
        raise CompareError(
            f"compare: the YAML of variant(s) {', '.join(changed)} changed since project={project} trained them; "
            "use another project= (nothing was changed)"
        )
    config["variants"] = {**known, **{v.name: v.yaml_sha256 for v in planned}}
    if data is None:
        data = generate_shapes_dataset(project / "data", **config["data"]["built_in"])
    data_yaml = str(Path(data).resolve())
    built = build_variants(planned, project / "models", train["imgsz"])  # the variants planned (and checked) above
    (project / CONFIG_FILE).write_text(json.dumps(config, indent=1))
    offline_font()
    settings = {**train, "verbose": verbose}
    costs = [Costs(v.name, v.model, v.params, v.gflops, v.layer_params, train["imgsz"]) for v in built]
    auto = seeds == "auto"
    looks = planned_looks(max_seeds) if auto else 1
    runs: list[RunResult] = []
    for seed in range(max_seeds if auto else seeds):  # seed-major: a cut-short comparison has every variant at seed 0
        for v in built:
            result = train_run(v, seed, project, data_yaml, settings, metric)
            score = getattr(result, metric.replace("-", "_"))
            LOGGER.info(f"compare: {v.name} seed {seed}: {result.status}, {metric} {score:.3f}")
            runs.append(result)
        if auto and seed + 1 >= AUTO_START:
            summary = summarize(costs, runs, metric, level, margin, tol, looks)
            if summary.decided():
                break
            LOGGER.info(f"compare: seeds=auto: undecided after {seed + 1} seeds per variant")
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
