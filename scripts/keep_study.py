"""Copy what a comparison's project folder must keep to be read again and resumed, without its weights and data: the
configuration, what it wrote about itself (the compare, report and erf tables, records and figures), the model YAMLs,
and for each finished run its results.csv, args.yaml, compare_run.json and kept ERF maps (`erf_*.npz`, which stand in
for best.pt in `yolo-dsconv erf`). A study that spans sessions on machines that do not last commits this copy as its
runs finish; copied back into a project folder, `compare` retrains only the runs not in it.

    python scripts/keep_study.py /work/study/hard256_const docs/results/hard256_const       # keep
    cp -r docs/results/hard256_const /work/study/hard256_const                              # resume from it
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from yolo_dsconv.compare.project import CONFIG_FILE
from yolo_dsconv.compare.runs import RUN_FILE

TOP = (".json", ".csv", ".md", ".png")  # the configuration and what compare, report and erf wrote beside it
RUN = ("results.csv", "args.yaml", RUN_FILE)


def keep(project: Path, out: Path) -> list[Path]:
    """Copy the project's configuration and finished runs into `out`; returns the run folders copied."""
    if not (project / CONFIG_FILE).is_file():
        raise SystemExit(f"keep_study: {project} holds no {CONFIG_FILE}, expected a comparison's project folder")
    out.mkdir(parents=True, exist_ok=True)
    for file in sorted(project.iterdir()):
        if file.is_file() and file.suffix in TOP:
            shutil.copy2(file, out / file.name)
    shutil.copytree(project / "models", out / "models", dirs_exist_ok=True)
    runs = sorted(record.parent for record in project.glob(f"*/seed*/{RUN_FILE}"))
    for run in runs:
        target = out / run.relative_to(project)
        target.mkdir(parents=True, exist_ok=True)
        for file in [*(run / name for name in RUN), *run.glob("erf_*.npz")]:
            if file.is_file():
                shutil.copy2(file, target / file.name)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="the comparison's project folder")
    parser.add_argument("out", type=Path, help="where to keep its results")
    args = parser.parse_args()
    runs = keep(args.project, args.out)
    print(f"keep_study: {len(runs)} finished runs kept in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
