"""Wall time of one comparison run three ways, back to back: jobs=1 (the runs one after another in the compare
process, 2 threads each), jobs=2 (two processes at a time, 1 thread each) and backend=ray (a local Ray instance,
1 CPU per task). Each way is repeated `--repeats` times in rotation (fresh projects, the dataset generated each
time), and the medians are compared with jobs=1's.

    python scripts/compare_scaling.py --out docs/results/compare_scaling                 # 64 px, 3 epochs: ~7 min
    python scripts/compare_scaling.py --imgsz 128 --epochs 15 --out docs/results/compare_scaling_128   # ~20 min
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STUDY = ["variants=stock,dsconv,sparse,control", "seeds=2", "n_train=16", "n_val=8"]
WAYS = {"jobs=1": ["jobs=1"], "jobs=2": ["jobs=2"], "backend=ray": ["backend=ray"]}
ENV = {"YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false", "RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "2"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="compare_scaling", help="writes OUT.json and OUT.md")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--imgsz", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    study = [*STUDY, f"imgsz={args.imgsz}", f"epochs={args.epochs}"]
    exe = str(Path(sys.executable).parent / "yolo-dsconv")
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    root = Path(tempfile.mkdtemp(prefix="yolo-dsconv-scaling-"))
    try:
        for r in range(args.repeats):
            for way, extra in WAYS.items():
                project = root / f"{way.replace('=', '')}-{r}"
                t0 = time.perf_counter()
                subprocess.run([exe, "compare", f"project={project}", *study, *extra], check=True,
                               capture_output=True, env={**os.environ, **ENV})  # fmt: skip
                times[way].append(time.perf_counter() - t0)
                print(f"{way} repeat {r}: {times[way][-1]:.1f} s", flush=True)
                shutil.rmtree(project)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(times["jobs=1"])
    rows = [(w, statistics.median(t), statistics.median(t) / base, t) for w, t in times.items()]
    cores = len(os.sched_getaffinity(0))
    lines = [
        f"# compare wall time, {cores} cores: {' '.join(study)} (8 runs), {args.repeats} repeats each, medians",
        "",
        "| way | median s | ratio to jobs=1 | each repeat s |",
        "|---|---|---|---|",
        *(f"| {w} | {m:.1f} | {q:.3f} | {', '.join(f'{x:.1f}' for x in t)} |" for w, m, q, t in rows),
    ]
    Path(f"{args.out}.md").write_text("\n".join(lines) + "\n")
    Path(f"{args.out}.json").write_text(json.dumps({"study": study, "cores": cores, "seconds": times}, indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
