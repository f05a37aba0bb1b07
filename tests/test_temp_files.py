"""The suite leaves nothing in the temp folder: CI machines share one disk, and each left folder stayed there."""

import subprocess
import sys

from helpers import REPO


def _ours(tmp) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("yolo-dsconv-"))


def _run(args: list[str], tmp) -> None:
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp), "HOME": str(tmp), "PYTHONPATH": str(REPO / "tests")}
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_pytest_session_removes_its_config_dir(tmp_path):
    # conftest.py makes the private YOLO_CONFIG_DIR at import; a one-test session must not leave it behind.
    _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_paths.py", "-x", "-k", "not slow"], tmp_path)
    assert _ours(tmp_path) == []


def test_plugin_free_interpreter_is_removed_at_exit(tmp_path):
    code = "from helpers import run_without_plugin; print(run_without_plugin('import torch').returncode)"
    _run(["-c", code], tmp_path)
    assert _ours(tmp_path) == []
