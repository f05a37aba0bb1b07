"""`yolo-dsconv compare jobs=2` and `backend=ray` end to end: the same results as jobs=1, runs that overlap in time,
one progress view, logs per run, killed processes retried, a Ray cluster joined by address, a project a Ray node
cannot see refused. Ray endpoints listen on 127.0.0.1 only (docs/design.md, "Ray")."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from helpers import run_cmd

TINY = ["variants=stock,dsconv", "seeds=2", "epochs=2", "imgsz=64", "n_train=16", "n_val=8"]
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
RAY = Path(sys.executable).parent / "ray"
RAY_TMP = Path("/tmp/ray")  # every cluster started on the machine makes a session_<time> folder in it


def _compare(project: Path, *args: str, env: dict | None = None) -> str:
    proc = run_cmd(["yolo-dsconv", "compare", f"project={project}", *args], cwd=project.parent, env=env)
    return proc.stdout + proc.stderr


def _records(project: Path) -> dict[tuple[str, int], dict]:
    out = {}
    for file in project.glob("*/seed*/compare_run.json"):
        r = json.loads(file.read_text())["result"]
        out[(r["variant"], r["seed"])] = r
    return out


def _without_time(results_csv: Path) -> list[list[str]]:
    with open(results_csv, newline="") as f:
        return [[c for i, c in enumerate(row) if i != 1] for row in csv.reader(f)]


def _same_results(a: Path, b: Path) -> None:
    runs = sorted(p.relative_to(a) for p in a.glob("*/seed*/results.csv"))
    assert len(runs) == 4
    for run in runs:
        assert _without_time(a / run) == _without_time(b / run), run


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The tiny comparison trained one run at a time, in the compare process (jobs=1)."""
    project = tmp_path_factory.mktemp("j1") / "runs"
    _compare(project, *TINY)
    return project


def test_jobs_2_overlaps_runs_and_reproduces_jobs_1(reference, tmp_path):
    project = tmp_path / "runs"
    out = _compare(project, *TINY, "jobs=2")
    _same_results(reference, project)
    records = _records(project)
    assert {(r["backend"], r["threads"], r["attempts"], r["host"]) for r in records.values()} == {
        ("process", max(1, len(os.sched_getaffinity(0)) // 2), 1, socket.gethostname())
    }
    spans = sorted((datetime.fromisoformat(r["started"]), datetime.fromisoformat(r["ended"])) for r in records.values())
    assert spans[1][0] < spans[0][1]  # the second run started before the first had ended
    log = (project / "dsconv" / "seed1" / "train.log").read_text()
    assert "Epoch" in log and "2/2" in log  # each run's whole Ultralytics output is in its own log ...
    assert "box_loss" not in out  # ... and none of it on the terminal, which shows the progress lines instead
    assert "compare: 4 runs, 2 at a time" in out and "compare: 4/4 done, 0 running, 0 queued" in out
    assert "dsconv" in out.splitlines()[-1] or "verdict" in out  # the table follows, as with jobs=1


def test_ray_local_instance_reproduces_jobs_1_beside_another_cluster(reference, tmp_path, ray_stop):
    # Another cluster runs on the machine and RAY_ADDRESS names it: plain ray.init() would join it (and refuses
    # num_cpus there); leaving address unset must still start a local instance of its own, in a new session.
    port = _free_port()
    _ray_head(port)
    sessions = set(RAY_TMP.glob("session_2*"))
    project = tmp_path / "runs"
    out = _compare(project, *TINY, "backend=ray", env={**RAY_ENV, "RAY_ADDRESS": f"127.0.0.1:{port}"})
    _same_results(reference, project)
    assert {r["backend"] for r in _records(project).values()} == {"ray"}
    assert "compare: 4 runs as Ray tasks (1 CPU(s) each)" in out and "4/4 done" in out
    assert set(RAY_TMP.glob("session_2*")) - sessions  # a cluster of its own, not the one at RAY_ADDRESS


def _worker_pids(project: Path, variant: str, seed: int) -> list[int]:
    """The training processes (`python -m yolo_dsconv.compare.worker`) of one run of `project` (never another
    comparison's that happens to run on the machine)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"yolo_dsconv.compare.worker" in cmd:
            spec = json.loads(cmd[-1] or cmd[-2])
            if (spec["project"], spec["variant"], spec["seed"]) == (str(project.resolve()), variant, seed):
                pids.append(int(proc.name))
    return pids


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _kill_when_checkpointed(project: Path, variant: str, seed: int, parent: bool, killed: list) -> None:
    """SIGKILL the run's training process (or its parent, a Ray worker) once its first checkpoint exists."""
    last = project / variant / f"seed{seed}" / "weights" / "last.pt"
    deadline = time.time() + 300
    while time.time() < deadline and not killed:
        pids = _worker_pids(project, variant, seed)
        if pids and last.exists():
            target = _parent(pids[0]) if parent else pids[0]
            os.kill(target, signal.SIGKILL)
            killed.append(target)
        time.sleep(0.05)


def _check_fault(project: Path, killed: list) -> None:
    assert killed, "the run finished before it could be killed"
    records = _records(project)
    assert len(records) == 4
    victim = records[("dsconv", 0)]
    assert victim["attempts"] == 2 and victim["status"] in {"resumed", "restarted"}
    assert all(r["attempts"] == 1 for k, r in records.items() if k != ("dsconv", 0))  # no run trained twice
    if victim["status"] == "restarted":
        assert (project / "dsconv" / "seed0.interrupted").is_dir()  # moved aside, not deleted
    rows = list(csv.DictReader((project / "compare.csv").read_text().splitlines()))
    assert [r["attempts"] for r in rows if (r["variant"], r["seed"]) == ("dsconv", "0")] == ["2"]


def test_a_killed_run_process_is_retried_and_resumed(tmp_path):
    project, killed = tmp_path / "runs", []
    killer = threading.Thread(target=_kill_when_checkpointed, args=(project, "dsconv", 0, False, killed))
    killer.start()
    _compare(project, *[a if a != "epochs=2" else "epochs=4" for a in TINY], "jobs=2")
    killer.join()
    _check_fault(project, killed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_head(port: int, prefix: list[str] | None = None) -> None:
    cmd = [str(RAY), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2"]
    cmd += ["--include-dashboard=false", "--disable-usage-stats"]
    subprocess.run([*(prefix or []), *cmd], check=True, capture_output=True, timeout=120, env={**os.environ, **RAY_ENV})


@pytest.fixture
def ray_stop():
    yield
    subprocess.run([str(RAY), "stop", "--force"], capture_output=True, timeout=120)


def test_a_cluster_joined_by_address_survives_a_killed_ray_worker(tmp_path, ray_stop):
    port = _free_port()
    _ray_head(port)
    project, killed = tmp_path / "runs", []
    killer = threading.Thread(target=_kill_when_checkpointed, args=(project, "dsconv", 0, True, killed))
    killer.start()
    args = [a if a != "epochs=2" else "epochs=4" for a in TINY]
    out = _compare(project, *args, "backend=ray", f"address=127.0.0.1:{port}", env=RAY_ENV)
    killer.join()
    _check_fault(project, killed)
    assert "4/4 done" in out


def test_a_project_a_ray_node_cannot_see_is_refused_before_anything_is_written(tmp_path, ray_stop):
    # The head (the cluster's only node) runs in its own mount namespace with an empty tmpfs over the folder that
    # holds the project: it is a node on other storage.
    shared = tmp_path / "shared"
    shared.mkdir()
    port = _free_port()
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not permitted here: {probe.stderr.decode().strip()}")
    mount = f'mount -t tmpfs none {shared} && exec "$@"'
    _ray_head(port, ["unshare", "-m", "--propagation", "private", "sh", "-c", mount, "sh"])
    project = shared / "runs"
    proc = run_cmd(
        ["yolo-dsconv", "compare", f"project={project}", *TINY, "backend=ray", f"address=127.0.0.1:{port}"],
        env=RAY_ENV,
        check=False,
    )
    assert proc.returncode == 2
    assert f"project folder {shared} is not visible from Ray node(s)" in proc.stderr
    assert list(shared.iterdir()) == []


def test_an_address_with_no_cluster_is_refused_within_seconds(tmp_path):
    t0 = time.monotonic()
    proc = run_cmd(
        ["yolo-dsconv", "compare", f"project={tmp_path / 'p'}", *TINY, "backend=ray", "address=127.0.0.1:1"],
        env=RAY_ENV,
        check=False,
    )
    assert time.monotonic() - t0 < 60  # ray.init alone takes about 120 s to give up
    assert proc.returncode == 2 and "address=127.0.0.1:1 has no Ray cluster behind it" in proc.stderr
    assert not (tmp_path / "p").exists()
