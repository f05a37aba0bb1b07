"""Helpers for the tests: paths of the repository, and commands in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL_YAMLS = REPO / "model_yamls"
# The smallest real training run: one epoch at 64 px, no plots, no validation.
TINY_TRAIN = ["epochs=1", "imgsz=64", "batch=8", "workers=0", "plots=False", "val=False"]


def run_python(
    code: str, *, env: dict | None = None, cwd: str | Path | None = None, timeout: int = 600, check: bool = True
):
    """Run `code` in a fresh interpreter (the same venv); returns the CompletedProcess with text output."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"fresh interpreter failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )
    return proc


def run_cmd(
    args: list[str], *, env: dict | None = None, cwd: str | Path | None = None, timeout: int = 900, check: bool = True
):
    """Run a command of the venv (e.g. `yolo`) in a fresh process; returns the CompletedProcess."""
    exe = Path(sys.executable).parent / args[0]
    proc = subprocess.run(
        [str(exe) if exe.exists() else args[0], *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args[:2]} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    return proc


def bare_venv(env_dir: Path, path_entries: list[str]) -> tuple[Path, Path]:
    """A venv without pip whose site-packages sees `path_entries` through one plain .pth (no other .pth runs there).

    Returns (its python, its site-packages).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "shared.pth").write_text("".join(f"{p}\n" for p in path_entries))
    return py, purelib


_PLUGIN_FILES = ("yolo_dsconv", "_yolo_dsconv", "__editable__")
_plugin_free: list = []


def run_without_plugin(code: str, *, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `code` in an isolated interpreter (`-I`) that sees this environment's packages but cannot find yolo_dsconv.

    The interpreter is a bare venv whose only path entry is a folder of links to every top-level item of this
    environment's site-packages except the plugin's own (its package, hook, .pth files and editable finder).
    """
    import sysconfig
    import tempfile

    if not _plugin_free:
        root = Path(tempfile.mkdtemp(prefix="yolo-dsconv-noplugin-"))
        deps = root / "deps"
        deps.mkdir()
        for item in Path(sysconfig.get_paths()["purelib"]).iterdir():
            if not item.name.startswith(_PLUGIN_FILES) and item.suffix != ".pth":
                (deps / item.name).symlink_to(item)
        _plugin_free.append(bare_venv(root / "venv", [str(deps)])[0])
    proc = subprocess.run(
        [str(_plugin_free[0]), "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tempfile.gettempdir(),
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"plugin-free interpreter failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )
    return proc
