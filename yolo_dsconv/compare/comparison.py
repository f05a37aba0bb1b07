"""`compare`: train every variant at every seed on the same data and budget, then summarise with intervals.

The project folder holds everything: `compare_config.json` (what was compared and how), `models/` (the variants'
YAMLs), `data/` (the built-in dataset, when no data= is given), `<variant>/seed<k>/` (the runs) and the outputs
`compare.csv`, `compare.json`, `compare.png`. A second call with the same configuration trains only what is
missing; it may add seeds or variants. A call with a different configuration is refused before anything is
written, naming the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import Rule, check
from ..data import generate_shapes_dataset
from ..offline import offline_font
from .devices import cpu_cores, split_devices
from .errors import CompareError
from .pretrained import Pretrained, built_in_memory, check_pretrained
from .project import CONFIG_FILE
from .report import format_summary, plot, write_csv, write_json, write_markdown
from .runs import RunResult
from .scheduler import cache_labels, run_all
from .sequential import AUTO_START, planned_looks
from .settings import RESERVED, TRAIN_DEFAULTS, CompareSettings
from .sizes import sizes_of_runs, sizes_section
from .summary import Costs, summarize
from .variants import Variant, build_variants, plan_variants, scale_of

__all__ = (
    "AUTO_START",
    "CONFIG_FILE",
    "RESERVED",
    "TRAIN_DEFAULTS",
    "CompareError",
    "CompareSettings",
    "Comparison",
    "compare",
)


@dataclass
class Comparison:
    """What `compare` returns: the variants, every run, the summary (verdicts, convergence), the printed table with
    its notes, and the files written."""

    variants: list[Variant]
    runs: list[RunResult]
    summary: Any
    table: str
    files: dict[str, str]


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


def _check_weights(settings: CompareSettings, planned: list[Variant]) -> Pretrained | None:
    """The pretrained= weights checked against every variant (None when no file is given), and freeze= within the
    model; raises CompareError."""
    freeze = settings.train.get("freeze")
    scale = scale_of(Path(settings.base).name)
    reference = None
    if freeze is not None:
        reference = built_in_memory(planned[0], scale)
        layers = len(reference.model)
        rule = Rule(low=0, high=layers - 1, note=f"the layers of {planned[0].name} before the head")
        check("freeze", freeze, "compare", rule, CompareError)
    if settings.pretrained_file is None:
        return None
    return check_pretrained(settings.pretrained_file, planned, scale, reference)


def compare(settings: CompareSettings | None = None, /, **kwargs: Any) -> Comparison:
    """Train each variant at seeds 0..seeds-1 with identical settings and compare them with the first variant.

    Args:
        settings: the comparison's protocol (see `CompareSettings` for every key); or none, and
        **kwargs: the same keys as `CompareSettings`, and any Ultralytics train argument (epochs, imgsz, batch,
            device, lr0, ...), which go to its `train`. pretrained=PATH (an Ultralytics or a classic YOLOv5
            checkpoint) starts every variant from its weights, across the inserted layer; the file's sha256 and each
            variant's transferred tensors are recorded.

    Raises:
        CompareError: bad arguments, or a project folder from another configuration.
        GraftError: the base has no SPPF for a grafted variant.

    Example: `compare(variants="stock,dsconv", seeds=3, epochs=30)`, or the same as
    `compare(CompareSettings(variants="stock,dsconv", seeds=3, train={"epochs": 30}))`.
    """
    if settings is not None and kwargs:
        raise CompareError(f"compare: give settings or keyword arguments, not both (got {', '.join(kwargs)})")
    settings = CompareSettings.of(**kwargs) if settings is None else settings
    project = settings.project
    planned = plan_variants(settings.base, list(settings.variants), project / "models", settings.init)
    weights = _check_weights(settings, planned)  # nothing is written before every check passed
    if weights is not None:
        settings = settings.with_train(pretrained=weights.file)
    record = weights.record() if weights is not None else None
    config = settings.config({}, record)
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
    if settings.backend == "ray":  # the cluster and the project's visibility are checked before anything is written
        from .ray_backend import check_visible, connect

        started_ray = connect(settings.address, cpu_cores())
    try:
        if settings.backend == "ray":
            check_visible(next(p for p in (project, *project.parents) if p.is_dir()))
        return _train_and_report(settings, config, planned)
    finally:
        if started_ray:
            import ray

            ray.shutdown()


def _train_and_report(settings: CompareSettings, config: dict, planned: list[Variant]) -> Comparison:
    """compare() once every check has passed: write the project, train every run, summarise, write the outputs."""
    from ultralytics.utils import LOGGER

    project = settings.project
    data = settings.data
    if data is None:
        data = generate_shapes_dataset(project / "data", **config["data"]["built_in"])
    data_yaml = str(Path(data).resolve())
    built = build_variants(planned, project / "models", settings.imgsz)  # the variants planned (and checked) above
    (project / CONFIG_FILE).write_text(json.dumps(config, indent=1))
    offline_font()
    costs = [Costs(v.name, v.model, v.params, v.gflops, v.layer_params, settings.imgsz) for v in built]
    if settings.jobs > 1 or settings.backend == "ray":
        cache_labels(data_yaml, settings.task, settings.imgsz)
    auto = settings.seeds == "auto"
    looks = planned_looks(settings.max_seeds) if auto else 1
    analysis = (settings.metric, settings.level, settings.margin, settings.tol, looks)
    # seed-major: a cut-short comparison has every variant at the first seeds; seeds=auto plans one look at a time
    first = AUTO_START if auto else settings.seeds
    runs = run_all([(v, s) for s in range(first) for v in built], settings, data_yaml, LOGGER.info)
    for seed in range(first, settings.max_seeds if auto else first):
        if summarize(costs, runs, *analysis).decided():
            break
        LOGGER.info(f"compare: seeds=auto: undecided after {seed} seeds per variant; adding seed {seed}")
        runs += run_all([(v, seed) for v in built], settings, data_yaml, LOGGER.info)
    summary = summarize(costs, runs, *analysis)
    files = {name: str(project / f"compare.{name}") for name in ("csv", "json", "md", "png")}
    n_seeds = len({r.seed for r in runs})
    read = {"seeds": n_seeds, "metric": settings.metric, "level": settings.level, "margin": settings.margin}
    document = {**config, **read, "tol": summary.tol, "looks": looks}
    document |= {"max_seeds": settings.max_seeds} if auto else {}
    sizes, appendix = _sizes(settings, runs, [r.variant for r in summary.rows], data_yaml)
    write_csv(Path(files["csv"]), runs)
    write_json(Path(files["json"]), document, summary, sizes)
    write_markdown(Path(files["md"]), summary, document, appendix=appendix)
    plot(Path(files["png"]), summary, document)
    table = format_summary(summary) + (f"\n\n{appendix}" if appendix else "")
    return Comparison(built, runs, summary, table, files)


def _sizes(settings: CompareSettings, runs: list, variants: list[str], data_yaml: str) -> tuple[dict, str]:
    """sizes=True: AP by object size of every run on the validation split (on the first GPU given, else the CPU),
    as compare.json's `sizes` and a compare.md section; else nothing."""
    if not settings.sizes:
        return {}, ""
    device = (split_devices(settings.train.get("device")) or ["cpu"])[0]
    values = sizes_of_runs(settings.project, runs, data_yaml, settings.imgsz, device)
    section, text = sizes_section(values, variants, settings.imgsz, settings.level, settings.margin)
    return {"sizes": section}, "## AP by object size\n\n" + text
