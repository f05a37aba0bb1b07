"""What a comparison's project folder must keep to be read again and resumed, copied without its weights and data.

The configuration, what the comparison wrote about itself (the compare, report and erf tables, records and figures),
the model YAMLs, and for each finished run its results.csv, args.yaml, compare_run.json, kept ERF maps
(`erf_*.npz`, which stand in for best.pt in `yolo-dsconv erf`) and kept AP by size (`sizes_*px.json`, the same for
`yolo-dsconv sizes`). A study that spans sessions on machines that do not last commits this copy as its runs finish;
copied back into a project folder, `compare` retrains only the runs not in it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import CompareError
from .project import CONFIG_FILE
from .runs import RUN_FILE

__all__ = ("keep",)

TOP = (".json", ".csv", ".md", ".png")  # the configuration and what compare, report and erf wrote beside it
RUN = ("results.csv", "args.yaml", RUN_FILE)
RUN_CACHES = ("erf_*.npz", "sizes_*px.json")  # what erf and sizes computed from best.pt, which is not kept


def keep(project: str | Path, out: str | Path) -> list[Path]:
    """Copy the project's configuration and finished runs into `out` (again: the runs finished since are added).

    Returns:
        The run folders copied.

    Raises:
        CompareError: `project` is not a comparison's folder, or `out` keeps another comparison; nothing is written.
    """
    project, out = Path(project).resolve(), Path(out).resolve()
    config = project / CONFIG_FILE
    if not config.is_file():
        raise CompareError(f"compare: project={project} holds no {CONFIG_FILE}, expected a comparison's project folder")
    kept = out / CONFIG_FILE
    if kept.is_file() and kept.read_text() != config.read_text():
        raise CompareError(
            f"compare: out={out} keeps another comparison (its {CONFIG_FILE} differs); choose another out="
        )
    if out == project or project in out.parents:
        raise CompareError(f"compare: out={out} is inside project={project}; choose a folder outside it")
    out.mkdir(parents=True, exist_ok=True)
    for file in sorted(project.iterdir()):
        if file.is_file() and file.suffix in TOP:
            shutil.copy2(file, out / file.name)
    shutil.copytree(project / "models", out / "models", dirs_exist_ok=True)
    runs = sorted(record.parent for record in project.glob(f"*/seed*/{RUN_FILE}"))
    for run in runs:
        target = out / run.relative_to(project)
        target.mkdir(parents=True, exist_ok=True)
        for file in [*(run / name for name in RUN), *(f for pattern in RUN_CACHES for f in run.glob(pattern))]:
            if file.is_file():
                shutil.copy2(file, target / file.name)
    return runs
