"""A comparison's project folder read as it stands: the runs finished so far, summarised while the comparison still
trains (or after it was cut short), without training anything or writing in the folder.

The folder is the one `compare` keeps (see comparison.py): `compare_config.json`, `models/` with the variants' YAMLs,
and `<variant>/seed<k>/`, where a finished run has its `compare_run.json`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import scaled_name
from .errors import CompareError
from .runs import METRIC_KEYS, RunResult, epoch_rows, read_record, read_scores, run_folder
from .settings import CompareSettings
from .summary import DEFAULT_MARGIN, Costs, Summary, summarize, with_reference
from .variants import VARIANTS, Variant, measure

__all__ = ("CONFIG_FILE", "ProjectState", "Unfinished", "read_project")

CONFIG_FILE = "compare_config.json"
_SEED = re.compile(r"seed(\d+)")


@dataclass
class ProjectState:
    """A project as it stands: its configuration, the summary of its finished runs, and the runs not finished (in
    training, queued after a start, or cut short)."""

    config: dict
    summary: Summary
    unfinished: list[Unfinished]

    def progress(self) -> str:
        """One line: the finished runs per variant, and where each unfinished run stands."""
        runs = self.summary.runs + self.summary.left_out
        done = ", ".join(f"{r.variant} {sum(run.variant == r.variant for run in runs)}" for r in self.summary.rows)
        line = f"finished runs so far: {len(runs)} ({done})"
        if self.unfinished:
            line += "; not finished: " + ", ".join(map(str, self.unfinished))
        return line


@dataclass(frozen=True)
class Unfinished:
    """A run without its record: the epochs in its results.csv and, when they hold the metric, its best so far."""

    variant: str
    seed: int
    epochs: int
    best: float | None = None
    best_epoch: int = 0

    def __str__(self) -> str:
        """'dsconv/seed2 (224 epochs, best 0.9647 at 217)', or '(0 epochs)' before its first."""
        best = f", best {self.best:.4f} at {self.best_epoch}" if self.best is not None else ""
        return f"{self.variant}/seed{self.seed} ({self.epochs} epochs{best})"


def _config(project: Path) -> dict:
    file = project / CONFIG_FILE
    if not file.is_file():
        raise CompareError(f"compare: project={project} holds no {CONFIG_FILE}, expected a comparison's project folder")
    return json.loads(file.read_text())


def _variant_yaml(project: Path, config: dict, name: str) -> Variant:
    """The YAML the comparison trained `name` with, found by the hash its configuration records."""
    digest = config["variants"][name]
    candidates = sorted((project / "models").glob("*.yaml")) if name in VARIANTS else [Path(name)]
    for file in candidates:
        if file.is_file() and hashlib.sha256(file.read_bytes()).hexdigest() == digest:
            from ultralytics.nn.tasks import guess_model_scale

            scale = guess_model_scale(Path(config["base"]).name) if name in VARIANTS else ""
            model = file.with_name(scaled_name(file.name, scale)) if scale else file
            return Variant(name, str(model), digest)
    where = project / "models" if name in VARIANTS else Path(name)
    raise CompareError(f"compare: variant {name!r}: no YAML at {where} has the hash {CONFIG_FILE} records for it")


def _standing(run_dir: Path, name: str, seed: int, metric: str) -> Unfinished:
    """Where an unfinished run stands by its results.csv, an epoch logged twice by a resume counted once."""
    results_csv = run_dir / "results.csv"
    try:
        rows = epoch_rows(results_csv)
    except (OSError, ValueError):  # not written yet, or caught mid-write
        return Unfinished(name, seed, 0)
    try:
        scores = read_scores(results_csv, metric, rows)
    except ValueError:  # no epoch yet, or a log without the metric's column: its length is all there is to say
        return Unfinished(name, seed, len(rows))
    return Unfinished(name, seed, scores["epochs"], scores[METRIC_KEYS[metric]], scores["best_epoch"])


def read_project(
    project: str | Path,
    metric: str = "map50-95",
    level: float = 0.95,
    margin: float = DEFAULT_MARGIN,
    tol: float | None = None,
    reference: str | None = None,
    converged_only: bool = False,
) -> ProjectState:
    """The finished runs of a comparison's project folder, summarised as `compare` would summarise them.

    Args:
        project: the folder `compare` trains in (project=).
        metric, level, margin, tol: as for `compare`; runs recorded under the other metric are scored again from
            their results.csv.
        reference: the variant the others are compared with (default: the comparison's first).
        converged_only: the statistics of the converged runs alone (see `summarize`).

    Returns:
        The configuration, the summary of every variant with at least one finished run, and the unfinished runs.

    Raises:
        CompareError: not a comparison's folder, no finished run of the reference, an unknown reference, a
            variant whose YAML is not the one it trained with, or converged_only leaving a variant without a run.
    """
    project = Path(project).resolve()
    config = _config(project)
    names = with_reference(list(config["variants"]), reference)
    runs: list[RunResult] = []
    unfinished = []
    folders = [folder for name in names for folder in (project / name).glob("seed*") if folder.is_dir()]
    seeds = sorted({int(m[1]) for folder in folders if (m := _SEED.fullmatch(folder.name))})
    for name in names:
        for seed in seeds:  # compare trains every variant with every seed: one a variant lacks is still to come
            run_dir = run_folder(project, name, seed)
            record = read_record(run_dir, metric)
            if record is None:
                unfinished.append(_standing(run_dir, name, seed, metric))
            else:
                runs.append(record[0])
    finished = [n for n in names if any(r.variant == n for r in runs)]
    if names[0] not in finished:
        raise CompareError(f"compare: project={project} has no finished run of {names[0]} (the reference) yet")
    imgsz = CompareSettings.from_config(config, project).imgsz
    costs = []
    for name in finished:
        v = measure(_variant_yaml(project, config, name), imgsz)
        costs.append(Costs(v.name, v.model, v.params, v.gflops, v.layer_params, imgsz))
    summary = summarize(costs, runs, metric, level, margin, tol, converged_only=converged_only)
    summary.unfinished = [f"{u.variant}/seed{u.seed}" for u in unfinished]
    return ProjectState(config, summary, unfinished)
