"""Run Ultralytics' own test suite twice, without and with yolo-dsconv, and compare outcomes test by test.

Fetches the sdist of the installed Ultralytics release (it ships tests/), runs it offline once with the plugin
switched off (YOLO_DSCONV_HOOK=0, never imported) and once with it loaded (`-p yolo_dsconv`), and fails if any test
that passes without the plugin does not pass with it. Many tests skip or fail identically for lack of downloads;
only differences count. Usage: python scripts/ultralytics_tests.py [--workdir DIR] [-k EXPR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path


def fetch_tests(version: str, workdir: Path) -> Path:
    """Download and unpack ultralytics-<version>.tar.gz; return its tests/ folder."""
    root = workdir / f"ultralytics-{version}"
    if not (root / "tests").is_dir():
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"ultralytics=={version}",
                "-d",
                str(workdir),
            ],
            check=True,
        )
        with tarfile.open(workdir / f"ultralytics-{version}.tar.gz") as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(f"ultralytics-{version}/tests/")]
            tar.extractall(workdir, members=members, filter="data")
    return root / "tests"


def outcomes(junit: Path) -> dict[str, str]:
    """test id -> passed | failed | error | skipped, from a JUnit XML report."""
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        tid = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        result[tid] = (
            "failed"
            if "failure" in tags
            else "error"
            if "error" in tags
            else "skipped"
            if "skipped" in tags
            else "passed"
        )
    return result


def node_id(tid: str, tests: Path) -> str:
    """pytest node id for a JUnit `classname::name` (classname is dotted: package.module[.Class])."""
    classname, name = tid.split("::", 1)
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        path = tests.parent.joinpath(*parts[:cut]).with_suffix(".py")
        if path.is_file():
            return "::".join([str(path.relative_to(tests.parent)), *parts[cut:], name])
    return f"{classname}::{name}"


def run_suite(tests: Path, with_plugin: bool, junit: Path, extra: list[str]) -> float:
    """Run the suite in a fresh process; returns seconds taken."""
    cfg = junit.with_name(junit.stem + "-config")  # beside its report in the work dir, replaced on every run
    shutil.rmtree(cfg, ignore_errors=True)
    env = {
        **os.environ,
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "false",
        "YOLO_CONFIG_DIR": str(cfg),
        "MPLCONFIGDIR": str(cfg / "mpl"),
        "YOLO_DSCONV_HOOK": "1" if with_plugin else "0",
    }
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(tests),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-o",
        "addopts=",
        *extra,
    ]
    if with_plugin:
        cmd += ["-p", "yolo_dsconv"]
    t0 = time.perf_counter()
    with open(junit.with_suffix(".log"), "w") as log:  # its own pass/fail line stays out of our output
        subprocess.run(cmd, cwd=tests.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default=".cache/ultralytics-tests")
    parser.add_argument("-k", default=None, help="pytest -k expression, to run a subset")
    args = parser.parse_args()
    import ultralytics

    workdir = Path(args.workdir).resolve()
    tests = fetch_tests(ultralytics.__version__, workdir)
    extra = ["-k", args.k] if args.k else []
    base, plug = workdir / "without.xml", workdir / "with.xml"
    t_base = run_suite(tests, False, base, extra)
    t_plug = run_suite(tests, True, plug, extra)
    a, b = outcomes(base), outcomes(plug)
    counts = {
        name: {o: sum(1 for v in res.values() if v == o) for o in ("passed", "failed", "error", "skipped")}
        for name, res in (("without", a), ("with", b))
    }
    regressions = sorted(t for t, o in a.items() if o == "passed" and b.get(t) != "passed")
    if regressions:  # confirm: a flaky test must fail with the plugin and pass without it again
        ids = [node_id(t, tests) for t in regressions]
        run_suite(tests, False, workdir / "without-again.xml", ids)
        run_suite(tests, True, workdir / "with-again.xml", ids)
        a2, b2 = outcomes(workdir / "without-again.xml"), outcomes(workdir / "with-again.xml")
        regressions = [t for t in regressions if a2.get(t) == "passed" and b2.get(t) != "passed"]
    differ = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
    report = {
        "ultralytics": ultralytics.__version__,
        "tests": len(a),
        "counts": counts,
        "seconds": {"without": round(t_base), "with": round(t_plug)},
        "differ": differ,
        "regressions": regressions,
    }
    (workdir / "comparison.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "differ"} | {"differ_count": len(differ)}, indent=1))
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
