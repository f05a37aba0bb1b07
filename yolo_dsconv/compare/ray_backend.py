"""backend=ray: every run is one Ray task that trains it in a process of its own (`worker.attempt`).

- `connect(address, cpus)`: None starts a local Ray instance listening on loopback only, even when another Ray
  cluster runs on the machine or RAY_ADDRESS is set (plain `ray.init()` would join that one); "auto" or host:port
  joins a running cluster. A cluster address is tried with a plain TCP connect first (ray.init takes about 120 s to
  give up on an address nobody listens at). A cluster with token authentication is joined with the token Ray itself
  finds (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH, or ~/.ray/auth_token).
- `check_visible(folder)`: a file written next to the project is read back by a task on every alive node; a node
  that cannot see it means the project is not on shared storage, and nothing is trained.
- A task asks for 1 GPU when the comparison trains on GPUs, otherwise for its CPU threads. A task whose process
  dies (the training process killed, the Ray worker killed, a node lost) is retried by Ray up to RETRIES times, and
  the retry resumes the run from its last.pt or restarts it, as a rerun of `compare` would.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from .progress import Progress
from .worker import RETRIES

__all__ = ("RayError", "check_visible", "connect", "resolve_address", "run_on_ray")

DEFAULT_PORT = 6379
CURRENT_CLUSTER = Path("/tmp/ray/ray_current_cluster")  # where `ray start --head` records its address


class RayError(ValueError):
    """Ray missing, no cluster at the address, or a project folder a worker cannot see; the message says which."""


def _ray() -> ModuleType:
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keep 127.0.0.1 as given (Ray rewrites it)
    try:
        import ray
    except ImportError:
        raise RayError(
            "compare: backend=ray needs Ray, which is not installed: pip install 'yolo-dsconv[ray]'"
        ) from None
    return ray


def resolve_address(address: str) -> str:
    """host:port of a cluster address: "auto" reads RAY_ADDRESS, then the file `ray start --head` writes."""
    if address == "auto":
        address = os.environ.get("RAY_ADDRESS", "")
        if not address and CURRENT_CLUSTER.is_file():
            address = CURRENT_CLUSTER.read_text().strip()
        if not address:
            raise RayError(
                "compare: address=auto found no running Ray cluster (RAY_ADDRESS is unset and `ray start --head` has "
                "not run on this machine); start one, pass address=host:port, or leave address unset for a local one"
            )
    return address


def _check_listening(address: str, timeout: float = 3.0) -> None:
    host, _, port = address.removeprefix("ray://").rpartition(":")
    host, port = (host or address, int(port)) if port.isdigit() else (address, DEFAULT_PORT)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise RayError(
            f"compare: address={address} has no Ray cluster behind it ({host}:{port}: {e.strerror or e}); "
            "start one with `ray start --head` or correct address="
        ) from None


def connect(address: str | None, cpus: int) -> bool:
    """Join the cluster at `address`, or start a local instance with `cpus` CPUs; True when this call started Ray."""
    ray = _ray()
    if ray.is_initialized():
        return False
    common = {"log_to_driver": False, "configure_logging": False}
    if address is None:
        ray.init("local", num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", **common)
        return True
    target = resolve_address(address)
    _check_listening(target)
    ray.init(address=target, **common)
    return True


def _sees(path: str, token: str) -> tuple[str, bool]:
    p = Path(path)
    return socket.gethostname(), p.is_file() and p.read_text() == token


def check_visible(folder: Path) -> None:
    """Refuse (RayError) when a node of the cluster cannot read a file written into `folder` (which must exist)."""
    ray = _ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    token = uuid.uuid4().hex
    probe = folder / f".yolo-dsconv-visible-{token}"
    probe.write_text(token)
    try:
        nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
        task = ray.remote(num_cpus=0)(_sees)
        pending = [
            task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote(str(probe), token)
            for node in nodes
        ]
        blind = [host for host, seen in ray.get(pending, timeout=120) if not seen]
    finally:
        probe.unlink(missing_ok=True)
    if blind:
        raise RayError(
            f"compare: project folder {folder} is not visible from Ray node(s) {', '.join(sorted(set(blind)))}; "
            "put project= on storage every node mounts at the same path (nothing was trained)"
        )


def _attempt(spec: dict[str, Any]) -> dict[str, Any]:
    from .worker import attempt

    return attempt(spec)


def run_on_ray(specs: list[dict[str, Any]], gpus: bool, progress: Progress) -> list[dict]:
    """Run every spec as a Ray task (in order of submission) on the connected cluster; their records, in the order of
    `specs`."""
    from .runs import RunResult

    ray = _ray()
    per_task = max(1, specs[0]["threads"]) if specs else 1
    options = {"num_gpus": 1} if gpus else {"num_cpus": per_task}
    total = ray.cluster_resources().get("GPU" if gpus else "CPU", 1)
    progress.jobs = max(1, int(total // (1 if gpus else per_task)))
    task = ray.remote(max_retries=RETRIES, retry_exceptions=True, **options)(_attempt)
    refs = [task.remote(spec) for spec in specs]
    index = {ref: i for i, ref in enumerate(refs)}
    out: dict[int, dict] = {}
    progress.running = min(len(refs), progress.jobs)
    progress.show()
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, timeout=5)
        if not ready and not progress.due():
            continue
        for ref in ready:
            try:
                out[index[ref]] = record = ray.get(ref)
            except ray.exceptions.RayTaskError as e:  # out of retries: the run's own error, without Ray's wrapping
                raise (e.cause if isinstance(e.cause, Exception) else e) from None
            progress.add(RunResult.from_dict(record["result"]))
        progress.running = min(len(pending), progress.jobs)
        progress.show()
    progress.finish()
    return [out[i] for i in range(len(specs))]
